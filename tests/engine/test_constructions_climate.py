"""Constructions, data tables, climate table, zones and the estimate from normals."""

# ruff: noqa: SIM300 — ruff takes the standard's capitalised symbols (K, F0, HDD18) for constants

from __future__ import annotations

import numpy as np
import pytest

from jigai.engine import (
    ClimateKind,
    ClimateNotFoundError,
    EngineData,
    EngineInputError,
    climate_for_city,
    climate_from_normals_station,
    list_cities,
)
from jigai.engine.climate import climate_zone, daily_from_monthly, heating_season
from jigai.engine.constructions import K_add_layer, K_layered, K_m, K_m_area_weighted, Layer
from jigai.engine.tables import CONFIDENCE_LEVELS, load_table


def test_K_layered_brick_wall_by_hand(data):
    # 20 mm lime mortar + 240 mm brick + 20 mm cement mortar, wall (R_i 0.11, R_e 0.04):
    # R = 0.15 + 0.02/0.81 + 0.24/0.81 + 0.02/0.93 = 0.15 + 0.3209876543 + 0.0215053763
    #   = 0.4924930306 → K = 2.0304856... (ENERGY_METHOD: 240 mm brick ≈ 2.0)
    layers = (
        Layer("lime_mortar", 0.02),
        Layer("solid_clay_brick", 0.24),
        Layer("cement_mortar", 0.02),
    )
    R = 0.15 + 0.02 / 0.81 + 0.24 / 0.81 + 0.02 / 0.93
    assert K_layered(layers, data=data) == pytest.approx(1 / R, rel=1e-12)
    # EPS layer uses λ·α = 0.039 × 1.05
    K = K_layered((*layers, Layer("eps", 0.1)), data=data)
    assert K == pytest.approx(1 / (R + 0.1 / (0.039 * 1.05)), rel=1e-12)
    # basement ceiling uses R_e 0.06 (with windows) / 0.17 (without)
    slab = (Layer("reinforced_concrete", 0.12),)
    assert K_layered(slab, position="basement_ceiling_no_windows", data=data) == pytest.approx(
        1 / (0.11 + 0.12 / 1.74 + 0.17), rel=1e-12
    )


def test_a_construction_computed_before_is_reused_only_for_the_same_data(data):
    # expand_block computes a survey's few constructions once (not once per building); a
    # spec computed with other tables is computed with those, and a bad spec still fails
    from dataclasses import replace

    from jigai.engine.building import _construction_K
    from jigai.engine.constructions import Position

    spec = {"layers": [{"material": "solid_clay_brick", "d": 0.24}, {"material": "eps", "d": 0.1}]}
    R = 0.15 + 0.24 / 0.81 + 0.1 / (0.039 * 1.05)
    assert _construction_K(spec, "w", Position.WALL, data) == pytest.approx(1 / R, rel=1e-12)
    assert _construction_K(dict(spec), "w", Position.WALL, data) == pytest.approx(1 / R, rel=1e-12)
    eps = data.material("eps")
    other = replace(data, materials={**data.materials, "eps": replace(eps, lambda_=0.078)})
    R2 = 0.15 + 0.24 / 0.81 + 0.1 / (0.078 * 1.05)
    assert _construction_K(spec, "w", Position.WALL, other) == pytest.approx(1 / R2, rel=1e-12)
    assert _construction_K(spec, "w", Position.WALL, data) == pytest.approx(1 / R, rel=1e-12)
    bad = {"layers": [{"material": "eps", "d": -0.1}]}
    for _ in range(2):
        with pytest.raises(EngineInputError):
            _construction_K(bad, "w", Position.WALL, data)


def test_thermal_bridges_and_added_layers():
    assert K_m(1.53, delta_K=0.1) == pytest.approx(1.63)
    # area-weighted: (1.5·90 + 2.5·10)/100 = 1.6
    assert K_m_area_weighted(1.5, 90.0, K_B=[2.5], F_B=[10.0]) == pytest.approx(1.6)
    K = K_add_layer(np.array([2.0, 1.0]), 0.05, 0.04, 1.25)  # R = 0.05/0.05 = 1
    np.testing.assert_allclose(K, [1 / 1.5, 0.5])


def test_unknown_material_and_bad_thickness(data):
    with pytest.raises(EngineInputError, match="unknown material 'unobtainium'") as ei:
        K_layered((Layer("cement_mortar", 0.02), Layer("unobtainium", 0.1)), data=data)
    assert ei.value.field == "layers[1].material"
    with pytest.raises(EngineInputError) as ei:
        K_layered((Layer("cement_mortar", -0.02),), data=data)
    assert ei.value.field == "layers[0].d"


