"""Climate for the JGJ 26 index: table rows, zone classification, estimates from normals.

A ``Climate`` carries everything the index needs — t_e [℃], Z [d], mean irradiance over the
heating period on the horizontal and on S/E/W/N vertical faces [W/m²], HDD18/CDD26 [K·d] and
the zone — plus its ``ClimateProvenance``: official / recalled / derived from an EPW file /
estimated from monthly normals / estimated, with source text and confidence. Every result
that uses a climate carries this provenance.

Three ways to obtain a climate (ENERGY_METHOD.md §2):

1. ``climate_for_city("阳泉")`` — a row of ``data/climate.csv``;
2. ``jigai.engine.epw.climate_from_epw(path)`` — derived from hourly weather data;
3. ``climate_from_normals(...)`` — estimated from monthly normals (documented below).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np

from .errors import ClimateNotFoundError, EngineInputError
from .params import EngineData, default_data
from .tables import as_float, load_table

ORIENTATIONS = ("H", "S", "E", "W", "N")


class ClimateKind(StrEnum):
    """Where a climate's numbers come from."""

    OFFICIAL = "official"
    RECALLED = "recalled"
    DERIVED_EPW = "derived_epw"
    ESTIMATED_NORMALS = "estimated_normals"
    ESTIMATED = "estimated"

    @property
    def label_zh(self) -> str:
        return {
            "official": "标准附录值(已核对)",
            "recalled": "标准附录值(凭记忆,待核)",
            "derived_epw": "由EPW逐时气象数据推导",
            "estimated_normals": "由月平均气候值估算",
            "estimated": "工程估计值(待核)",
        }[self.value]


@dataclass(frozen=True)
class ClimateProvenance:
    """Provenance of a climate: kind, source text and confidence (see tables.py)."""

    kind: ClimateKind
    source: str
    confidence: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "kind": self.kind.value,
            "kind_zh": self.kind.label_zh,
            "source": self.source,
            "confidence": self.confidence,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Climate:
    """Heating-period climate of one place.

    t_e [℃] mean outdoor temperature over the heating period; Z [d] heating-period days;
    I_H, I_S, I_E, I_W, I_N [W/m²] mean irradiance over the heating period (24 h mean) on
    the horizontal and vertical south/east/west/north faces; HDD18, CDD26 [K·d].
    """

    name: str
    zone: str
    HDD18: float
    CDD26: float
    Z: float
    t_e: float
    I_H: float
    I_S: float
    I_E: float
    I_W: float
    I_N: float
    provenance: ClimateProvenance
    latitude: float | None = None
    longitude: float | None = None
    elevation_m: float | None = None
    heating_period: tuple[str, str] | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def I(self, orientation: str) -> float:  # noqa: E743 - the standard's symbol
        """Mean irradiance on a face of ``orientation`` (H/S/E/W/N) [W/m²]."""
        return float(getattr(self, f"I_{orientation}"))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["provenance"] = self.provenance.to_dict()
        d["zone_zh"] = zone_label_zh(self.zone)
        d["heating_period"] = list(self.heating_period) if self.heating_period else None
        return d


_ZONE_ZH = {"1A": "严寒A区", "1B": "严寒B区", "1C": "严寒C区", "2A": "寒冷A区", "2B": "寒冷B区"}


def zone_label_zh(zone: str) -> str:
    return _ZONE_ZH.get(zone, "非严寒寒冷地区(不适用JGJ 26)")


def climate_zone(HDD18: float, CDD26: float) -> str:
    """Climate zone from HDD18 and CDD26 (JGJ 26-2018 Table 3.0.1; data/zones.csv).

    Returns "1A", "1B", "1C", "2A", "2B", or "outside" when HDD18 < 2000.
    HDD18 bounds are [min, max); the CDD26 bound of 2A is ≤ 90.
    """
    zones = load_table(
        "zones.csv", key="zone", required=("HDD18_min", "HDD18_max", "CDD26_min", "CDD26_max")
    )
    for z, r in zones.items():
        if as_float(r, "HDD18_min", z) <= HDD18 < as_float(r, "HDD18_max", z) and as_float(
            r, "CDD26_min", z
        ) < CDD26 <= as_float(r, "CDD26_max", z):
            return z
    return "outside"


