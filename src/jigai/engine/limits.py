"""Advisory check of retrofitted elements against the envelope limits in force.

``data/envelope_limits.csv`` holds, per zone, element class, storeys and window-to-wall ratio,
the K limit of GB 55015-2021 (mandatory since 1 April 2022; it prevails over JGJ 26-2018 where
they differ) for residential buildings, each row citing its standard, table and row with a
``source`` and an honest ``confidence``. For a retrofit the limits are advisory
(ENERGY_METHOD.md §4): the verdict is η ≥ threshold. The table is read once per process.

An element with a class but no row (a public building, a zone or window-to-wall ratio outside
the table, an entrance door, a floor on ground) is reported with ``K_max`` None and the reason
in ``source`` — never as meeting a limit.
"""

from __future__ import annotations

from functools import cache

from .building import Building, Element, ElementKind, Faces
from .tables import as_float, load_table

TABLE = "envelope_limits.csv"

# element classes that the standard does not limit by K (reported, never checked)
_NO_K_LIMIT = {
    "entrance_door": (
        "no K limit for an entrance door (单元外门): GB 55015-2021 Table 3.1.8 limits the "
        "户门 between heated and unheated space (class flat_door), which the engine does not model"
    ),
    "floor_on_ground": (
        "no K limit for a floor on ground: GB 55015-2021 Table 3.1.8 sets a minimum thermal "
        "resistance of the insulation of 周边地面, not checked here"
    ),
}


@cache
def _limit_rows() -> tuple[tuple[str, dict[str, str], frozenset[str], tuple[float, ...]], ...]:
    """The limit table, read and parsed once per process: (key, row, zones, (storeys_min,
    storeys_max, wwr_min, wwr_max, K_max)) per row, in file order."""
    table = load_table(
        TABLE,
        key="key",
        required=(
            "building_type",
            "zones",
            "element",
            "storeys_min",
            "storeys_max",
            "wwr_min",
            "wwr_max",
            "K_max",
            "standard",
            "table_row",
        ),
    )
    cols = ("storeys_min", "storeys_max", "wwr_min", "wwr_max", "K_max")
    return tuple(
        (k, r, frozenset(r["zones"].split("|")), tuple(as_float(r, c, k) for c in cols))
        for k, r in table.items()
    )


def limit_class(b: Building, e: Element) -> str | None:
    """The limit-table element class of an element, None for an element the table has no class
    for (enclosed-balcony partitions). Walls and windows of an unheated stairwell face outdoor
    air and are checked as external walls and windows; every door of the engine's model is an
    external door (``entrance_door``, no K limit); floors on ground are ``floor_on_ground``
    (no K limit)."""
    if e.kind is ElementKind.WALL:
        return "wall"
    if e.kind is ElementKind.ROOF:
        return "roof"
    if e.kind is ElementKind.WINDOW:
        return "skylight" if e.orientation == "H" else "window"
    if e.kind is ElementKind.DOOR:
        return "entrance_door"
    if e.kind is ElementKind.FLOOR:
        return {
            Faces.UNHEATED_BASEMENT: "basement_ceiling",
            Faces.OUTDOOR: "floor_over_outdoor",
            Faces.GROUND: "floor_on_ground",
        }.get(e.faces)
    return None


@cache
def _candidates(
    zone: str, element: str, building_type: str
) -> tuple[tuple[float, float, float, float, dict], ...]:
    """The rows of the limit table for a zone, element class and building type, in file
    order: (storeys_min, storeys_max, wwr_min, wwr_max, row with its key)."""
    return tuple(
        (s_min, s_max, lo, hi, {**r, "key": k})
        for k, r, zones, (s_min, s_max, lo, hi, _) in _limit_rows()
        if zone in zones and r["element"] == element and r["building_type"] == building_type
    )


def find_limit(
    zone: str, element: str, storeys: int, wwr: float = 0.0, *, building_type: str = "residential"
) -> dict | None:
    """Row of the limit table for a zone, element class, storey count and WWR (or None).

    Windows: the row with wwr_min < WWR ≤ wwr_max (WWR 0 takes the first row); a WWR above
    the table's (0.50) has no row. ``building_type`` residential (the only rows shipped) or
    public (no rows: None)."""
    for s_min, s_max, lo, hi, row in _candidates(zone, element, building_type):
        if not s_min <= storeys <= s_max:
            continue
        if element == "window" and not (lo < wwr <= hi or (lo == 0 and wwr == 0)):
            continue
        return dict(row)
    return None


def _no_row_reason(zone: str, cls: str, b: Building, wwr: float | None) -> str:
    if cls in _NO_K_LIMIT:
        return _NO_K_LIMIT[cls]
    bt = b.building_type.value
    if bt != "residential":
        return (
            "no limit in the table for public buildings (only GB 55015-2021 residential rows "
            "are entered)"
        )
    what = f"zone {zone}, {cls}, {b.storeys} storeys" + (f", WWR {wwr:.2f}" if wwr else "")
    return f"no limit in the table ({TABLE}) for {what}"


def _row(e_id: str, cls: str, value: float, row: dict | None, reason: str, wwr=None) -> dict:
    limit = float(row["K_max"]) if row else None
    return {
        "id": e_id,
        "class": cls,
        "K": value,
        "K_max": limit,
        "ok": (value <= limit + 1e-12) if limit is not None else None,
        "wwr": wwr,
        "standard": row["standard"] if row else None,
        "table_row": row["table_row"] if row else None,
        "source": row["source"] if row else reason,
        "confidence": row["confidence"] if row else None,
    }


def check_limits(before: Building, after: Building, zone: str) -> list[dict]:
    """Advisory check: every element whose K changed (all elements when ids differ) against
    its limit, plus the shape factor. Each row: id, class, K, K_max, ok, wwr, standard,
    table_row, source, confidence; ``K_max`` and ``ok`` None when no limit applies (the reason
    in ``source``)."""
    old = {e.id: e for e in before.elements}
    bt = after.building_type.value
    out = []
    for e in after.elements:
        prev = old.get(e.id)
        if prev is not None and prev.K == e.K:
            continue
        cls = limit_class(after, e)
        if cls is None:
            continue
        wwr = after.window_wall_ratio(e.orientation) if cls == "window" else None
        row = find_limit(zone, cls, after.storeys, wwr or 0.0, building_type=bt)
        reason = _no_row_reason(zone, cls, after, wwr) if row is None else ""
        out.append(_row(e.id, cls, e.K, row, reason, wwr))
    row = find_limit(zone, "shape_factor", after.storeys, building_type=bt)
    reason = _no_row_reason(zone, "shape_factor", after, None) if row is None else ""
    out.append(_row("shape_factor", "shape_factor", after.shape_factor, row, reason))
    return out