def test_every_table_row_has_source_and_known_confidence():
    for name, key in (
        ("parameters.csv", "key"),
        ("materials.csv", "material"),
        ("windows.csv", "window"),
        ("surface_resistances.csv", "position"),
        ("temperature_factors.csv", "key"),
        ("ground_zones.csv", "zone"),
        ("zones.csv", "zone"),
        ("climate.csv", "city"),
        ("climate_normals.csv", "station"),
        ("envelope_limits.csv", "key"),
    ):
        rows = load_table(name, key=key)
        assert rows
        for r in rows.values():
            assert r["source"] and r["confidence"] in CONFIDENCE_LEVELS


def test_project_override_of_a_table(tmp_path, data):
    p = tmp_path / "materials.csv"
    p.write_text(
        "material,name_zh,lambda,alpha,density,combustion_class,source,confidence\n"
        "eps,EPS (lab-tested),0.037,1.00,20,B1,project test report 2023-041,verified\n"
        "aerogel,气凝胶毡,0.020,1.10,200,A,maker's datasheet,assumption\n",
        encoding="utf-8",
    )
    d = EngineData.load(overrides={"materials": p})
    assert d.material("eps").lambda_ == 0.037 and d.material("eps").confidence == "verified"
    assert d.material("aerogel").alpha == 1.10
    assert d.material("xps").lambda_ == data.material("xps").lambda_
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "key,value,unit,source,confidence\nt_n.residential,18,℃,x,probably\n", encoding="utf-8"
    )
    with pytest.raises(EngineInputError, match="confidence") as ei:
        EngineData.load(overrides={"parameters": bad})
    assert ei.value.field == "bad.csv:2"


def test_parameters_are_data(data):
    assert data.p("t_n.residential") == 18
    assert data.p("q_IH.residential") == 3.8
    assert data.p("eta_threshold") == 0.30
    assert data.parameters["C_p"].source


def test_climate_table_covers_shanxi_with_honest_provenance():
    cities = list_cities()
    names = {c.name.split(" ")[0] for c in cities}
    assert names == {
        "太原",
        "大同",
        "朔州",
        "忻州",
        "吕梁",
        "晋中",
        "阳泉",
        "长治",
        "晋城",
        "临汾",
        "运城",
    }
    for c in cities:
        # nothing is presented as official unless verified against the printed text
        if c.provenance.kind is ClimateKind.OFFICIAL:
            assert c.provenance.confidence == "verified"
        else:
            assert c.provenance.confidence in ("recalled—check", "estimate—check")
        assert climate_zone(c.HDD18, c.CDD26) == c.zone
    for q in ("阳泉", "阳泉市", "yangquan"):
        assert climate_for_city(q).zone == "2A"


def test_climate_not_found():
    with pytest.raises(ClimateNotFoundError, match="not found") as ei:
        climate_for_city("哈尔滨")
    assert ei.value.field == "climate.city"


@pytest.mark.parametrize(
    ("hdd", "cdd", "zone"),
    [
        (6000, 0, "1A"),
        (5999, 0, "1B"),
        (5000, 0, "1B"),
        (4999, 50, "1C"),
        (3800, 0, "1C"),
        (3799, 90, "2A"),
        (2000, 90.001, "2B"),
        (1999, 0, "outside"),
    ],
)
def test_zone_boundaries(hdd, cdd, zone):
    assert climate_zone(hdd, cdd) == zone


def test_daily_from_monthly_preserves_monthly_means():
    M = np.array([-5.2, -2.2, 3.9, 11.3, 17.4, 21.1, 22.6, 21.0, 16.1, 9.9, 2.7, -3.3])
    d = daily_from_monthly(M)
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    means = np.bincount(np.repeat(np.arange(12), days), weights=d) / days
    np.testing.assert_allclose(means, M, atol=1e-9)
    assert d.min() < M.min()  # the coldest days are colder than the coldest month's mean


def test_heating_season_on_daily_series():
    T = np.full(365, 12.0)
    T[330:] = 0.0  # 27 Nov …
    T[:40] = 2.0  # … to 9 Feb
    hs = heating_season(T)
    assert (hs.start, hs.end, hs.Z) == (330, 39, 35 + 40)
    assert hs.t_e == pytest.approx((35 * 0 + 40 * 2) / 75)
    assert hs.HDD18 == pytest.approx(35 * 18 + 40 * 16 + 290 * 6)


def test_yu_county_estimate_from_normals():
    c = climate_from_normals_station("盂县")
    assert c.provenance.kind is ClimateKind.ESTIMATED_NORMALS
    assert c.provenance.confidence == "estimate—check"
    assert any("irradiance borrowed" in n for n in c.provenance.notes)
    # plausibility for a 953 m station: 4–5 months of heating, mean below 0 ℃, cold zone
    assert 120 <= c.Z <= 150 and -4 < c.t_e < 0 and c.zone.startswith("2")
    assert c.heating_period[0].startswith("11") and c.heating_period[1].startswith("03")
