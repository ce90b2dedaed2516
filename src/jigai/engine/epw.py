"""Climate derived from an hourly EnergyPlus weather file (EPW).

Steps (ENERGY_METHOD.md §2):

1. daily means T_d of the hourly dry-bulb temperature; HDD18, CDD26, heating period
   (5-day running mean ≤ 5 ℃), Z and t_e by ``climate.heating_season``;
2. solar position per hour (Spencer 1971 declination and equation of time, as given in
   Duffie & Beckman, *Solar Engineering of Thermal Processes*, 4th ed., eqs. 1.4.2, 1.5.3,
   1.6.5), evaluated at the middle of each EPW hour (EPW hour h covers (h−1, h] local standard
   time);
3. transposition of global (G), beam-normal (B) and diffuse-horizontal (D) irradiance to
   vertical S/E/W/N faces (β = 90°) with a sky model:

   - isotropic (Liu & Jordan 1963; D&B eq. 2.15.1):
     I_T = B·max(cos θ, 0) + D·(1 + cos β)/2 + G·ρ_g·(1 − cos β)/2
   - Hay–Davies (Hay & Davies 1980; D&B eq. 2.16.4), the default:
     I_T = B·max(cos θ, 0) + D·[A_i·R_b + (1 − A_i)·(1 + cos β)/2] + G·ρ_g·(1 − cos β)/2,
     A_i = B / G_on (anisotropy index), G_on = G_sc·(1 + 0.033·cos(360°·n/365)),
     R_b = max(cos θ, 0) / max(cos θ_z, cos 85°)

   with cos θ for a vertical face of azimuth γ (0 = south, east −90°, west +90°;
   D&B eq. 1.6.2 with β = 90°):
     cos θ = −sin δ·cos φ·cos γ + cos δ·sin φ·cos γ·cos ω + cos δ·sin γ·sin ω;
4. mean irradiance over all hours of the heating-period days (24-h mean, as JGJ 26 tabulates).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from .climate import (
    Climate,
    ClimateKind,
    ClimateProvenance,
    _doy_to_date,
    climate_zone,
    heating_season,
)
from .errors import EngineInputError
from .params import EngineData, default_data


class SkyModel(StrEnum):
    """Diffuse sky model for transposition to vertical faces."""

    ISOTROPIC = "isotropic"
    HAY_DAVIES = "hay_davies"

    @property
    def label_zh(self) -> str:
        return {"isotropic": "各向同性天空模型", "hay_davies": "Hay–Davies各向异性天空模型"}[
            self.value
        ]


FACE_AZIMUTH = {"S": 0.0, "E": -90.0, "W": 90.0, "N": 180.0}


@dataclass(frozen=True)
class EPWData:
    """Hourly data read from an EPW file (arrays of length 8760 or 8784)."""

    name: str
    latitude: float
    longitude: float
    tz: float
    elevation_m: float
    month: np.ndarray
    day: np.ndarray
    hour: np.ndarray
    T: np.ndarray
    G: np.ndarray
    B: np.ndarray
    D: np.ndarray


def read_epw(path: str | Path) -> EPWData:
    """Read an EPW file; every malformed line raises ``EngineInputError`` naming file:line."""
    p = Path(path)
    fname = p.name
    try:
        lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise EngineInputError(str(p), f"cannot read weather file: {exc}") from exc
    if not lines or not lines[0].startswith("LOCATION"):
        raise EngineInputError(f"{fname}:1", "not an EPW file: first line must be LOCATION,...")
    loc = lines[0].split(",")
    if len(loc) < 10:
        raise EngineInputError(f"{fname}:1", "LOCATION line needs 10 fields")
    try:
        lat, lon, tz, elev = (float(x) for x in loc[6:10])
    except ValueError as exc:
        raise EngineInputError(
            f"{fname}:1", f"LOCATION latitude/longitude/tz/elevation: {exc}"
        ) from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise EngineInputError(f"{fname}:1", "latitude/longitude out of range")
    start = None
    for i, ln in enumerate(lines[:12]):
        if ln.startswith("DATA PERIODS"):
            start = i + 1
    if start is None:
        start = 8
    rows = [ln for ln in lines[start:] if ln.strip()]
    if len(rows) not in (8760, 8784):
        raise EngineInputError(
            f"{fname}:{start + 1}", f"expected 8760 or 8784 hourly rows, found {len(rows)}"
        )
    out = np.empty((len(rows), 7))
    for j, ln in enumerate(rows):
        lineno = start + 1 + j
        f = ln.split(",")
        if len(f) < 16:
            raise EngineInputError(
                f"{fname}:{lineno}", f"expected ≥ 16 comma-separated fields, got {len(f)}"
            )
        try:
            vals = [float(f[k]) for k in (1, 2, 3, 6, 13, 14, 15)]
        except ValueError as exc:
            raise EngineInputError(f"{fname}:{lineno}", f"non-numeric field: {exc}") from exc
        mo, dy, hr, t, g, b, d = vals
        if not (1 <= mo <= 12 and 1 <= dy <= 31 and 1 <= hr <= 24):
            raise EngineInputError(f"{fname}:{lineno}", f"bad date/hour {mo:g}/{dy:g} {hr:g}")
        if not (-70 < t < 70):
            raise EngineInputError(
                f"{fname}:{lineno}", f"dry-bulb temperature missing or out of range: {t}"
            )
        for nm, v in (("global horizontal", g), ("direct normal", b), ("diffuse horizontal", d)):
            if not (0 <= v < 2000):
                raise EngineInputError(
                    f"{fname}:{lineno}", f"{nm} irradiance missing or out of range: {v}"
                )
        out[j] = vals
    if np.any(out[:, 2].reshape(-1, 24) != np.arange(1, 25)):
        raise EngineInputError(f"{fname}:{start + 1}", "hours must run 1..24 for each day")
    name = ",".join(x for x in loc[1:4] if x).strip(", ")
    return EPWData(
        name=name or fname,
        latitude=lat,
        longitude=lon,
        tz=tz,
        elevation_m=elev,
        month=out[:, 0].astype(int),
        day=out[:, 1].astype(int),
        hour=out[:, 2].astype(int),
        T=out[:, 3],
        G=out[:, 4],
        B=out[:, 5],
        D=out[:, 6],
    )


def solar_geometry(doy, hour_mid, *, latitude, longitude, tz):
    """Declination δ, hour angle ω [rad] and cos θ_z for day of year ``doy`` (1-based) and
    local standard time ``hour_mid`` [h] (Spencer 1971; D&B 4th ed. eqs. 1.4.2, 1.5.2/1.5.3,
    1.6.5). Longitude east positive [°], tz [h] east positive."""
    Bd = 2.0 * np.pi * (np.asarray(doy, dtype=float) - 1.0) / 365.0
    delta = (
        0.006918
        - 0.399912 * np.cos(Bd)
        + 0.070257 * np.sin(Bd)
        - 0.006758 * np.cos(2 * Bd)
        + 0.000907 * np.sin(2 * Bd)
        - 0.002697 * np.cos(3 * Bd)
        + 0.00148 * np.sin(3 * Bd)
    )
    E = 229.2 * (
        0.000075
        + 0.001868 * np.cos(Bd)
        - 0.032077 * np.sin(Bd)
        - 0.014615 * np.cos(2 * Bd)
        - 0.04089 * np.sin(2 * Bd)
    )
    solar_time = np.asarray(hour_mid, dtype=float) + (4.0 * (longitude - 15.0 * tz) + E) / 60.0
    omega = np.radians(15.0 * (solar_time - 12.0))
    phi = np.radians(latitude)
    cos_z = np.cos(phi) * np.cos(delta) * np.cos(omega) + np.sin(phi) * np.sin(delta)
    return delta, omega, cos_z


def cos_incidence_vertical(delta, omega, *, latitude, surface_azimuth):
    """cos θ on a vertical face of azimuth γ [°] (0 south, east −90, west +90)
    — D&B 4th ed. eq. 1.6.2 with β = 90°."""
    phi = np.radians(latitude)
    g = np.radians(surface_azimuth)
    return (
        -np.sin(delta) * np.cos(phi) * np.cos(g)
        + np.cos(delta) * np.sin(phi) * np.cos(g) * np.cos(omega)
        + np.cos(delta) * np.sin(g) * np.sin(omega)
    )


def irradiance_vertical(
    G, B, D, *, cos_theta, cos_z, doy, sky: SkyModel = SkyModel.HAY_DAVIES, albedo=0.2, G_sc=1367.0
):
    """Irradiance on a vertical face [W/m²] from G, B (normal), D [W/m²] (module docstring)."""
    up = cos_z > 0
    ct = np.where(up, np.maximum(cos_theta, 0.0), 0.0)
    beam = B * ct
    ground = G * albedo * 0.5
    if sky is SkyModel.ISOTROPIC:
        diffuse = D * 0.5
    else:
        G_on = G_sc * (1.0 + 0.033 * np.cos(2.0 * np.pi * np.asarray(doy) / 365.0))
        A_i = np.clip(B / G_on, 0.0, 1.0)
        R_b = ct / np.maximum(cos_z, np.cos(np.radians(85.0)))
        diffuse = D * (A_i * R_b + (1.0 - A_i) * 0.5)
    return beam + diffuse + ground


def climate_from_epw_data(
    w: EPWData, *, sky: SkyModel = SkyModel.HAY_DAVIES, data: EngineData | None = None
) -> Climate:
    """Derive the JGJ 26 heating-period climate from hourly data (module docstring)."""
    data = data or default_data()
    n_days = w.T.size // 24
    T_daily = w.T.reshape(n_days, 24).mean(axis=1)
    leap = n_days == 366
    hs = heating_season(T_daily, data=data, wrap_start=182 if leap else 181)
    if hs.Z == 0:
        raise EngineInputError(
            w.name, "no heating period in this weather file (no 5-day mean ≤ 5 ℃)"
        )
    doy = np.repeat(np.arange(1, n_days + 1), 24)
    hour_mid = w.hour - 0.5
    delta, omega, cos_z = solar_geometry(
        doy, hour_mid, latitude=w.latitude, longitude=w.longitude, tz=w.tz
    )
    day_idx = np.arange(n_days)
    if hs.start <= hs.end:
        in_season = (day_idx >= hs.start) & (day_idx <= hs.end)
    else:
        in_season = (day_idx >= hs.start) | (day_idx <= hs.end)
    mask = np.repeat(in_season, 24)
    irr = {"H": float(np.mean(w.G[mask]))}
    albedo = data.p("ground_albedo")
    G_sc = data.p("solar_constant")
    for face, gamma in FACE_AZIMUTH.items():
        ct = cos_incidence_vertical(delta, omega, latitude=w.latitude, surface_azimuth=gamma)
        It = irradiance_vertical(
            w.G, w.B, w.D, cos_theta=ct, cos_z=cos_z, doy=doy, sky=sky, albedo=albedo, G_sc=G_sc
        )
        irr[face] = float(np.mean(It[mask]))
    ds = _doy_to_date(hs.start if not leap else min(hs.start, 364))
    de = _doy_to_date(hs.end if not leap else min(hs.end, 364))
    return Climate(
        name=w.name,
        zone=climate_zone(hs.HDD18, hs.CDD26),
        HDD18=hs.HDD18,
        CDD26=hs.CDD26,
        Z=float(hs.Z),
        t_e=hs.t_e,
        I_H=irr["H"],
        I_S=irr["S"],
        I_E=irr["E"],
        I_W=irr["W"],
        I_N=irr["N"],
        provenance=ClimateProvenance(
            ClimateKind.DERIVED_EPW,
            f"derived from EPW weather file {w.name!r} (lat {w.latitude}, lon {w.longitude}) by "
            f"JGJ 26 definitions; sky model {sky.value}",
            "derived (as good as the weather file)",
            (f"sky model: {sky.value} ({sky.label_zh}); ground albedo {albedo}",),
        ),
        latitude=w.latitude,
        longitude=w.longitude,
        elevation_m=w.elevation_m,
        heating_period=(ds, de),
    )


def climate_from_epw(
    path: str | Path, *, sky: SkyModel = SkyModel.HAY_DAVIES, data: EngineData | None = None
) -> Climate:
    """Read an EPW file and derive its climate (``read_epw`` + ``climate_from_epw_data``)."""
    return climate_from_epw_data(read_epw(path), sky=sky, data=data)
