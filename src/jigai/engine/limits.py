"""Advisory check of retrofitted elements against JGJ 26-2018 limits (data table).

The limits of ``data/limits_jgj26_2018.csv`` are for new buildings; for a retrofit they are
advisory only (ENERGY_METHOD.md §4): the pass/fail of a retrofit is η ≥ threshold. Rows carry
source and confidence (currently ``recalled—check``); GB 55015-2021 prevails where it differs.
"""

from __future__ import annotations

from functools import cache

from .building import Building, Element, ElementKind, Faces
from .tables import as_float, load_table


@cache
def _limit_rows() -> tuple[tuple[str, dict[str, str], frozenset[str], tuple[float, ...]], ...]:
    """The limit table, read and parsed once per process: (key, row, zones, (storeys_min,
    storeys_max, wwr_min, wwr_max, K_max)) per row, in file order."""
    table = load_table(
        "limits_jgj26_2018.csv",
        key="key",
        required=("zones", "element", "storeys_min", "storeys_max", "wwr_min", "wwr_max", "K_max"),
    )
    cols = ("storeys_min", "storeys_max", "wwr_min", "wwr_max", "K_max")
    return tuple(
        (k, r, frozenset(r["zones"].split("|")), tuple(as_float(r, c, k) for c in cols))
        for k, r in table.items()
    )


def limit_class(b: Building, e: Element) -> str | None:
    """The limit-table element class of an element (None when no limit applies)."""
    if e.kind is ElementKind.WALL:
        return "wall"
    if e.kind is ElementKind.ROOF:
        return "roof"
    if e.kind is ElementKind.WINDOW:
        return "skylight" if e.orientation == "H" else "window"
    if e.kind is ElementKind.DOOR:
        return "door"
    if e.kind is ElementKind.FLOOR:
        if e.faces is Faces.UNHEATED_BASEMENT:
            return "basement_ceiling"
        if e.faces is Faces.OUTDOOR:
            return "floor_over_outdoor"
    return None


def find_limit(zone: str, element: str, storeys: int, wwr: float = 0.0) -> dict | None:
    """Row of the limit table for a zone, element class, storey count and WWR (or None)."""
    for k, r, zones, (s_min, s_max, lo, hi, _) in _limit_rows():
        if zone not in zones or r["element"] != element:
            continue
        if not s_min <= storeys <= s_max:
            continue
        if element == "window" and not (lo < wwr <= hi or (lo == 0 and wwr == 0)):
            continue
        return {**r, "key": k}
    return None


def check_limits(before: Building, after: Building, zone: str) -> list[dict]:
    """Advisory check: every element whose K changed (all elements when ids differ) against
    its JGJ 26-2018 limit, plus the shape factor. Each row: id, class, K, K_max, ok, source,
    confidence; ``K_max`` None when the table has no limit for the zone."""
    old = {e.id: e for e in before.elements}
    out = []
    for e in after.elements:
        prev = old.get(e.id)
        if prev is not None and prev.K == e.K:
            continue
        cls = limit_class(after, e)
        if cls is None:
            continue
        wwr = after.window_wall_ratio(e.orientation) if cls == "window" else 0.0
        row = find_limit(zone, cls, after.storeys, wwr)
        out.append(
            {
                "id": e.id,
                "class": cls,
                "K": e.K,
                "K_max": float(row["K_max"]) if row else None,
                "ok": (float(row["K_max"]) + 1e-12 >= e.K) if row else None,
                "wwr": wwr if cls == "window" else None,
                "source": row["source"]
                if row
                else f"no JGJ 26-2018 limit in the table for zone {zone}",
                "confidence": row["confidence"] if row else None,
            }
        )
    row = find_limit(zone, "shape_factor", after.storeys)
    out.append(
        {
            "id": "shape_factor",
            "class": "shape_factor",
            "K": after.shape_factor,
            "K_max": float(row["K_max"]) if row else None,
            "ok": (after.shape_factor <= float(row["K_max"]) + 1e-12) if row else None,
            "wwr": None,
            "source": row["source"] if row else f"no limit in the table for zone {zone}",
            "confidence": row["confidence"] if row else None,
        }
    )
    return out
