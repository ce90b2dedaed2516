"""Building description: detailed element list, block shorthand for survey data, measures.

Two input formats (documented in ``schema/building.schema.json``, examples in ``examples/``):

- ``"format": "detailed"`` — every envelope element with kind, orientation, area, K (or
  layers), ε, and what it faces (outdoor air, ground, unheated basement, unheated stairwell,
  enclosed balcony); plus A0, V0 (and optionally F0).
- ``"format": "block"`` — survey shorthand: length, depth, storeys, storey height, azimuth,
  window-to-wall ratio per facade, wall/roof/window/floor constructions, stairwell heated or
  not, air changes. ``expand_block`` derives the element areas, A0, V0, F0 and the shape
  factor S = F0/V0.

Both become a frozen ``Building`` (a list of ``Element``). Retrofit documents and measures
are in ``retrofit.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .constructions import Construction, Layer, Position, construction_K
from .errors import EngineInputError
from .ground import K_of_zones, Zones, ground_zones, insulating_R
from .params import EngineData


class BuildingType(StrEnum):
    RESIDENTIAL = "residential"
    PUBLIC = "public"

    @property
    def label_zh(self) -> str:
        return {"residential": "居住建筑", "public": "公共建筑"}[self.value]


class ElementKind(StrEnum):
    WALL = "wall"
    ROOF = "roof"
    FLOOR = "floor"
    WINDOW = "window"
    DOOR = "door"
    BALCONY = "balcony"

    @property
    def label_zh(self) -> str:
        return {
            "wall": "外墙",
            "roof": "屋面",
            "floor": "楼地面/地下室顶板",
            "window": "外窗(含天窗)",
            "door": "外门",
            "balcony": "封闭阳台隔墙及门窗",
        }[self.value]


class Faces(StrEnum):
    """What the element's outer side faces (and, for stairwells, its inner side)."""

    OUTDOOR = "outdoor"
    GROUND = "ground"
    UNHEATED_BASEMENT = "unheated_basement"
    UNHEATED_STAIRWELL = "unheated_stairwell"
    ENCLOSED_BALCONY = "enclosed_balcony"

    @property
    def label_zh(self) -> str:
        return {
            "outdoor": "室外空气",
            "ground": "地面(土壤)",
            "unheated_basement": "不采暖地下室",
            "unheated_stairwell": "不采暖楼梯间外围护(内侧12℃)",
            "enclosed_balcony": "封闭阳台(不采暖)",
        }[self.value]


ORIENTATIONS = ("S", "E", "W", "N", "H")
_ORIENT_ZH = {"S": "南", "E": "东", "W": "西", "N": "北", "H": "水平"}


@dataclass(frozen=True)
class Element:
    """One envelope element.

    area [m²] is the gross area for walls (hosted openings are subtracted) and the element
    area otherwise; K [W/(m²·K)] is the mean K_m including thermal bridges; ``epsilon`` the
    JGJ 26 solar correction factor of opaque walls/roofs (None → derived from the climate by
    the sol-air formula); ``shgc`` the SHGC of a window's glazing (the frame is in the 0.70 of
    C_mc, JGJ 26-2010 eq. 4.3.8; doors 0); ``b`` a temperature-
    difference factor (None → from ``faces``/basement type); ``host`` the id of the wall (or
    roof) holding a window or door; ``ground`` the zones (F_z [m²], R_z [m²·K/W]) of a floor on
    ground computed by the zone method (``ground.py``; None when its K was given).
    """

    id: str
    kind: ElementKind
    area: float
    K: float
    orientation: str = "S"
    faces: Faces = Faces.OUTDOOR
    epsilon: float | None = None
    shgc: float = 0.0
    b: float | None = None
    host: str | None = None
    label: str = ""
    ground: Zones | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "area": self.area,
            "K": self.K,
            "orientation": self.orientation,
            "faces": self.faces.value,
            "epsilon": self.epsilon,
            "shgc": self.shgc,
            "b": self.b,
            "host": self.host,
            "label": self.label,
            "ground_zones": [list(z) for z in self.ground] if self.ground else None,
        }


