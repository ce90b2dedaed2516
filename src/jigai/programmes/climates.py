"""Which climate each county's buildings are assessed in (programme data).

A programme year names a default climate — ``climate_city``, a row of the engine's city
table — and, in ``county_climates``, a climate per county-level unit
{division code: reference}. Counties without an entry use the default. A reference
(``jigai.engine.climate``: ``city_ref``, ``normals_ref``, ``resolve``) is

- ``city:<key>``: a row of the engine's city table (``data/climate.csv``,
  ``jigai.engine.climate_for_city``), e.g. ``city:yangquan``;
- ``normals:<station>``: the engine's estimate from a station's 1991–2020 monthly
  normals (``data/climate_normals.csv``, ``jigai.engine.climate_from_normals_station``),
  e.g. ``normals:yuxian`` — 盂县 is colder than the city row (Z 135 d, t_e −1.6 ℃
  against 122 d and −0.2 ℃), so its buildings are judged in their own climate.

Every assessment stores the climate it used (with its provenance), and the inputs digest
covers it, so changing a county's climate makes that county's stored results stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from jigai.engine import Climate, EngineInputError
from jigai.engine.climate import (
    CITY,
    NORMALS,
    city_ref,
    climate_for_city,
    climate_from_normals_station,
    is_known,
    list_cities,
    normals_stations,
    resolve,
)


def choices() -> list[tuple[str, str]]:
    """(reference, label) of every climate a county may use: city rows, then normals."""
    out = [
        (f"{CITY}:{c.extra['city']}", f"{c.name} · {c.provenance.kind.label_zh}")
        for c in list_cities()
    ]
    for key in normals_stations():
        c = climate_from_normals_station(key)
        out.append((f"{NORMALS}:{key}", f"{c.name} · {c.provenance.kind.label_zh}"))
    return out


def city_name(city: str) -> str:
    """The Chinese name of a city row given by key or name ("yangquan" → "阳泉"), as
    ``climate_city`` stores it."""
    return climate_for_city(str(city)).name.partition(" (")[0]


def city_choices() -> list[tuple[str, str]]:
    """(Chinese city name, label) of the city rows, for ``climate_city``."""
    return [
        (c.name.partition(" (")[0], f"{c.name} · {c.provenance.kind.label_zh}")
        for c in list_cities()
    ]


def ref_for(programme, division_code: str) -> str:
    """The reference a county of the programme uses (its own entry, else the default)."""
    return (programme.county_climates or {}).get(division_code) or city_ref(programme.climate_city)


class CountyClimates:
    """The climates of one programme year, resolved once per reference (for a run)."""

    def __init__(self, programme):
        self.programme = programme
        self._by_ref: dict[str, Climate] = {}

    def ref(self, division_code: str) -> str:
        return ref_for(self.programme, division_code)

    def __call__(self, division_code: str) -> Climate:
        ref = self.ref(division_code)
        if ref not in self._by_ref:
            self._by_ref[ref] = resolve(ref)
        return self._by_ref[ref]

    def names(self) -> list[str]:
        """The climates used so far, by name."""
        return [c.name for c in self._by_ref.values()]


def climate_for_building(programme, building) -> Climate:
    """The climate a building is assessed in: that of its county in the programme year."""
    return resolve(ref_for(programme, building.division.code))


def problems(city, mapping) -> list[str]:
    """What is wrong with a mapping {division code: reference} for the city's counties
    (an empty list when nothing is)."""
    from jigai.accounts.models import Division

    if not isinstance(mapping, dict):
        return [_("county climates: not a mapping of county to climate")]
    counties = dict(Division.objects.filter(parent=city).values_list("code", "name"))
    errors = []
    for code, ref in mapping.items():
        if code not in counties:
            errors.append(
                _("county climates: “%(c)s” is not a county/district of %(city)s")
                % {"c": code, "city": city}
            )
        elif not is_known(ref):
            errors.append(
                _("county climates, %(c)s: no climate “%(r)s” in the engine's tables")
                % {"c": counties[code], "r": ref}
            )
    return errors


@dataclass(frozen=True)
class CountyClimateRow:
    """One line of the programme page: a county, its climate and where the numbers come from."""

    division: object
    ref: str
    is_default: bool
    climate: Climate | None

    @property
    def provenance(self) -> dict:
        return self.climate.provenance.to_dict() if self.climate else {}


def table(programme) -> list[CountyClimateRow]:
    """Every county of the programme's city with the climate its buildings are assessed in."""
    from jigai.accounts.models import Division

    own = programme.county_climates or {}
    rows = []
    for division in Division.objects.filter(parent=programme.city):
        ref = ref_for(programme, division.code)
        try:
            climate = resolve(ref)
        except EngineInputError:
            climate = None
        rows.append(CountyClimateRow(division, ref, division.code not in own, climate))
    return rows
