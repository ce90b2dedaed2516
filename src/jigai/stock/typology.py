"""Typology defaults that fill the gaps of a survey row (marked as assumed)."""

from __future__ import annotations

from functools import cache

import yaml

from jigai.stock import DATA
from jigai.surveytable.schema import Use

FILLABLE = (
    "storey_height_m",
    "depth_m",
    "azimuth_deg",
    "wwr_front",
    "wwr_back",
    "wwr_sides",
    "wall_type",
    "roof_type",
    "window_type",
    "floor_type",
    "stairwell_heated",
    "heating",
)


@cache
def _table() -> dict:
    return yaml.safe_load((DATA / "typology_defaults.yaml").read_text(encoding="utf-8"))


def typology_of(use: str, year_built: int) -> str:
    """The typology code whose defaults apply to a building."""
    residential = Use(use).is_residential
    for code, row in _table()["typologies"].items():
        rule = row["applies"]
        if rule["residential"] == residential and year_built < rule["built_before"]:
            return code
    raise LookupError(f"no typology for use={use} year={year_built}")


def fill_gaps(row: dict) -> tuple[dict, list[str]]:
    """A copy of ``row`` with empty fillable columns taken from its typology, and
    the names of the columns so assumed."""
    defaults = _table()["typologies"][typology_of(row["use"], int(row["year_built"]))]["values"]
    filled, assumed = dict(row), []
    for name in FILLABLE:
        if filled.get(name) in (None, ""):
            filled[name] = defaults[name]
            assumed.append(name)
    return filled, assumed


def defaults_source() -> str:
    return _table()["source"]