@dataclass(frozen=True)
class Building:
    """A building for the JGJ 26 index. A0 [m²] floor area, V0 [m³] heated volume (external
    dimensions), F0 [m²] outer surface in contact with outdoor air (JGJ 26-2010 §2.1.x)."""

    name: str
    building_type: BuildingType
    storeys: int
    A0: float
    V0: float
    F0: float
    stairwell_heated: bool
    elements: tuple[Element, ...]
    N: float | None = None
    basement: str = "unheated_basement_with_windows"

    @property
    def shape_factor(self) -> float:
        """S = F0 / V0 [1/m] (JGJ 26-2010 §2.1.x 体形系数)."""
        return self.F0 / self.V0

    def net_area(self, e: Element) -> float:
        """Area of element ``e`` with hosted openings removed [m²]."""
        if e.kind in (ElementKind.WALL, ElementKind.ROOF):
            return e.area - sum(o.area for o in self.elements if o.host == e.id)
        return e.area

    def window_wall_ratio(self, orientation: str) -> float:
        """Window-to-wall ratio of one orientation (outdoor-facing walls incl. stairwells)."""
        walls = [
            e
            for e in self.elements
            if e.kind is ElementKind.WALL
            and e.orientation == orientation
            and e.faces is not Faces.GROUND
        ]
        gross = sum(e.area for e in walls)
        win = sum(
            e.area
            for e in self.elements
            if e.kind is ElementKind.WINDOW and e.orientation == orientation
        )
        return win / gross if gross > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "format": "detailed",
            "name": self.name,
            "building_type": self.building_type.value,
            "storeys": self.storeys,
            "A0": self.A0,
            "V0": self.V0,
            "F0": self.F0,
            "shape_factor": self.shape_factor,
            "stairwell_heated": self.stairwell_heated,
            "air_changes": self.N,
            "basement": self.basement,
            "elements": [e.to_dict() for e in self.elements],
        }


# ---------------------------------------------------------------------------------------
# helpers for parsing


def _num(
    d: dict, key: str, path: str, *, required=True, positive=False, nonneg=False, default=None
):
    if key not in d or d[key] is None:
        if required:
            raise EngineInputError(f"{path}.{key}", "missing")
        return default
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise EngineInputError(f"{path}.{key}", f"must be a number, got {v!r}")
    v = float(v)
    if positive and not v > 0:
        raise EngineInputError(f"{path}.{key}", f"must be > 0, got {v:g}")
    if nonneg and v < 0:
        raise EngineInputError(f"{path}.{key}", f"must be ≥ 0, got {v:g}")
    return v


def _enum(cls, value, path):
    try:
        return cls(value)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in cls)
        raise EngineInputError(path, f"{value!r} is not one of {allowed}") from exc


# K_m of constructions already computed: (id(data), position, spec as JSON) → (data, K_m);
# the data object is held so that its id stays its own. A survey of many buildings has a
# handful of distinct constructions.
_K_SEEN: dict[tuple[int, Position, str], tuple[EngineData, float]] = {}


def _construction_K(spec: Any, path: str, position: Position, data: EngineData) -> float:
    """K_m [W/(m²·K)] from ``{"K": ...}`` or ``{"layers": [...]}`` (+ optional delta_K).
    A spec computed before (same data and position) is not computed again."""
    if not isinstance(spec, dict):
        raise EngineInputError(path, "construction must be an object with K or layers")
    try:
        key = (id(data), position, json.dumps(spec, sort_keys=True))
    except (TypeError, ValueError):  # not plain JSON: computed (and checked) every time
        return _construction_K_of(spec, path, position, data)
    seen = _K_SEEN.get(key)
    if seen is not None and seen[0] is data:
        return seen[1]
    K = _construction_K_of(spec, path, position, data)
    if len(_K_SEEN) >= 4096:
        _K_SEEN.clear()
    _K_SEEN[key] = (data, K)
    return K


def _construction_K_of(spec: dict, path: str, position: Position, data: EngineData) -> float:
    delta = _num(spec, "delta_K", path, required=False, nonneg=True, default=0.0)
    pos = _enum(Position, spec.get("position", position.value), f"{path}.position")
    if "K" in spec:
        K = _num(spec, "K", path)
        if not K > 0:
            raise EngineInputError(f"{path}.K", f"K must be > 0 W/(m²·K), got {K:g}")
        return construction_K(Construction(pos, K_p=K, delta_K=delta), data=data, field_path=path)
    if "layers" in spec:
        layers = _layers(spec["layers"], f"{path}.layers")
        return construction_K(
            Construction(pos, layers=layers, delta_K=delta), data=data, field_path=path
        )
    raise EngineInputError(path, "construction needs K or layers")


