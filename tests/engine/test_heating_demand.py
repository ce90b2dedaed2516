"""q_H is a heating demand: clipped at 0 with a note, so η ≤ 1 and coal/CO2 are never < 0."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jigai.engine import (
    StockArrays,
    apply_measures,
    assess,
    assess_retrofit,
    assess_stock,
    default_data,
    parse_building,
)
from jigai.engine.errors import EngineInputError
from jigai.engine.optimiser import optimise_building
from jigai.engine.retrofit import Retrofit
from jigai.engine.vector import assess_retrofit_stock

from .conftest import EXAMPLES, load_example, pinned_climate

DATA = default_data()
REL = 1e-9
# a mild, very sunny heating season (t_e 3 ℃ → Δt = 15 K main, 9 K stairwell)
SUNNY = pinned_climate("sunny pin", t_e=3.0, Z=90, I_H=160, I_S=220, I_E=120, I_W=120, I_N=60)
# t_e 2 ℃ (Δt = 16 K), 150 W/m² on the south face
BRIGHT = pinned_climate("bright pin", t_e=2.0, Z=100, I_H=100, I_S=150, I_E=80, I_W=80, I_N=40)


def sun_trap():
    """A small, well-insulated box with a large south window (A0 = 100 m², V0 = 300 m³)."""
    return parse_building(
        {
            "format": "detailed",
            "storeys": 1,
            "A0": 100.0,
            "V0": 300.0,
            "elements": [
                {"id": "w", "kind": "wall", "orientation": "S", "area": 50, "K": 0.2, "epsilon": 1},
                {"id": "r", "kind": "roof", "area": 100, "K": 0.1, "epsilon": 1},
                {
                    "id": "g",
                    "kind": "window",
                    "orientation": "S",
                    "area": 20,
                    "K": 1.0,
                    "shgc": 0.8,
                    "host": "w",
                },
            ],
        },
        "b",
        DATA,
    )


def test_negative_balance_is_clipped_with_a_note_by_hand():
    """Δt = 18 − 2 = 16 K, ε = 1 given:
    q_Hq = 0.2 × (50 − 20) × 16 / 100 = 0.96;  q_Hw = 0.1 × 100 × 16 / 100 = 1.6
    q_Hmc = (1.0 × 20 × 16 − 150 × 0.7 × 0.8 × 20) / 100 = (320 − 1680) / 100 = −13.6
    q_HT = 0.96 + 1.6 − 13.6 = −11.04
    q_INF = 16 × 0.28 × 353/275 × 0.5 × 0.65 × 300/100 = 5.6069236364
    balance = −11.04 + 5.6069236364 − 3.8 = −9.2330763636 → q_H = 0."""
    a = assess(sun_trap(), BRIGHT, data=DATA)
    q_inf = 16 * 0.28 * 353 / 275 * 0.5 * 0.65 * 300 / 100
    assert a.terms["q_Hmc"] == pytest.approx(-13.6, rel=REL)
    assert a.terms["q_HT"] == pytest.approx(-11.04, rel=REL)
    assert a.terms["q_INF"] == pytest.approx(q_inf, rel=REL)
    assert a.terms["q_H_unclipped"] == pytest.approx(-11.04 + q_inf - 3.8, rel=REL)
    assert a.terms["q_H"] == 0.0 and a.q_H == 0.0
    assert a.seasonal == {"Q_kWh_m2": 0.0, "Q_GJ_m2": 0.0, "coal_kgce_m2": 0.0, "co2_kg_m2": 0.0}
    assert len(a.notes) == 1 and "clipped at 0" in a.notes[0] and "-9.233" in a.notes[0]
    d = json.loads(json.dumps(a.to_dict()))
    assert d["terms"]["q_H"] == 0.0 and d["notes"] == list(a.notes)
    # the vectorised path gives the same clipped demand and balance
    res = assess_stock(StockArrays.from_buildings([sun_trap()]), BRIGHT, data=DATA)
    assert res.q_H[0] == 0.0
    assert res.terms["q_H_unclipped"][0] == pytest.approx(a.terms["q_H_unclipped"], rel=REL)
    assert res.seasonal["coal_kgce_m2"][0] == 0.0


def test_positive_demand_has_no_clip_term_or_note():
    a = assess(load_example("walkup_brick_6storey.json").before, BRIGHT, data=DATA)
    assert a.q_H > 0 and "q_H_unclipped" not in a.terms and a.notes == ()


def test_retrofit_to_zero_demand_gives_eta_one_not_more():
    """Before: the sun trap with single glazing K 5.8, SHGC 0 (fully shaded), Δt 16:
    q_Hq 0.96, q_Hw 1.6, q_Hmc = 5.8 × 20 × 16 / 100 = 18.56, q_HT = 21.12,
    q_H = 21.12 + 5.6069236364 − 3.8 = 22.9269236364 > 0.
    After: the sun trap itself (balance −9.23 → q_H 0): η = 1 − 0/22.93 = 1 exactly."""
    trap = sun_trap()
    shaded = apply_measures(
        trap, [{"measure": "replace_windows", "K": 5.8, "shgc": 0.0}], "m", DATA
    )
    r = Retrofit("sun trap", shaded, trap)
    res = assess_retrofit(r, BRIGHT, data=DATA)
    q_inf = 16 * 0.28 * 353 / 275 * 0.5 * 0.65 * 300 / 100
    assert res.before.q_H == pytest.approx(21.12 + q_inf - 3.8, rel=REL)
    assert res.after.q_H == 0.0
    assert res.eta == 1.0 and res.passed
    assert any(n.startswith("after: q_H clipped") for n in res.notes)
    out = assess_retrofit_stock(
        StockArrays.from_buildings([shaded]), StockArrays.from_buildings([trap]), BRIGHT
    )
    assert out["eta"][0] == 1.0 and out["q_H_after"][0] == 0.0


def test_no_demand_before_gives_eta_zero_not_passed():
    trap = sun_trap()
    res = assess_retrofit(Retrofit("no demand", trap, trap), BRIGHT, data=DATA)
    assert res.before.q_H == 0.0 and res.eta == 0.0 and not res.passed
    assert any("no heating demand before" in n for n in res.notes)
    out = assess_retrofit_stock(
        StockArrays.from_buildings([trap]), StockArrays.from_buildings([trap]), BRIGHT
    )
    assert out["eta"][0] == 0.0 and not out["passed"][0]


def test_optimiser_grid_never_below_zero_and_equals_engine():
    """In a very sunny mild climate the deepest packages of the walk-up reach zero demand:
    the optimiser's q_H after is clipped like the engine's, η ≤ 1."""
    before = load_example("walkup_brick_6storey.json").before
    o = optimise_building(before, SUNNY)
    q_after, _ = o._grid
    assert (q_after >= 0).all() and (q_after == 0).any()
    assert o.eta.max() == 1.0 and (o.eta <= 1.0).all()
    best = o.best
    after = apply_measures(before, best.engine_measures(o._cat), "m", DATA)
    engine = assess(after, SUNNY, data=DATA)
    assert best.q_H_after == engine.q_H == 0.0
    assert engine.terms["q_H_unclipped"] < 0


def test_examples_keep_positive_demand():
    for p in sorted(EXAMPLES.glob("*.json")):
        r = load_example(p.name)
        res = assess_retrofit(r, BRIGHT, data=DATA)
        assert res.before.q_H > 0 and 0 < res.eta < 1 and np.isfinite(res.eta)


def test_a_tested_lambda_replaces_the_materials_in_add_insulation():
    """As built: 1/K' = 1/K + d/(λ·α) with the tested λ 0.037 in place of EPS's 0.039
    (α of the material kept); a λ ≤ 0 is refused."""
    eps = DATA.material("eps")
    base = {"measure": "add_insulation", "elements": "walls", "material": "eps", "thickness": 0.06}
    design = apply_measures(sun_trap(), [base], "m", DATA)
    tested = apply_measures(sun_trap(), [{**base, "lambda": 0.037}], "m", DATA)
    wall = next(e for e in tested.elements if e.id == "w")
    assert pytest.approx(1 / (1 / 0.2 + 0.06 / (0.037 * eps.alpha)), rel=REL) == wall.K
    assert (
        pytest.approx(1 / (1 / 0.2 + 0.06 / (eps.lambda_ * eps.alpha)), rel=REL)
        == next(e for e in design.elements if e.id == "w").K
    )
    with pytest.raises(EngineInputError, match="lambda"):
        apply_measures(sun_trap(), [{**base, "lambda": 0}], "m", DATA)
