"""Retrofit documents and measures.

A retrofit (schema ``jigai.retrofit/1``) is a ``before`` building and either an ``after``
building or a list of ``measures`` applied to ``before``: ``add_insulation`` (an added layer,
1/K' = 1/K + d/(λ·α)), ``replace_windows``, ``replace_doors``, ``set_K``, ``set_air_changes``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .building import (
    Building,
    Element,
    ElementKind,
    Faces,
    _door_K,
    _num,
    _window_K_shgc,
    parse_building,
    validate_building,
)
from .constructions import K_add_layer, R_layer
from .errors import EngineInputError
from .ground import K_of_zones, add_resistance
from .params import EngineData, Material

_SELECTORS = {
    "walls": lambda e: e.kind is ElementKind.WALL,
    "roof": lambda e: e.kind is ElementKind.ROOF,
    "floor": lambda e: e.kind is ElementKind.FLOOR,
    "basement_ceiling": lambda e: (
        e.kind is ElementKind.FLOOR and e.faces is Faces.UNHEATED_BASEMENT
    ),
    "windows": lambda e: e.kind is ElementKind.WINDOW,
    "doors": lambda e: e.kind is ElementKind.DOOR,
    "balcony": lambda e: e.kind is ElementKind.BALCONY,
}


def _select(b: Building, sel: Any, path: str):
    if isinstance(sel, str):
        if sel not in _SELECTORS:
            raise EngineInputError(
                path, f"{sel!r} is not one of {', '.join(_SELECTORS)} or a list of ids"
            )
        return _SELECTORS[sel]
    if isinstance(sel, list):
        ids = {e.id for e in b.elements}
        missing = [s for s in sel if s not in ids]
        if missing:
            raise EngineInputError(path, f"no element(s) {', '.join(map(str, missing))}")
        chosen = set(sel)
        return lambda e: e.id in chosen
    raise EngineInputError(path, "must be a selector name or a list of element ids")


def _insulated(e: Element, d: float, mat: Material, dK: float) -> Element:
    """An element with an added layer d [m] of ``mat``: 1/K' = 1/K + d/(λ·α) (+ dK); a zoned
    floor on ground adds d/(λ·α) to every zone's resistance (``ground.py``) and keeps its
    thermal-bridge increment."""
    if e.ground is not None:
        bridge = e.K - K_of_zones(e.ground)
        zones = add_resistance(e.ground, float(R_layer(d, mat.lambda_, mat.alpha)))
        return replace(e, K=K_of_zones(zones) + bridge + dK, ground=zones)
    return replace(e, K=float(K_add_layer(e.K, d, mat.lambda_, mat.alpha)) + dK)


def _product_spec(m: dict, key: str) -> dict:
    """The window/door spec of a replace_windows/replace_doors measure: ``{key: type}`` as
    ``type``, with any ``K``/``shgc`` given beside it (they replace the type's values)."""
    spec = {k: m[k] for k in ("K", "shgc") if k in m}
    if key in m:
        spec["type"] = m[key]
    return spec


def apply_measures(b: Building, measures: Any, path: str, data: EngineData) -> Building:
    """Apply a list of retrofit measures to a building (returns a new ``Building``).

    Measures: ``add_insulation`` {elements, material, thickness [m], lambda?, delta_K?} →
    1/K' = 1/K + d/(λ·α) (+ bridge increment); ``replace_windows`` {window type, optional K
    and shgc replacing the type's | K and shgc} (K alone is refused: no silent SHGC 0);
    ``replace_doors`` {door type | K}; ``set_K`` {elements, K}; ``set_air_changes`` {N}.
    """
    if not isinstance(measures, list):
        raise EngineInputError(path, "measures must be a list")
    for j, m in enumerate(measures):
        mp = f"{path}[{j}]"
        if not isinstance(m, dict):
            raise EngineInputError(mp, "measure must be an object")
        kind = m.get("measure")
        if kind == "add_insulation":
            sel = _select(b, m.get("elements", "walls"), f"{mp}.elements")
            mat = data.material(str(m.get("material")), f"{mp}.material")
            lam = _num(m, "lambda", mp, required=False, positive=True)
            if lam is not None:  # a tested λ (as built) in place of the material's
                mat = replace(mat, lambda_=lam)
            d = _num(m, "thickness", mp, positive=True)
            dK = _num(m, "delta_K", mp, required=False, nonneg=True, default=0.0)
            els = tuple(_insulated(e, d, mat, dK) if sel(e) else e for e in b.elements)
        elif kind == "replace_windows":
            sel = _select(b, m.get("elements", "windows"), f"{mp}.elements")
            if any(sel(e) and e.kind is not ElementKind.WINDOW for e in b.elements):
                raise EngineInputError(f"{mp}.elements", "replace_windows acts on windows only")
            K, shgc = _window_K_shgc(_product_spec(m, "window"), mp, data)
            els = tuple(replace(e, K=K, shgc=shgc) if sel(e) else e for e in b.elements)
        elif kind == "replace_doors":
            sel = _select(b, m.get("elements", "doors"), f"{mp}.elements")
            if any(sel(e) and e.kind is not ElementKind.DOOR for e in b.elements):
                raise EngineInputError(f"{mp}.elements", "replace_doors acts on doors only")
            K = _door_K(_product_spec(m, "door"), mp, data)
            els = tuple(replace(e, K=K) if sel(e) else e for e in b.elements)
        elif kind == "set_K":
            sel = _select(b, m.get("elements"), f"{mp}.elements")
            K = _num(m, "K", mp)
            if not K > 0:
                raise EngineInputError(f"{mp}.K", f"K must be > 0 W/(m²·K), got {K:g}")
            els = tuple(replace(e, K=K) if sel(e) else e for e in b.elements)
        elif kind == "set_air_changes":
            b = replace(b, N=_num(m, "N", mp, positive=True))
            continue
        else:
            raise EngineInputError(
                f"{mp}.measure",
                f"{kind!r} is not one of add_insulation, replace_windows, replace_doors, set_K, set_air_changes",
            )
        b = replace(b, elements=els)
    return b


@dataclass(frozen=True)
class Retrofit:
    """A retrofit: the building before and after, with the input document kept."""

    name: str
    before: Building
    after: Building
    climate_spec: dict | None = None
    eta_threshold: float | None = None


def parse_retrofit(doc: Any, data: EngineData) -> Retrofit:
    """Parse a retrofit document (schema ``jigai.retrofit/1``)."""
    if not isinstance(doc, dict):
        raise EngineInputError("$", "document must be a JSON object")
    if "before" not in doc:
        raise EngineInputError("before", "missing")
    before = parse_building(doc["before"], "before", data)
    if "after" in doc and "measures" in doc:
        raise EngineInputError("after", "give either after or measures, not both")
    if "after" in doc:
        after = parse_building(doc["after"], "after", data)
    elif "measures" in doc:
        after = validate_building(
            apply_measures(before, doc["measures"], "measures", data), "after"
        )
    else:
        raise EngineInputError("after", "missing (give after or measures)")
    thr = None
    prog = doc.get("programme")
    if isinstance(prog, dict) and "eta_threshold" in prog:
        thr = _num(prog, "eta_threshold", "programme", nonneg=True)
    climate = doc.get("climate")
    if climate is not None and not isinstance(climate, dict):
        raise EngineInputError("climate", "must be an object {city} or {epw}")
    return Retrofit(str(doc.get("name", before.name)), before, after, climate, thr)