def _layers(spec: Any, path: str) -> tuple[Layer, ...]:
    if not isinstance(spec, list):
        raise EngineInputError(path, "must be a list")
    out = []
    for j, lay in enumerate(spec):
        lp = f"{path}[{j}]"
        if not isinstance(lay, dict) or "material" not in lay:
            raise EngineInputError(lp, "layer needs material and d")
        out.append(Layer(str(lay["material"]), _num(lay, "d", lp)))
    return tuple(out)


def _ground_floor(
    spec: dict | None, length: float, depth: float, path: str, data: EngineData
) -> tuple[float, Zones | None]:
    """K [W/(m²·K)] and zones of a floor on ground (``ground.py``): ``None`` or a spec without
    K/layers → uninsulated zone method; ``layers`` → insulated zone method (R0,z + Σd/(λ·α)
    of the insulating layers); ``K`` → the given mean K (no zones). ``delta_K`` is added."""
    if spec is None:
        zones = ground_zones(length, depth, data)
        return K_of_zones(zones), zones
    if "position" in spec:
        raise EngineInputError(
            f"{path}.position",
            "a floor on ground is computed by the zone method (地带法), not with the surface "
            "resistances of a position: remove position",
        )
    delta = _num(spec, "delta_K", path, required=False, nonneg=True, default=0.0)
    if "K" in spec:
        K = _num(spec, "K", path)
        if not K > 0:
            raise EngineInputError(f"{path}.K", f"K must be > 0 W/(m²·K), got {K:g}")
        return K + delta, None
    R = 0.0
    if "layers" in spec:
        R = insulating_R(_layers(spec["layers"], f"{path}.layers"), data, f"{path}.layers")
    zones = ground_zones(length, depth, data, R_added=R)
    return K_of_zones(zones) + delta, zones


def _ground_floor_element(d: dict, path: str, area: float, data: EngineData):
    """A detailed floor on ground without K: the zone method needs the plate's length and
    depth [m] (2 m strips from the external walls), which must match its area (1 %)."""
    for key in ("length", "depth"):
        if key not in d:
            raise EngineInputError(
                f"{path}.{key}",
                "missing: a floor on ground given by layers (or without K) is computed by the "
                "zone method (地带法), which needs the floor plate's length and depth [m]; "
                "or give its mean K",
            )
    L = _num(d, "length", path, positive=True)
    D = _num(d, "depth", path, positive=True)
    if abs(L * D - area) > 0.01 * area:
        raise EngineInputError(
            f"{path}.length",
            f"length × depth = {L * D:g} m² differs from area {area:g} m² by more than 1 %",
        )
    return _ground_floor(d, L, D, path, data)


def _window_K_shgc(spec: Any, path: str, data: EngineData) -> tuple[float, float]:
    """K [W/(m²·K)] and SHGC [-] of a window (or a ``replace_windows`` measure).

    A ``type`` of data/windows.csv gives both; ``K`` and/or ``shgc`` given beside a type
    replace the type's value. Without a type both ``K`` and ``shgc`` are needed: a window
    given by K alone is refused (naming ``<path>.shgc``) rather than taken as SHGC 0, which
    would drop its solar gain from q_Hmc (JGJ 26-2010 eq. 4.3.8) without a word.
    """
    if not isinstance(spec, dict):
        raise EngineInputError(path, "window construction must be an object")
    w = data.window(str(spec["type"]), f"{path}.type") if "type" in spec else None
    if "K" in spec:
        K = _num(spec, "K", path)
        if not K > 0:
            raise EngineInputError(f"{path}.K", f"K must be > 0 W/(m²·K), got {K:g}")
    elif w is not None:
        K = w.K
    else:
        raise EngineInputError(
            f"{path}.K", "missing (give a window type of data/windows.csv, or K with shgc)"
        )
    if "shgc" in spec:
        shgc = _num(spec, "shgc", path, nonneg=True)
        if shgc > 1:
            raise EngineInputError(f"{path}.shgc", f"must be ≤ 1, got {shgc:g}")
    elif w is not None:
        shgc = w.shgc
    else:
        raise EngineInputError(
            f"{path}.shgc",
            "missing: a window given by K also needs shgc, the solar heat gain coefficient "
            "of its glazing (0–1, e.g. 0.85 single clear, 0.75 double clear, 0.50 low-E), "
            "or a window type of data/windows.csv instead of K; without it the window's "
            "solar gain would be counted as zero",
        )
    return K, shgc


