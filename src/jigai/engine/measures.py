"""Retrofit measure catalogue: programme data (``data/measures.csv``), one row per product.

Every row has an id, a group (which element it acts on), its thermal definition (an added
insulation layer of a material of ``materials.csv`` with a thickness [m]; a window or door type
of ``windows.csv``; air changes after [1/h]), its combustion class (GB 8624-2012), fire
integrity [h] for windows and doors, a unit cost (integer fen, read exactly from yuan with at
most two decimals), an expected life [a], a ``source`` and a ``confidence``.

A programme or project file of the same columns overrides rows by id (new ids are added; an
``enabled`` column with ``false`` drops a row). Bad rows raise ``CatalogueError`` naming the
file, line and column.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

from jigai.money import MoneyError, yuan_to_fen

from .errors import EngineInputError
from .params import EngineData, default_data
from .tables import CONFIDENCE_LEVELS


class CatalogueError(EngineInputError):
    """A bad catalogue row: ``field`` is ``file:line:column``."""


class CombustionClass(StrEnum):
    """Burning-performance class of building materials (GB 8624-2012 §4)."""

    A = "A"
    B1 = "B1"
    B2 = "B2"
    B3 = "B3"

    @property
    def label_zh(self) -> str:
        return {"A": "A级(不燃)", "B1": "B1级(难燃)", "B2": "B2级(可燃)", "B3": "B3级(易燃)"}[
            self.value
        ]

    @property
    def rank(self) -> int:
        """0 = A (best) … 3 = B3; "at least B1" means rank ≤ 1."""
        return ("A", "B1", "B2", "B3").index(self.value)

    @classmethod
    def parse(cls, text: str) -> CombustionClass:
        """``A``, ``A1``, ``A2`` (GB 8624 sub-classes of A), ``B1``, ``B2``, ``B3``."""
        t = text.strip().upper()
        if t in ("A1", "A2"):
            t = "A"
        return cls(t)


class MeasureGroup(StrEnum):
    WALL = "wall"
    ROOF = "roof"
    WINDOW = "window"
    BASEMENT_CEILING = "basement_ceiling"
    DOOR = "door"
    AIRTIGHTNESS = "airtightness"
    FIRE_BARRIER_FLOOR = "fire_barrier_floor"
    FIRE_BARRIER_ROOF_EDGE = "fire_barrier_roof_edge"

    @property
    def label_zh(self) -> str:
        return {
            "wall": "外墙保温",
            "roof": "屋面保温",
            "window": "外窗更换",
            "basement_ceiling": "地下室顶板保温",
            "door": "单元门更换",
            "airtightness": "气密性处理",
            "fire_barrier_floor": "每层防火隔离带",
            "fire_barrier_roof_edge": "屋面与外墙交接处防火隔离带",
        }[self.value]


class CostUnit(StrEnum):
    M2 = "m2"  # per m² of the element acted on
    M2_FLOOR = "m2_floor"  # per m² of floor area A0
    EACH = "each"  # per piece: ceil(element area / unit_area_m2)
    M = "m"  # per metre of band

    @property
    def label_zh(self) -> str:
        return {
            "m2": "元/m²(构件面积)",
            "m2_floor": "元/m²(建筑面积)",
            "each": "元/樘",
            "m": "元/m",
        }[self.value]


# groups a package chooses from (one row or none each), in enumeration order
PACKAGE_GROUPS = (
    MeasureGroup.WALL,
    MeasureGroup.WINDOW,
    MeasureGroup.DOOR,
    MeasureGroup.ROOF,
    MeasureGroup.BASEMENT_CEILING,
    MeasureGroup.AIRTIGHTNESS,
)
_INSULATION = (MeasureGroup.WALL, MeasureGroup.ROOF, MeasureGroup.BASEMENT_CEILING)
_OPENINGS = (MeasureGroup.WINDOW, MeasureGroup.DOOR)
_BANDS = (MeasureGroup.FIRE_BARRIER_FLOOR, MeasureGroup.FIRE_BARRIER_ROOF_EDGE)
REQUIRED_COLUMNS = (
    "id",
    "group",
    "name_zh",
    "combustion_class",
    "unit",
    "life_years",
    "source",
    "confidence",
)


@dataclass(frozen=True)
class Measure:
    """One catalogue row. ``cost_fen`` is per ``unit`` [fen]; thickness [m]; λ [W/(m·K)]."""

    id: str
    group: MeasureGroup
    name_zh: str
    cost_fen: int
    unit: CostUnit
    life_years: int
    source: str
    confidence: str
    combustion_class: CombustionClass | None = None
    material: str = ""
    thickness_m: float = 0.0
    lambda_: float = 0.0
    alpha: float = 1.0
    delta_K: float = 0.0
    window: str = ""
    K: float = 0.0
    shgc: float = 0.0
    fire_integrity_h: float = 0.0
    N_after: float | None = None
    unit_area_m2: float = 0.0

    @property
    def has_index_effect(self) -> bool:
        """False for air-tightness work without ``N_after`` (no credit in JGJ 26)."""
        return not (self.group is MeasureGroup.AIRTIGHTNESS and self.N_after is None)

    def engine_measure(self) -> dict:
        """The engine's measure (``retrofit.apply_measures``) this row stands for."""
        g = self.group
        if g in _INSULATION:
            elements = {"wall": "walls", "roof": "roof", "basement_ceiling": "basement_ceiling"}
            return {
                "measure": "add_insulation",
                "elements": elements[g.value],
                "material": self.material,
                "thickness": self.thickness_m,
                "delta_K": self.delta_K,
            }
        if g is MeasureGroup.WINDOW:
            return {"measure": "replace_windows", "window": self.window}
        if g is MeasureGroup.DOOR:
            return {"measure": "replace_doors", "door": self.window}
        if g is MeasureGroup.AIRTIGHTNESS and self.N_after is not None:
            return {"measure": "set_air_changes", "N": self.N_after}
        raise ValueError(f"{self.id}: no engine measure for group {g.value}")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "group": self.group.value,
            "name_zh": self.name_zh,
            "cost_fen": self.cost_fen,
            "unit": self.unit.value,
            "combustion_class": self.combustion_class.value if self.combustion_class else "",
            "fire_integrity_h": self.fire_integrity_h,
            "life_years": self.life_years,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Catalogue:
    """The measures of a programme year, with where they came from.

    ``options(group)`` lists the rows a package may choose from (rows without an index effect
    are listed in ``not_enumerated`` instead); ``band(group)`` the fire-barrier row.
    """

    measures: tuple[Measure, ...]
    origin: str
    digest: str

    def by_id(self, mid: str) -> Measure:
        for m in self.measures:
            if m.id == mid:
                return m
        raise KeyError(mid)

    def options(self, group: MeasureGroup) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.group is group and m.has_index_effect)

    @property
    def not_enumerated(self) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if not m.has_index_effect)

    def band(self, group: MeasureGroup) -> Measure:
        rows = [m for m in self.measures if m.group is group]
        return rows[0]

    @property
    def n_packages(self) -> int:
        return math.prod(len(self.options(g)) + 1 for g in PACKAGE_GROUPS)

    def provenance(self) -> dict:
        return {"origin": self.origin, "sha256": self.digest, "rows": len(self.measures)}