def _city_rows(override: str | Path | None = None) -> dict[str, dict[str, str]]:
    return load_table(
        "climate.csv",
        key="city",
        required=(
            "city_zh",
            "station",
            "latitude",
            "longitude",
            "elevation_m",
            "kind",
            "zone",
            "HDD18",
            "CDD26",
            "Z_days",
            "t_e",
            *(f"I_{o}" for o in ORIENTATIONS),
        ),
        override=override,
    )


def list_cities(override: str | Path | None = None) -> list[Climate]:
    """All climates of data/climate.csv (with any project override)."""
    return [_row_to_climate(k, r) for k, r in _city_rows(override).items()]


def _row_to_climate(key: str, r: dict[str, str]) -> Climate:
    o = f"climate.{key}"
    kind = ClimateKind(r["kind"])
    if kind is ClimateKind.OFFICIAL and r["confidence"] != "verified":
        raise EngineInputError(f"{o}.kind", "only verified rows may be marked official")
    return Climate(
        name=f"{r['city_zh']} ({r['station']})",
        zone=r["zone"],
        HDD18=as_float(r, "HDD18", o),
        CDD26=as_float(r, "CDD26", o),
        Z=as_float(r, "Z_days", o),
        t_e=as_float(r, "t_e", o),
        I_H=as_float(r, "I_H", o),
        I_S=as_float(r, "I_S", o),
        I_E=as_float(r, "I_E", o),
        I_W=as_float(r, "I_W", o),
        I_N=as_float(r, "I_N", o),
        provenance=ClimateProvenance(kind, r["source"], r["confidence"]),
        latitude=as_float(r, "latitude", o),
        longitude=as_float(r, "longitude", o),
        elevation_m=as_float(r, "elevation_m", o),
        extra={"city": key},
    )


def climate_for_city(city: str, *, override: str | Path | None = None) -> Climate:
    """Climate row for a city given by key (``yangquan``), Chinese name (``阳泉``/``阳泉市``)
    or station name. Raises ``ClimateNotFoundError`` naming the known cities."""
    rows = _city_rows(override)
    q = city.strip()
    q_norm = q.removesuffix("市").lower()
    for k, r in rows.items():
        if q_norm in (k, r["city_zh"], r["station"]):
            return _row_to_climate(k, r)
    known = ", ".join(f"{r['city_zh']}({k})" for k, r in rows.items())
    raise ClimateNotFoundError("climate.city", f"climate {city!r} not found; known: {known}")


# ---------------------------------------------------------------------------------------
# Daily series → heating period, t_e, HDD18, CDD26 (shared with the EPW derivation)


@dataclass(frozen=True)
class HeatingSeason:
    """Heating period found in a daily series (day indices into the series, inclusive)."""

    start: int
    end: int
    Z: int
    t_e: float
    HDD18: float
    CDD26: float