def _door_K(spec: Any, path: str, data: EngineData) -> float:
    """K [W/(m²·K)] of a door (or a ``replace_doors`` measure): a ``type`` of
    data/windows.csv, or ``K`` (which replaces the type's K when both are given). Doors are
    opaque: they get no solar gain, so an ``shgc`` is refused rather than ignored."""
    if not isinstance(spec, dict):
        raise EngineInputError(path, "door construction must be an object")
    if "shgc" in spec:
        raise EngineInputError(
            f"{path}.shgc",
            "a door is opaque and gets no solar gain: give a glazed door as a window",
        )
    if "K" in spec:
        K = _num(spec, "K", path)
        if not K > 0:
            raise EngineInputError(f"{path}.K", f"K must be > 0 W/(m²·K), got {K:g}")
        return K
    if "type" in spec:
        return data.window(str(spec["type"]), f"{path}.type").K
    raise EngineInputError(f"{path}.K", "missing (give a door type of data/windows.csv, or K)")


_DEFAULT_POSITION = {
    ElementKind.WALL: Position.WALL,
    ElementKind.ROOF: Position.ROOF,
    ElementKind.FLOOR: Position.BASEMENT_CEILING_WITH_WINDOWS,
    ElementKind.BALCONY: Position.STAIRWELL_PARTITION,
}


def parse_element(d: Any, path: str, data: EngineData) -> Element:
    """One element of the detailed format."""
    if not isinstance(d, dict):
        raise EngineInputError(path, "element must be an object")
    kind = _enum(ElementKind, d.get("kind"), f"{path}.kind")
    eid = str(d.get("id") or path)
    area = _num(d, "area", path)
    if not area > 0:
        raise EngineInputError(f"{path}.area", f"area must be > 0 m², got {area:g}")
    faces = _enum(Faces, d.get("faces", "outdoor"), f"{path}.faces")
    orient = d.get("orientation", "H" if kind is ElementKind.ROOF else None)
    if kind in (ElementKind.FLOOR, ElementKind.DOOR, ElementKind.BALCONY) and orient is None:
        orient = "H" if kind is ElementKind.FLOOR else "N"
    if orient not in ORIENTATIONS:
        raise EngineInputError(f"{path}.orientation", f"{orient!r} is not one of S, E, W, N, H")
    shgc = 0.0
    ground = None
    on_ground = kind is ElementKind.FLOOR and faces is Faces.GROUND
    if not on_ground and ("length" in d or "depth" in d):
        key = "length" if "length" in d else "depth"
        raise EngineInputError(f"{path}.{key}", "length and depth are for a floor on ground only")
    if on_ground and "K" not in d:
        K, ground = _ground_floor_element(d, path, area, data)
    elif kind is ElementKind.WINDOW:
        K, shgc = _window_K_shgc(d, path, data)
    elif kind is ElementKind.DOOR and ("type" in d or "shgc" in d):
        K = _door_K(d, path, data)
    elif "K" in d:
        K = _num(d, "K", path)
        if not K > 0:
            raise EngineInputError(f"{path}.K", f"K must be > 0 W/(m²·K), got {K:g}")
        K += _num(d, "delta_K", path, required=False, nonneg=True, default=0.0)
    elif "layers" in d:
        pos = _DEFAULT_POSITION.get(kind, Position.WALL)
        if kind is ElementKind.FLOOR and faces is Faces.OUTDOOR:
            pos = Position.FLOOR_OVER_OUTDOOR  # 架空或外挑楼板: outdoor air below (R_e 0.04)
        K = _construction_K(d, path, pos, data)
    else:
        raise EngineInputError(f"{path}.K", "missing (give K, layers, or a window type)")
    eps = _num(d, "epsilon", path, required=False)
    if eps is not None and not 0 < eps <= 1.2:
        raise EngineInputError(f"{path}.epsilon", f"ε must be in (0, 1.2], got {eps:g}")
    b = _num(d, "b", path, required=False)
    if b is not None and not 0 < b <= 1:
        raise EngineInputError(f"{path}.b", f"temperature factor must be in (0, 1], got {b:g}")
    if kind is ElementKind.FLOOR and faces not in (
        Faces.GROUND,
        Faces.UNHEATED_BASEMENT,
        Faces.OUTDOOR,
    ):
        raise EngineInputError(
            f"{path}.faces", "a floor faces ground, unheated_basement or outdoor"
        )
    if kind is ElementKind.BALCONY:
        faces = Faces.ENCLOSED_BALCONY
    host = d.get("host")
    return Element(
        eid,
        kind,
        area,
        K,
        orient,
        faces,
        eps,
        shgc,
        b,
        str(host) if host else None,
        d.get("label", ""),
        ground,
    )


