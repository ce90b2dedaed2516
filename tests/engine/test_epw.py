"""EPW derivation on synthetic weather files whose answers are known."""

# ruff: noqa: SIM300 — ruff takes the standard's capitalised symbols (K, F0, HDD18) for constants

from __future__ import annotations

import math

import numpy as np
import pytest

from jigai.engine import ClimateKind, EngineInputError, SkyModel, climate_from_epw
from jigai.engine.epw import cos_incidence_vertical, read_epw, solar_geometry

from .epw_synth import winter_block, write_epw


def test_block_winter_known_answers(tmp_path):
    # cold −3 ℃ from 15 Nov (day 318) to 10 Mar (day 68): 47 + 69 = 116 days
    T = winter_block()
    p = write_epw(tmp_path / "block.epw", T)
    c = climate_from_epw(p)
    assert c.Z == 116
    assert c.t_e == pytest.approx(-3.0, abs=1e-9)
    # HDD18: 116 days × 21 K (warm days at 30 ℃ contribute 0); CDD26: 249 × 4 K
    assert c.HDD18 == pytest.approx(116 * 21, abs=1e-6)
    assert c.CDD26 == pytest.approx(249 * 4, abs=1e-6)
    assert c.heating_period == ("11-15", "03-10")
    assert c.zone == "2B"  # 2436 in [2000, 3800), CDD26 996 > 90
    assert c.provenance.kind is ClimateKind.DERIVED_EPW
    assert "hay_davies" in c.provenance.source


def test_running_mean_ignores_isolated_cold_day_and_bridges_warm_spell(tmp_path):
    T = winter_block(cold=-3.0, warm=15.0)
    T[280] = -10.0  # one cold October day: every 5-day mean containing it is ≥ (−10+60)/5 = 10
    T[10:13] = 15.0  # three mild January days inside the winter
    c = climate_from_epw(write_epw(tmp_path / "spell.epw", T))
    assert c.Z == 116
    # t_e = (113 × (−3) + 3 × 15) / 116
    assert c.t_e == pytest.approx((113 * -3 + 3 * 15) / 116, abs=1e-9)
    # HDD18 = 116 cold-block days: 113 × 21 + 3 × 3; other 249 days: 248 × 3 + 1 × 28
    assert c.HDD18 == pytest.approx(113 * 21 + 3 * 3 + 248 * 3 + 28, abs=1e-6)
    assert c.CDD26 == 0


@pytest.mark.parametrize("sky", list(SkyModel))
def test_overcast_sky_gives_known_vertical_irradiance(tmp_path, sky):
    # diffuse-only sky: G = D = 100 W/m² for EPW hours 9..16 (8 h/day), B = 0.
    # isotropic and Hay–Davies (A_i = B/G_on = 0) both give on every vertical face
    # D·(1+cos90°)/2 + G·ρ_g·(1−cos90°)/2 = 50 + 100·0.2/2 = 60 W/m² in those hours;
    # 24-h means: vertical 60·8/24 = 20, horizontal 100·8/24 = 33.33…
    hours = np.tile(np.arange(1, 25), 365)
    day = ((hours >= 9) & (hours <= 16)).astype(float) * 100.0
    c = climate_from_epw(
        write_epw(tmp_path / "overcast.epw", winter_block(), G=day, D=day), sky=sky
    )
    assert c.I_H == pytest.approx(100 * 8 / 24, rel=1e-12)
    for o in "SEWN":
        assert c.I(o) == pytest.approx(20.0, rel=1e-12)


def test_beam_favours_south_in_winter_and_east_west_balance(tmp_path):
    # clear winter sky: B = 600 W/m² whenever the sun is up (mid-hour), D = 50, G consistent.
    w_lat, w_lon, tz = 37.87, 120.0, 8.0  # lon = 15·tz: clock ≈ solar time (± EoT)
    doy = np.repeat(np.arange(1, 366), 24)
    hmid = np.tile(np.arange(1, 25), 365) - 0.5
    _, _, cz = solar_geometry(doy, hmid, latitude=w_lat, longitude=w_lon, tz=tz)
    up = cz > 0.05
    B = np.where(up, 600.0, 0.0)
    D = np.where(up, 50.0, 0.0)
    G = B * np.clip(cz, 0, None) + D
    c = climate_from_epw(
        write_epw(tmp_path / "clear.epw", winter_block(), G=G, B=B, D=D, lat=w_lat, lon=w_lon)
    )
    assert c.I_S > c.I_H > c.I_E > c.I_N
    assert c.I_E == pytest.approx(c.I_W, rel=0.03)  # symmetric apart from the equation of time


def test_incidence_closed_forms():
    phi, delta = 37.87, math.radians(-23.44)
    d = np.array(delta)
    # solar noon on a south face: cos θ = sin(φ − δ); north face: −sin(φ − δ)
    s = cos_incidence_vertical(d, 0.0, latitude=phi, surface_azimuth=0.0)
    assert s == pytest.approx(math.sin(math.radians(phi) - delta), rel=1e-12)
    n = cos_incidence_vertical(d, 0.0, latitude=phi, surface_azimuth=180.0)
    assert n == pytest.approx(-math.sin(math.radians(phi) - delta), rel=1e-12)
    # ω = −90° (6 h before noon) on an east face: cos θ = cos δ
    e = cos_incidence_vertical(d, math.radians(-90), latitude=phi, surface_azimuth=-90.0)
    assert e == pytest.approx(math.cos(delta), rel=1e-12)
    # Spencer declination near the December solstice ≈ −23.44°
    dec, _, _ = solar_geometry(355, 12.0, latitude=phi, longitude=120.0, tz=8.0)
    assert math.degrees(dec) == pytest.approx(-23.44, abs=0.1)


def test_malformed_epw_names_line(tmp_path):
    p = write_epw(tmp_path / "bad.epw", winter_block())
    lines = p.read_text().splitlines()
    f = lines[8 + 100].split(",")
    f[6] = "abc"
    lines[8 + 100] = ",".join(f)
    p.write_text("\n".join(lines))
    with pytest.raises(EngineInputError) as ei:
        read_epw(p)
    assert ei.value.field == "bad.epw:109"
    lines[8 + 100] = lines[8 + 101]
    f = lines[8 + 200].split(",")
    f[6] = "99.9"  # EPW "missing" marker
    lines[8 + 200] = ",".join(f)
    p.write_text("\n".join(lines))
    with pytest.raises(EngineInputError, match="missing or out of range") as ei:
        read_epw(p)
    assert ei.value.field == "bad.epw:209"


def test_truncated_and_non_epw(tmp_path):
    p = write_epw(tmp_path / "short.epw", winter_block())
    p.write_text("\n".join(p.read_text().splitlines()[:500]))
    with pytest.raises(EngineInputError, match="expected 8760 or 8784"):
        read_epw(p)
    q = tmp_path / "x.epw"
    q.write_text("hello\n")
    with pytest.raises(EngineInputError, match="LOCATION") as ei:
        read_epw(q)
    assert ei.value.field == "x.epw:1"