def heating_season(
    T_daily: np.ndarray, *, data: EngineData | None = None, wrap_start: int = 181
) -> HeatingSeason:
    """Heating period, t_e, HDD18 and CDD26 from one year of daily mean temperatures [℃].

    Definitions (ENERGY_METHOD.md §2; JGJ 26-2010 §2.1 and GB 50176-2016 §2.1):

    - HDD18 = Σ_days max(18 − T_d, 0), CDD26 = Σ_days max(T_d − 26, 0) [K·d];
    - heating period by the 5-day running-mean method (五日滑动平均法): the series is read
      from ``wrap_start`` (1 July for day-of-year series) so that the winter is contiguous;
      the first 5-day window whose mean is ≤ 5 ℃ opens the period at its first day with
      T_d ≤ 5 ℃, the last such window closes it at its last day with T_d ≤ 5 ℃;
    - Z = number of days in the period, t_e = mean of T_d over it.

    Returned ``start``/``end`` are indices into ``T_daily`` (``end`` may be < ``start`` when
    the period spans the new year).
    """
    data = data or default_data()
    T = np.asarray(T_daily, dtype=float)
    n = T.size
    if n < 10 or not np.all(np.isfinite(T)):
        raise EngineInputError("T_daily", "need at least 10 finite daily temperatures")
    thr = data.p("heating_threshold")
    w = int(data.p("running_mean_days"))
    HDD = float(np.sum(np.maximum(data.p("HDD_base") - T, 0.0)))
    CDD = float(np.sum(np.maximum(T - data.p("CDD_base"), 0.0)))
    ws = wrap_start % n
    R = np.roll(T, -ws)
    m = np.convolve(R, np.ones(w) / w, mode="valid")  # m[d] = mean(R[d:d+w])
    idx = np.nonzero(m <= thr + 1e-12)[0]
    if idx.size == 0:
        return HeatingSeason(-1, -1, 0, math.nan, HDD, CDD)
    first, last = int(idx[0]), int(idx[-1])
    s_win = R[first : first + w]
    e_win = R[last : last + w]
    s = first + int(np.nonzero(s_win <= thr + 1e-12)[0][0])
    e = last + int(np.nonzero(e_win <= thr + 1e-12)[0][-1])
    Z = e - s + 1
    t_e = float(np.mean(R[s : e + 1]))
    return HeatingSeason((s + ws) % n, (e + ws) % n, Z, t_e, HDD, CDD)


# ---------------------------------------------------------------------------------------
# Monthly normals → daily series (mean-preserving interpolation)

_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _interp_cyclic(knots: np.ndarray) -> np.ndarray:
    ends = np.cumsum(_MONTH_DAYS)
    starts = ends - _MONTH_DAYS
    mids = starts + _MONTH_DAYS / 2.0  # day-of-year position of each month's middle
    x = np.arange(365) + 0.5
    xp = np.concatenate([mids - 365, mids, mids + 365])
    fp = np.concatenate([knots, knots, knots])
    return np.interp(x, xp, fp)


def daily_from_monthly(monthly_means) -> np.ndarray:
    """365 daily means from 12 monthly means, by mean-preserving cyclic linear interpolation.

    Daily values are piecewise linear between knots at mid-month; the 12 knot values are
    solved (12×12 linear system) so that each month's mean of the daily values equals the
    given monthly mean exactly. (Plain interpolation through the monthly means would raise the
    coldest month's mean and shorten the heating period.)
    """
    M = np.asarray(monthly_means, dtype=float)
    if M.shape != (12,) or not np.all(np.isfinite(M)):
        raise EngineInputError("normals", "need 12 finite monthly means (Jan→Dec)")
    month_of_day = np.repeat(np.arange(12), _MONTH_DAYS)
    A = np.empty((12, 12))
    for k in range(12):
        e = np.zeros(12)
        e[k] = 1.0
        daily = _interp_cyclic(e)
        A[:, k] = np.bincount(month_of_day, weights=daily, minlength=12) / _MONTH_DAYS
    knots = np.linalg.solve(A, M)
    return _interp_cyclic(knots)


def _doy_to_date(doy0: int) -> str:
    ends = np.cumsum(_MONTH_DAYS)
    m = int(np.searchsorted(ends, doy0, side="right"))
    day = doy0 - (ends[m - 1] if m else 0) + 1
    return f"{m + 1:02d}-{int(day):02d}"


def normals_stations() -> dict[str, dict[str, str]]:
    """Rows of data/climate_normals.csv keyed by station key."""
    return load_table(
        "climate_normals.csv",
        key="station",
        required=("station_zh", "city", "latitude", *(f"T{m:02d}" for m in range(1, 13))),
    )