def validate_building(b: Building, path: str) -> Building:
    """Cross-element checks: unique ids, hosts exist, openings fit in their host."""
    ids = [e.id for e in b.elements]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise EngineInputError(
            f"{path}.elements", f"duplicate element id(s): {', '.join(sorted(dup))}"
        )
    by_id = {e.id: (j, e) for j, e in enumerate(b.elements)}
    for j, e in enumerate(b.elements):
        if e.host is None:
            continue
        if e.host not in by_id:
            raise EngineInputError(f"{path}.elements[{j}].host", f"no element with id {e.host!r}")
        hj, h = by_id[e.host]
        if h.kind not in (ElementKind.WALL, ElementKind.ROOF):
            raise EngineInputError(
                f"{path}.elements[{j}].host", f"{e.host!r} is not a wall or roof"
            )
    for hj, h in enumerate(b.elements):
        openings = [e for e in b.elements if e.host == h.id]
        total = sum(e.area for e in openings)
        if openings and total >= h.area:
            which = ", ".join(e.id for e in openings)
            raise EngineInputError(
                f"{path}.elements[{hj}].area",
                f"openings ({which}: {total:g} m²) are as large as or larger than wall {h.id!r} "
                f"({h.area:g} m²): a window larger than its wall",
            )
    if not b.A0 > 0:
        raise EngineInputError(f"{path}.A0", f"must be > 0 m², got {b.A0:g}")
    if not b.V0 > 0:
        raise EngineInputError(f"{path}.V0", f"must be > 0 m³, got {b.V0:g}")
    if not b.elements:
        raise EngineInputError(f"{path}.elements", "no envelope elements")
    return b


def parse_detailed(d: dict, path: str, data: EngineData) -> Building:
    elems = d.get("elements")
    if not isinstance(elems, list):
        raise EngineInputError(f"{path}.elements", "missing or not a list")
    elements = tuple(parse_element(e, f"{path}.elements[{j}]", data) for j, e in enumerate(elems))
    A0 = _num(d, "A0", path)
    V0 = _num(d, "V0", path)
    F0 = _num(d, "F0", path, required=False)
    if F0 is None:
        F0 = sum(
            e.area
            for e in elements
            if e.kind in (ElementKind.WALL, ElementKind.ROOF)
            and e.faces in (Faces.OUTDOOR, Faces.UNHEATED_STAIRWELL)
        ) + sum(
            e.area
            for e in elements
            if e.kind in (ElementKind.WINDOW, ElementKind.DOOR)
            and e.host is None
            and e.faces is Faces.OUTDOOR
        )
    N = _num(d, "air_changes", path, required=False, positive=True)
    b = Building(
        name=str(d.get("name", "")),
        building_type=_enum(
            BuildingType, d.get("building_type", "residential"), f"{path}.building_type"
        ),
        storeys=int(_num(d, "storeys", path, positive=True)),
        A0=A0,
        V0=V0,
        F0=F0,
        stairwell_heated=bool(d.get("stairwell_heated", True)),
        elements=elements,
        N=N,
    )
    return validate_building(b, path)


# ---------------------------------------------------------------------------------------
# block shorthand


def orientation_of(azimuth_deg: float, data: EngineData) -> str:
    """Orientation class of a facade whose outward normal has ``azimuth_deg`` (clockwise from
    north). JGJ 26-2010 §2.1 (recalled): south = S ±30°, north = N ±60°, else east/west."""
    a = azimuth_deg % 360.0
    if abs(a - 180.0) <= data.p("orient_south_half_width"):
        return "S"
    if min(a, 360.0 - a) <= data.p("orient_north_half_width"):
        return "N"
    return "E" if a < 180.0 else "W"