def _read_rows(path_or_text: str | Path, origin: str) -> list[tuple[int, dict[str, str]]]:
    text = (
        Path(path_or_text).read_text(encoding="utf-8-sig")
        if isinstance(path_or_text, Path)
        else path_or_text
    )
    numbered = [
        (i, ln)
        for i, ln in enumerate(text.splitlines(), start=1)
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not numbered:
        raise CatalogueError(origin, "empty catalogue")
    reader = csv.reader([ln for _, ln in numbered])
    header = [h.strip() for h in next(reader)]
    money = [c for c in ("cost_yuan", "cost_fen") if c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not money:
        missing.append("cost_yuan (or cost_fen)")
    if missing:
        raise CatalogueError(
            f"{origin}:{numbered[0][0]}", f"missing column(s) {', '.join(missing)}"
        )
    rows = []
    for (line, _), values in zip(numbered[1:], reader, strict=True):
        if len(values) != len(header):
            raise CatalogueError(
                f"{origin}:{line}", f"{len(values)} values for {len(header)} columns"
            )
        rows.append((line, dict(zip(header, (v.strip() for v in values), strict=True))))
    return rows


def _num(r: dict, col: str, where: str, *, default: float | None = 0.0, minimum=None):
    v = r.get(col, "")
    if v == "":
        return default
    try:
        x = float(v)
    except ValueError:
        raise CatalogueError(f"{where}:{col}", f"{v!r} is not a number") from None
    if not math.isfinite(x) or (minimum is not None and x < minimum):
        raise CatalogueError(f"{where}:{col}", f"{v!r} must be ≥ {minimum}")
    return x


def _parse_row(line: int, r: dict[str, str], origin: str, data: EngineData) -> Measure:
    where = f"{origin}:{line}"
    mid = r["id"]
    if not mid:
        raise CatalogueError(f"{where}:id", "empty id")
    where = f"{origin}:{line} ({mid})"
    try:
        group = MeasureGroup(r["group"])
    except ValueError:
        allowed = ", ".join(g.value for g in MeasureGroup)
        raise CatalogueError(f"{where}:group", f"{r['group']!r} is not one of {allowed}") from None
    try:
        unit = CostUnit(r["unit"])
    except ValueError:
        allowed = ", ".join(u.value for u in CostUnit)
        raise CatalogueError(f"{where}:unit", f"{r['unit']!r} is not one of {allowed}") from None
    if r.get("cost_fen", "") != "":
        try:
            cost = int(r["cost_fen"])
        except ValueError:
            raise CatalogueError(
                f"{where}:cost_fen", f"{r['cost_fen']!r} is not whole fen"
            ) from None
        col = "cost_fen"
    else:
        col = "cost_yuan"
        try:
            cost = yuan_to_fen(r.get("cost_yuan", ""))
        except MoneyError as exc:
            raise CatalogueError(f"{where}:cost_yuan", str(exc)) from None
    if cost < 0:
        raise CatalogueError(f"{where}:{col}", f"negative cost {r[col]}")
    cc = None
    if r["combustion_class"]:
        try:
            cc = CombustionClass.parse(r["combustion_class"])
        except ValueError:
            raise CatalogueError(
                f"{where}:combustion_class",
                f"unknown class {r['combustion_class']!r} (GB 8624: A, A1, A2, B1, B2, B3)",
            ) from None
    if r["confidence"] not in CONFIDENCE_LEVELS:
        raise CatalogueError(
            f"{where}:confidence",
            f"{r['confidence']!r} is not one of {', '.join(CONFIDENCE_LEVELS)}",
        )
    if not r["source"]:
        raise CatalogueError(f"{where}:source", "empty source")
    life = _num(r, "life_years", where, default=None, minimum=1)
    if life is None:
        raise CatalogueError(f"{where}:life_years", "missing")
    kw: dict = {}
    if (group in _INSULATION or group in _BANDS) and cc is None:
        raise CatalogueError(f"{where}:combustion_class", "insulation needs a class")
    if group in _INSULATION:
        try:
            mat = data.material(r.get("material", ""), "material")
        except EngineInputError as exc:
            raise CatalogueError(f"{where}:material", exc.message) from None
        d = _num(r, "thickness_m", where, default=None, minimum=0)
        if not d or d <= 0:
            raise CatalogueError(f"{where}:thickness_m", "thickness must be > 0 m")
        kw.update(
            material=mat.key,
            thickness_m=d,
            lambda_=mat.lambda_,
            alpha=mat.alpha,
            delta_K=_num(r, "delta_K", where, minimum=0),
        )
    if group in _OPENINGS:
        try:
            w = data.window(r.get("window", ""), "window")
        except EngineInputError as exc:
            raise CatalogueError(f"{where}:window", exc.message) from None
        kw.update(
            window=w.key,
            K=w.K,
            shgc=w.shgc,
            fire_integrity_h=_num(r, "fire_integrity_h", where, minimum=0),
        )
    if group is MeasureGroup.AIRTIGHTNESS:
        n_after = _num(r, "N_after", where, default=None, minimum=0)
        if n_after is not None and n_after <= 0:
            raise CatalogueError(f"{where}:N_after", "must be > 0 h⁻¹")
        kw["N_after"] = n_after
    if unit is CostUnit.EACH:
        ua = _num(r, "unit_area_m2", where, default=None, minimum=0)
        if not ua:
            raise CatalogueError(f"{where}:unit_area_m2", "a cost per piece needs the piece's area")
        kw["unit_area_m2"] = ua
    if group in _BANDS and unit is not CostUnit.M:
        raise CatalogueError(f"{where}:unit", "a fire-barrier band is costed per metre (m)")
    if group not in _BANDS and unit is CostUnit.M:
        raise CatalogueError(f"{where}:unit", "only fire-barrier bands are costed per metre")
    return Measure(
        id=mid,
        group=group,
        name_zh=r["name_zh"],
        cost_fen=cost,
        unit=unit,
        life_years=int(life),
        source=r["source"],
        confidence=r["confidence"],
        combustion_class=cc,
        **kw,
    )


def _default_text() -> str:
    return resources.files("jigai.engine").joinpath("data/measures.csv").read_text("utf-8")


def load_catalogue(
    path: str | Path | None = None,
    *,
    overrides: tuple[str | Path, ...] | list[str | Path] = (),
    data: EngineData | None = None,
) -> Catalogue:
    """Load the catalogue (shipped ``data/measures.csv`` or ``path``), then apply override
    files in order (rows replace by id; ``enabled`` = false drops a row)."""
    data = data or default_data()
    sources = [(Path(path), str(path)) if path else (_default_text(), "measures.csv")]
    sources += [(Path(p), str(p)) for p in overrides]
    by_id: dict[str, Measure] = {}
    digest = hashlib.sha256()
    for src, origin in sources:
        if isinstance(src, Path) and not src.is_file():
            raise CatalogueError(origin, "no such file")
        for line, r in _read_rows(src, origin):
            digest.update(repr(sorted(r.items())).encode())
            if r.get("enabled", "").lower() in ("false", "0", "no", "否"):
                by_id.pop(r["id"], None)
                continue
            m = _parse_row(line, r, origin, data)
            if m.id in by_id and src is sources[0][0]:
                raise CatalogueError(f"{origin}:{line}:id", f"duplicate id {m.id!r}")
            by_id[m.id] = m
    measures = tuple(by_id.values())
    origin = " + ".join(o for _, o in sources)
    for g in _BANDS:
        n = sum(m.group is g for m in measures)
        if n != 1:
            raise CatalogueError(origin, f"need exactly one {g.value} row, found {n}")
    return Catalogue(measures, origin, digest.hexdigest()[:16])


_DEFAULT: list[Catalogue] = []


def default_catalogue() -> Catalogue:
    """The shipped catalogue (cached)."""
    if not _DEFAULT:
        _DEFAULT.append(load_catalogue())
    return _DEFAULT[0]
