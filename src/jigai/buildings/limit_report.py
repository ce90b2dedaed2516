"""The building page's list of retrofitted elements that exceed their limit.

Reads the advisory limit check stored with an assessment (``Assessment.after["limits"]``,
written by ``assessment.limit_check``) and names each element in the user's language. The
check is advisory for a retrofit (ENERGY_METHOD.md §4): the verdict is η ≥ threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ELEMENT_CLASS = {
    "wall": _("External wall"),
    "roof": _("Roof"),
    "window": _("External window"),
    "skylight": _("Skylight"),
    "door": _("External door"),
    "basement_ceiling": _("Ceiling over an unheated basement"),
    "floor_over_outdoor": _("Floor over outdoor air"),
}
ORIENTATION = {
    "S": _("south"),
    "E": _("east"),
    "W": _("west"),
    "N": _("north"),
}


@dataclass(frozen=True)
class LimitReport:
    """``stored``: whether the assessment carries a limit check (older ones do not);
    ``exceeding``: the retrofitted elements whose K is above K_max, each with a label;
    ``checked``: how many retrofitted elements were checked; ``shape``: the shape-factor row."""

    stored: bool
    zone: str = ""
    exceeding: list[dict] = field(default_factory=list)
    checked: int = 0
    shape: dict | None = None


def element_label(row: dict) -> str:
    """ "外墙（南）" — the element class and the side it faces (none for horizontal ones)."""
    name = ELEMENT_CLASS.get(row.get("class"), row.get("class"))
    side = ORIENTATION.get(row.get("orientation") or "")
    if side is None or row.get("orientation") == "H":
        return str(name)
    return gettext("%(element)s (%(side)s)") % {"element": name, "side": side}


def limit_report(after: dict | None) -> LimitReport:
    """The report of a stored ``Assessment.after`` (None or without "limits": not stored)."""
    stored = (after or {}).get("limits")
    if not stored:
        return LimitReport(stored=False)
    rows = stored.get("rows") or []
    elements = [r for r in rows if r.get("class") != "shape_factor"]
    exceeding = [
        {**r, "label": element_label(r), "where": r.get("id")}
        for r in elements
        if r.get("ok") is False
    ]
    shape = next((r for r in rows if r.get("class") == "shape_factor"), None)
    return LimitReport(
        stored=True,
        zone=stored.get("zone", ""),
        exceeding=exceeding,
        checked=len(elements),
        shape=shape,
    )