def ground_floor_K(length: float, depth: float, data: EngineData) -> float:
    """Mean K of an uninsulated floor on ground by the zone method (地带法) [W/(m²·K)]:
    2 m strips from the perimeter inward with K from data/ground_zones.csv (``ground.py``)."""
    return K_of_zones(ground_zones(length, depth, data))


_FACADES = (
    ("front", 0.0, "length"),
    ("right", 90.0, "depth"),
    ("back", 180.0, "length"),
    ("left", 270.0, "depth"),
)


def expand_block(d: dict, path: str, data: EngineData) -> Building:
    """Derive a ``Building`` from the block shorthand (see module docstring and schema).

    H = storeys × storey_height; facade gross areas width × H; windows = wwr × gross (the
    stairwell strip of the back facade excluded); roof and floor L × D; A0 = L·D·storeys;
    V0 = L·D·H; F0 = Σ facades + roof. An unheated stairwell occupies ``count × width`` of the
    back facade: its walls, windows (``wwr``) and entrance doors face outdoors with 12 ℃ inside.
    """
    L = _num(d, "length", path, positive=True)
    D = _num(d, "depth", path, positive=True)
    n = int(_num(d, "storeys", path, positive=True))
    h = _num(d, "storey_height", path, positive=True)
    az = _num(d, "azimuth", path, required=False, default=180.0)
    H = n * h
    cons = d.get("constructions")
    if not isinstance(cons, dict):
        raise EngineInputError(f"{path}.constructions", "missing")
    cp = f"{path}.constructions"
    if "wall" not in cons:
        raise EngineInputError(f"{cp}.wall", "missing")
    K_wall = _construction_K(cons["wall"], f"{cp}.wall", Position.WALL, data)
    if "roof" not in cons:
        raise EngineInputError(f"{cp}.roof", "missing")
    K_roof = _construction_K(cons["roof"], f"{cp}.roof", Position.ROOF, data)
    if "window" not in cons:
        raise EngineInputError(f"{cp}.window", "missing")
    K_win, shgc = _window_K_shgc(cons["window"], f"{cp}.window", data)
    K_door = _door_K(cons.get("door", {"type": "steel_door_old"}), f"{cp}.door", data)
    floor = d.get("floor", "unheated_basement_with_windows")
    wwr = d.get("wwr", {})
    if not isinstance(wwr, dict):
        raise EngineInputError(f"{path}.wwr", "must be an object {front, right, back, left}")
    eps = d.get("epsilon") or {}
    stair = d.get("stairwell")
    stair_heated = True
    stair_w = 0.0
    if stair:
        sp = f"{path}.stairwell"
        stair_heated = bool(stair.get("heated", False))
        count = int(_num(stair, "count", sp, positive=True))
        stair_w = count * _num(stair, "width", sp, positive=True)
        stair_wwr = _num(stair, "wwr", sp, required=False, nonneg=True, default=0.10)
        door_area = _num(stair, "door_area", sp, required=False, nonneg=True, default=2.1)
    elements: list[Element] = []
    F0 = 0.0
    for name, rot, dim in _FACADES:
        width = L if dim == "length" else D
        o = orientation_of(az + rot, data)
        gross = width * H
        F0 += gross
        r = _num(wwr, name, f"{path}.wwr", required=False, nonneg=True, default=0.0)
        if r >= 1.0:
            raise EngineInputError(
                f"{path}.wwr.{name}",
                f"window-to-wall ratio {r:g} ≥ 1: a window larger than its wall",
            )
        e_o = eps.get(o) if isinstance(eps, dict) else None
        main = gross
        if name == "back" and stair_w > 0:
            if stair_w >= width:
                raise EngineInputError(
                    f"{path}.stairwell.width", "stairwells wider than the back facade"
                )
            s_gross = stair_w * H
            main = gross - s_gross
            s_faces = Faces.OUTDOOR if stair_heated else Faces.UNHEATED_STAIRWELL
            s_win = stair_wwr * s_gross
            s_door = count * door_area
            if s_win + s_door >= s_gross:
                raise EngineInputError(
                    f"{path}.stairwell.wwr", "stairwell windows and doors larger than its wall"
                )
            elements.append(
                Element(
                    "stair-wall",
                    ElementKind.WALL,
                    s_gross,
                    K_wall,
                    o,
                    s_faces,
                    e_o,
                    label="楼梯间外墙",
                )
            )
            if s_win > 0:
                elements.append(
                    Element(
                        "stair-win",
                        ElementKind.WINDOW,
                        s_win,
                        K_win,
                        o,
                        s_faces,
                        shgc=shgc,
                        host="stair-wall",
                        label="楼梯间外窗",
                    )
                )
            if s_door > 0:
                elements.append(
                    Element(
                        "stair-door",
                        ElementKind.DOOR,
                        s_door,
                        K_door,
                        o,
                        s_faces,
                        host="stair-wall",
                        label="单元门",
                    )
                )
        wid = f"wall-{name}"
        elements.append(
            Element(wid, ElementKind.WALL, main, K_wall, o, Faces.OUTDOOR, e_o, label=f"{name}外墙")
        )
        if r > 0:
            elements.append(
                Element(
                    f"win-{name}",
                    ElementKind.WINDOW,
                    r * main,
                    K_win,
                    o,
                    Faces.OUTDOOR,
                    shgc=shgc,
                    host=wid,
                    label=f"{name}外窗",
                )
            )
    roof_area = L * D
    F0 += roof_area
    elements.append(
        Element(
            "roof",
            ElementKind.ROOF,
            roof_area,
            K_roof,
            "H",
            Faces.OUTDOOR,
            eps.get("H") if isinstance(eps, dict) else None,
        )
    )
    basement = "unheated_basement_with_windows"
    if floor == "ground":
        spec = cons.get("floor")
        if spec is not None and not (isinstance(spec, dict) and ("K" in spec or "layers" in spec)):
            raise EngineInputError(f"{cp}.floor", "construction needs K or layers")
        K_fl, zones = _ground_floor(spec, L, D, f"{cp}.floor", data)
        elements.append(
            Element(
                "floor",
                ElementKind.FLOOR,
                roof_area,
                K_fl,
                "H",
                Faces.GROUND,
                label="地面",
                ground=zones,
            )
        )
    elif floor in (
        "unheated_basement_with_windows",
        "unheated_basement_no_windows_above_grade",
        "unheated_basement_below_grade",
    ):
        basement = floor
        pos = (
            Position.BASEMENT_CEILING_WITH_WINDOWS
            if floor == "unheated_basement_with_windows"
            else Position.BASEMENT_CEILING_NO_WINDOWS
        )
        if "floor" not in cons:
            raise EngineInputError(f"{cp}.floor", "missing (basement-ceiling construction)")
        K_fl = _construction_K(cons["floor"], f"{cp}.floor", pos, data)
        elements.append(
            Element(
                "floor",
                ElementKind.FLOOR,
                roof_area,
                K_fl,
                "H",
                Faces.UNHEATED_BASEMENT,
                b=data.temperature_factor(floor, f"{path}.floor"),
                label="地下室顶板",
            )
        )
    else:
        raise EngineInputError(
            f"{path}.floor",
            f"{floor!r} is not one of ground, unheated_basement_with_windows, "
            "unheated_basement_no_windows_above_grade, unheated_basement_below_grade",
        )
    b = Building(
        name=str(d.get("name", "")),
        building_type=_enum(
            BuildingType, d.get("building_type", "residential"), f"{path}.building_type"
        ),
        storeys=n,
        A0=L * D * n,
        V0=L * D * H,
        F0=F0,
        stairwell_heated=stair_heated,
        elements=tuple(elements),
        N=_num(d, "air_changes", path, required=False, positive=True),
        basement=basement,
    )
    return validate_building(b, path)


def parse_building(d: Any, path: str, data: EngineData) -> Building:
    """A building in either format (``"format": "detailed" | "block"``)."""
    if not isinstance(d, dict):
        raise EngineInputError(path, "building must be an object")
    fmt = d.get("format", "detailed")
    if fmt == "block":
        return expand_block(d, path, data)
    if fmt == "detailed":
        return parse_detailed(d, path, data)
    raise EngineInputError(f"{path}.format", f"{fmt!r} is not 'detailed' or 'block'")


def orientation_label_zh(o: str) -> str:
    return _ORIENT_ZH.get(o, o)
