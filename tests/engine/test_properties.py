"""Property tests: monotonicity of q_H, η = 0 for no change, q_H ≥ 0 and η ≤ 1 always."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from jigai.engine import (
    Climate,
    ClimateKind,
    ClimateProvenance,
    StockArrays,
    apply_measures,
    assess,
    assess_retrofit,
    assess_stock,
    default_data,
    expand_block,
)
from jigai.engine.heat_index import eta
from jigai.engine.retrofit import Retrofit
from jigai.engine.vector import assess_retrofit_stock

from .strategies import any_climates, block_specs, climates, measure_lists

DATA = default_data()
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(
    spec=block_specs(),
    climate=climates(),
    target=st.sampled_from(["walls", "roof", "floor", "basement_ceiling"]),
    material=st.sampled_from(["eps", "xps", "rock_wool", "polyurethane", "foam_glass"]),
    d=st.floats(0.001, 0.3, allow_nan=False),
)
def test_more_insulation_never_raises_q_H(spec, climate, target, material, d):
    b = expand_block(spec, "b", DATA)
    if target == "basement_ceiling" and spec["floor"] == "ground":
        target = "floor"
    m = [{"measure": "add_insulation", "elements": target, "material": material, "thickness": d}]
    more = apply_measures(b, m, "m", DATA)
    even_more = apply_measures(more, m, "m", DATA)
    q0, q1, q2 = (assess(x, climate, data=DATA).q_H for x in (b, more, even_more))
    assert q1 <= q0 + 1e-9
    assert q2 <= q1 + 1e-9


@SETTINGS
@given(spec=block_specs(), climate=climates(), factor=st.floats(0.1, 1.0))
def test_lower_window_K_at_same_shgc_never_raises_q_H(spec, climate, factor):
    b = expand_block(spec, "b", DATA)
    better = replace(
        b,
        elements=tuple(
            replace(e, K=e.K * factor) if e.kind.value == "window" else e for e in b.elements
        ),
    )
    assert assess(better, climate, data=DATA).q_H <= assess(b, climate, data=DATA).q_H + 1e-9


@SETTINGS
@given(spec=block_specs(), climate=climates(), warmer=st.floats(0.1, 8.0))
def test_warmer_t_e_lowers_q_H(spec, climate, warmer):
    b = expand_block(spec, "b", DATA)
    cold = assess(b, climate, data=DATA)
    warm = assess(b, replace(climate, t_e=climate.t_e + warmer), data=DATA)
    # q_H is a demand, clipped at 0 (heat_index.heating_demand): strictly lower while there
    # is a demand, and still none when the colder climate already needed none
    if cold.q_H > 0:
        assert warm.q_H < cold.q_H
    else:
        assert warm.q_H == 0.0
    for t in ("q_Hq", "q_Hw", "q_Hd", "q_INF"):
        assert warm.terms[t] <= cold.terms[t] + 1e-12


@SETTINGS
@given(spec=block_specs(), climate=climates())
def test_no_change_gives_eta_zero(spec, climate):
    b = expand_block(spec, "b", DATA)
    same = apply_measures(b, [], "m", DATA)
    q0 = assess(b, climate, data=DATA).q_H
    q1 = assess(same, climate, data=DATA).q_H
    assert float(eta(q0, q1)) == 0.0


def test_eta_definition():
    assert float(eta(40.0, 28.0)) == pytest.approx(0.3)


# ---------------------------------------------------------------------------------------
# q_H is a heating demand, for any building, retrofit and climate, in both paths


def _check_demand(a):
    assert a.q_H >= 0.0
    for k, v in a.seasonal.items():
        assert v >= 0.0, k
    if "q_H_unclipped" in a.terms:
        assert a.terms["q_H_unclipped"] < 0 and a.q_H == 0.0 and a.notes
    else:
        assert a.q_H == pytest.approx(a.terms["q_HT"] + a.terms["q_INF"] - a.terms["q_IH"])


def _sunny_block(window):
    return {
        "format": "block",
        "length": 40.0,
        "depth": 10.0,
        "storeys": 4,
        "storey_height": 2.8,
        "wwr": {"front": 0.6, "back": 0.1},
        "floor": "ground",
        "air_changes": 0.3,
        "constructions": {
            "wall": {"K": 0.3},
            "roof": {"K": 0.2},
            "window": window,
            "floor": {"K": 0.3},
        },
    }


_SUNNY = Climate(
    name="mild and sunny",
    zone="2A",
    HDD18=3000.0,
    CDD26=0.0,
    Z=100.0,
    t_e=8.0,
    I_H=300.0,
    I_S=350.0,
    I_E=200.0,
    I_W=200.0,
    I_N=100.0,
    provenance=ClimateProvenance(ClimateKind.ESTIMATED, "test", "estimate—check"),
)
_GLAZE = [{"measure": "replace_windows", "K": 0.8, "shgc": 0.6}]


@settings(max_examples=80, deadline=None)
@given(spec=block_specs(), climate=any_climates(), measures=measure_lists())
# demand before, none after (η = 1): clipping is always exercised, not left to chance
@example(spec=_sunny_block({"K": 5.8, "shgc": 0.05}), climate=_SUNNY, measures=_GLAZE)
# no demand even before (η reported 0, not passed)
@example(spec=_sunny_block({"K": 2.0, "shgc": 0.8}), climate=_SUNNY, measures=_GLAZE)
def test_any_retrofit_has_q_H_at_least_0_and_eta_at_most_1(spec, climate, measures):
    before = expand_block(spec, "b", DATA)
    after = apply_measures(before, measures, "measures", DATA)
    res = assess_retrofit(Retrofit("h", before, after), climate, data=DATA)
    _check_demand(res.before)
    _check_demand(res.after)
    event("q_H after clipped at 0" if res.after.q_H == 0 else "q_H after > 0")
    assert res.eta <= 1.0 and math.isfinite(res.eta)
    if res.before.q_H == 0.0:
        assert res.eta == 0.0 and not res.passed
    # the vectorised path: same clipped demand, same η, seasonal figures ≥ 0
    stock_b = StockArrays.from_buildings([before], climate=climate, data=DATA)
    stock_a = StockArrays.from_buildings([after], climate=climate, data=DATA)
    for stock, single in ((stock_b, res.before), (stock_a, res.after)):
        v = assess_stock(stock, climate, data=DATA)
        assert v.q_H[0] >= 0.0
        assert v.q_H[0] == pytest.approx(single.q_H, rel=1e-9, abs=1e-9)
        for k, arr in v.seasonal.items():
            assert arr[0] >= 0.0, k
    out = assess_retrofit_stock(stock_b, stock_a, climate, data=DATA)
    assert out["eta"][0] <= 1.0
    assert out["eta"][0] == pytest.approx(res.eta, rel=1e-9, abs=1e-9)
    assert bool(out["passed"][0]) == res.passed or abs(res.eta - 0.30) < 1e-9


@settings(max_examples=40, deadline=None)
@given(specs=st.lists(block_specs(), min_size=1, max_size=8), climate=any_climates())
def test_stock_q_H_never_negative(specs, climate):
    stock = StockArrays.from_buildings([expand_block(s, "b", DATA) for s in specs], data=DATA)
    res = assess_stock(stock, climate, data=DATA)
    assert (res.q_H >= 0).all()
    assert np.array_equal(res.q_H, np.maximum(res.terms["q_H_unclipped"], 0.0))
    for k, arr in res.seasonal.items():
        assert (arr >= 0).all(), k


@settings(max_examples=15, deadline=None)
@given(spec=block_specs(), climate=any_climates())
@example(spec=_sunny_block({"K": 5.8, "shgc": 0.05}), climate=_SUNNY)
def test_optimiser_packages_have_q_H_at_least_0_and_eta_at_most_1(spec, climate):
    from jigai.engine.optimiser import optimise_building

    o = optimise_building(expand_block(spec, "b", DATA), climate, data=DATA)
    q_after, _ = o._grid
    assert (q_after >= 0).all()
    assert (o.eta <= 1.0).all() or o.q_H_before == 0.0