def climate_from_normals(
    monthly_T,
    *,
    name: str,
    irradiance_from: Climate,
    source: str,
    latitude: float | None = None,
    data: EngineData | None = None,
) -> Climate:
    """Estimate a climate from 12 monthly mean temperatures [℃] (flagged as an estimate).

    Daily means by ``daily_from_monthly``; heating period, Z, t_e, HDD18, CDD26 by
    ``heating_season``; zone by ``climate_zone``. Monthly normals carry no day-to-day
    variability, so HDD18 and CDD26 come out low (CDD26 usually 0) — the zone A/B split is
    therefore uncertain. Irradiance is taken from ``irradiance_from`` (named in the notes).
    """
    data = data or default_data()
    daily = daily_from_monthly(monthly_T)
    hs = heating_season(daily, data=data)
    if hs.Z == 0:
        raise EngineInputError("normals", "no heating period (no 5-day mean ≤ 5 ℃)")
    notes = (
        "daily means interpolated from monthly normals (mean-preserving); "
        "HDD18/CDD26 underestimated for lack of day-to-day variability",
        f"irradiance borrowed from {irradiance_from.name} "
        f"({irradiance_from.provenance.kind.value}, {irradiance_from.provenance.confidence})",
    )
    return Climate(
        name=name,
        zone=climate_zone(hs.HDD18, hs.CDD26),
        HDD18=hs.HDD18,
        CDD26=hs.CDD26,
        Z=float(hs.Z),
        t_e=hs.t_e,
        I_H=irradiance_from.I_H,
        I_S=irradiance_from.I_S,
        I_E=irradiance_from.I_E,
        I_W=irradiance_from.I_W,
        I_N=irradiance_from.I_N,
        provenance=ClimateProvenance(
            ClimateKind.ESTIMATED_NORMALS, source, "estimate—check", notes
        ),
        latitude=latitude,
        heating_period=(_doy_to_date(hs.start), _doy_to_date(hs.end)),
    )


def climate_from_normals_station(station: str, *, data: EngineData | None = None) -> Climate:
    """Estimate from a station of data/climate_normals.csv (e.g. ``yuxian``/``盂县``)."""
    rows = normals_stations()
    for k, r in rows.items():
        if station in (k, r["station_zh"]):
            T = [as_float(r, f"T{m:02d}", f"climate_normals.{k}") for m in range(1, 13)]
            return climate_from_normals(
                T,
                name=f"{r['station_zh']} (月平均气候值 {r.get('period', '')})",
                irradiance_from=climate_for_city(r["city"]),
                source=r["source"],
                latitude=as_float(r, "latitude", f"climate_normals.{k}"),
                data=data,
            )
    raise ClimateNotFoundError(
        "normals.station",
        f"station {station!r} not found; known: "
        + ", ".join(f"{r['station_zh']}({k})" for k, r in rows.items()),
    )


# ---------------------------------------------------------------------------------------
# Climate references and a programme year's county climates
#
# A programme year (its YAML file, ``parameters``) names a default climate, ``climate_city``
# (a row of the city table), and in ``county_climates`` rows {county, city | normals_station}
# the climate of a county. A climate is referred to as
#
# - ``city:<key>``: a row of data/climate.csv (``climate_for_city``), e.g. ``city:yangquan``;
# - ``normals:<station>``: the estimate from a station's monthly normals
#   (``climate_from_normals_station``), e.g. ``normals:yuxian``.

CITY = "city"
NORMALS = "normals"
DEFAULT_CITY = "阳泉"  # a programme file without ``climate_city``
COUNTY_CLIMATE_KEYS = {"city": CITY, "normals_station": NORMALS}


def city_ref(city: str) -> str:
    """The reference of a city row given by key or Chinese name ("阳泉" → "city:yangquan")."""
    return f"{CITY}:{climate_for_city(str(city)).extra['city']}"


def normals_ref(station: str) -> str:
    """The reference of a normals station given by key or Chinese name ("盂县" → "normals:yuxian")."""
    station = str(station).strip()
    for key, row in normals_stations().items():
        if station in (key, row["station_zh"]):
            return f"{NORMALS}:{key}"
    raise ClimateNotFoundError("normals.station", f"station {station!r} not found")


def resolve(ref: str) -> Climate:
    """The engine's climate for a reference; ``ClimateNotFoundError`` when there is none."""
    kind, _sep, key = str(ref).partition(":")
    if kind == CITY and key:
        return climate_for_city(key)
    if kind == NORMALS and key:
        return climate_from_normals_station(key)
    raise ClimateNotFoundError("climate", f"not a climate reference: {ref!r}")


def is_known(ref: str) -> bool:
    try:
        resolve(ref)
    except EngineInputError:
        return False
    return True


class CountyClimateRowError(EngineInputError):
    """A ``county_climates`` row that does not give exactly one of city / normals_station."""


class UnknownClimateError(ClimateNotFoundError):
    """A ``county_climates`` row naming a climate the engine has no table row for;
    ``value`` is the name given."""

    def __init__(self, field: str, value: str) -> None:
        self.value = value
        super().__init__(field, f"no climate {value!r} in the engine's tables")


def county_climate_ref(row: dict, where: str = "county_climates") -> str:
    """The reference of one ``county_climates`` row ({county, city | normals_station}).

    ``CountyClimateRowError`` unless the row gives exactly one of ``city`` and
    ``normals_station`` (and nothing else beside ``county``); ``UnknownClimateError`` when
    the engine has no such climate."""
    given = [k for k in COUNTY_CLIMATE_KEYS if row.get(k) not in (None, "")]
    if len(given) != 1 or set(row) - {"county", *COUNTY_CLIMATE_KEYS}:
        raise CountyClimateRowError(where, "give exactly one of 'city' or 'normals_station'")
    value = str(row[given[0]])
    try:
        return city_ref(value) if given[0] == "city" else normals_ref(value)
    except ClimateNotFoundError:
        raise UnknownClimateError(where, value) from None


@dataclass(frozen=True)
class ProgrammeClimates:
    """The climates of a programme year by county name: ``default`` for counties without an
    entry; ``counties`` ((county name, reference, climate), …) in the file's order;
    ``origin`` the file they were read from."""

    default: Climate
    default_ref: str
    counties: tuple[tuple[str, str, Climate], ...] = ()
    origin: str = ""

    def climate_of(self, county: str) -> Climate:
        for name, _ref, climate in self.counties:
            if name == county:
                return climate
        return self.default


def programme_climates(doc, origin: str) -> ProgrammeClimates:
    """``climate_city`` and ``county_climates`` of a programme document (the ``parameters``
    of its YAML file); ``EngineInputError`` naming the file, the row and the value."""
    params = doc.get("parameters") if isinstance(doc, dict) else None
    if not isinstance(params, dict):
        raise EngineInputError(f"{origin}:parameters", "not a programme file (no parameters)")
    city = params.get("climate_city", DEFAULT_CITY)
    try:
        default_ref = city_ref(city)
    except ClimateNotFoundError:
        raise UnknownClimateError(f"{origin}:parameters.climate_city", str(city)) from None
    rows = params.get("county_climates") or []
    if not isinstance(rows, list):
        raise EngineInputError(f"{origin}:parameters.county_climates", "must be a list of rows")
    counties: list[tuple[str, str, Climate]] = []
    for i, row in enumerate(rows, start=1):
        row = row if isinstance(row, dict) else {}
        county = str(row.get("county") or "").strip()
        where = f"{origin}:parameters.county_climates row {i} ({county or '?'})"
        if not county:
            raise EngineInputError(where, "names no county")
        if any(name == county for name, _r, _c in counties):
            raise EngineInputError(where, "the county appears twice")
        ref = county_climate_ref(row, where)
        counties.append((county, ref, resolve(ref)))
    return ProgrammeClimates(resolve(default_ref), default_ref, tuple(counties), origin)


def load_programme_climates(path: str | Path | None = None) -> ProgrammeClimates:
    """The climates of a programme file, or of the shipped 2023 Yangquan programme."""
    from .programme_file import SHIPPED, read_yaml, shipped_programme

    if path is None:
        return programme_climates(shipped_programme(), SHIPPED)
    return programme_climates(read_yaml(path), str(path))
