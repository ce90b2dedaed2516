"""The vectorised path gives the single-building numbers (1e-9) without a loop per building."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jigai.engine import (
    StockArrays,
    apply_measures,
    assess,
    assess_stock,
    climate_for_city,
    default_data,
    expand_block,
    list_cities,
)
from jigai.engine.constructions import K_add_layer
from jigai.engine.vector import CLASS_INDEX, ClimateArrays, assess_retrofit_stock, climate_arrays

from .conftest import YANGQUAN, load_example
from .strategies import block_specs, climates

DATA = default_data()
TOL = 1e-9


def _compare(buildings, climate):
    stock = StockArrays.from_buildings(buildings, data=DATA)
    res = assess_stock(stock, climate, data=DATA, chunk=7)  # small chunks exercise the slicing
    cl = climate if isinstance(climate, list) else [climate] * len(buildings)
    for i, b in enumerate(buildings):
        single = assess(b, cl[i], data=DATA)
        for t, v in single.terms.items():
            assert res.terms[t][i] == pytest.approx(v, rel=TOL, abs=TOL), (i, t)
        for k, v in single.seasonal.items():
            assert res.seasonal[k][i] == pytest.approx(v, rel=TOL, abs=TOL), (i, k)


@settings(max_examples=25, deadline=None)
@given(specs=st.lists(block_specs(), min_size=1, max_size=20), climate=climates())
def test_vector_equals_single_random_blocks(specs, climate):
    _compare([expand_block(s, "b", DATA) for s in specs], climate)


def test_vector_equals_single_examples_and_per_building_climates():
    bs = []
    for f in (
        "walkup_brick_6storey.json",
        "block_4storey_heated_stair.json",
        "public_office_detailed.json",
    ):
        r = load_example(f)
        bs += [r.before, r.after]
    cities = list_cities()
    _compare(bs, [cities[i % len(cities)] for i in range(len(bs))])
    _compare(bs, YANGQUAN)


def test_mixed_given_and_derived_epsilon_needs_climate():
    r = load_example("public_office_detailed.json")
    b = r.before
    from dataclasses import replace

    # a second south wall without ε: class WALL_S now mixes given (0.85) and derived ε
    extra = replace(b.elements[0], id="wall-S2", epsilon=None, area=50.0)
    b2 = replace(b, elements=(*b.elements, extra))
    with pytest.raises(Exception, match="mixes given and derived"):
        StockArrays.from_buildings([b2])
    stock = StockArrays.from_buildings([b2], climate=YANGQUAN)
    assert assess_stock(stock, YANGQUAN).q_H[0] == pytest.approx(assess(b2, YANGQUAN).q_H, rel=TOL)


def test_optimiser_style_column_update_matches_measure():
    """Varying K of one element class in the arrays equals applying the measure."""
    r = load_example("walkup_brick_6storey.json")
    b = r.before
    stock = StockArrays.from_buildings([b] * 4).repeat(3)  # 4 buildings × 3 packages
    d = np.tile([0.0, 0.05, 0.10], 4)
    eps_m = DATA.material("eps")
    K = stock.K.copy()
    for name in ("WALL_S", "WALL_E", "WALL_W", "WALL_N", "SWALL_N"):
        i = CLASS_INDEX[name]
        K[:, i] = np.where(
            d > 0, K_add_layer(K[:, i], np.maximum(d, 1e-300), eps_m.lambda_, eps_m.alpha), K[:, i]
        )
    from dataclasses import replace

    res = assess_stock(replace(stock, K=K), YANGQUAN)
    for j, dj in enumerate([0.0, 0.05, 0.10]):
        bb = (
            b
            if dj == 0
            else apply_measures(
                b,
                [
                    {
                        "measure": "add_insulation",
                        "elements": "walls",
                        "material": "eps",
                        "thickness": dj,
                    }
                ],
                "m",
                DATA,
            )
        )
        assert res.q_H[j] == pytest.approx(assess(bb, YANGQUAN).q_H, rel=TOL)
    assert np.all(np.diff(res.q_H[:3]) < 0)


def test_retrofit_stock_eta():
    r = load_example("walkup_brick_6storey.json")
    before = StockArrays.from_buildings([r.before] * 3)
    after = StockArrays.from_buildings([r.after] * 3)
    out = assess_retrofit_stock(before, after, YANGQUAN)
    assert out["eta"] == pytest.approx([0.7764014227608645] * 3, rel=TOL)  # reference case 1
    assert out["passed"].all()


def test_large_random_stock_chunks_agree_with_subsets():
    rng = np.random.default_rng(1)
    b = load_example("walkup_brick_6storey.json").before
    stock = StockArrays.from_buildings([b]).take(np.zeros(50_000, dtype=int))
    from dataclasses import replace

    stock2 = replace(stock, K=stock.K * rng.uniform(0.5, 1.5, stock.K.shape))
    ca = climate_arrays(YANGQUAN, stock.n)
    ca2 = ClimateArrays(ca.t_e + rng.uniform(-3, 3, stock.n), ca.Z, np.array(ca.I))
    res = assess_stock(stock2, ca2)  # default chunk 65 536 > N: one chunk
    res_small = assess_stock(stock2, ca2, chunk=4096)
    np.testing.assert_allclose(res_small.q_H, res.q_H, rtol=1e-12)
    idx = np.array([0, 17, 49_999])
    sub = assess_stock(stock2.take(idx), ClimateArrays(ca2.t_e[idx], ca2.Z[idx], ca2.I[idx]))
    np.testing.assert_allclose(sub.q_H, res.q_H[idx], rtol=1e-12)
    assert np.isfinite(res.q_H).all()


def test_dataframe_roundtrip():
    pd = pytest.importorskip("pandas")
    bs = [
        load_example("public_office_detailed.json").before,
        load_example("walkup_brick_6storey.json").before,
    ]
    stock = StockArrays.from_buildings(bs)
    df = stock.to_dataframe()
    assert isinstance(df, pd.DataFrame)
    back = StockArrays.from_dataframe(df)
    np.testing.assert_array_equal(
        assess_stock(back, YANGQUAN).q_H, assess_stock(stock, YANGQUAN).q_H
    )
    out = assess_stock(stock, YANGQUAN).to_dataframe()
    assert list(out.columns)[:9] == [
        "q_Hq",
        "q_Hw",
        "q_Hd",
        "q_Hmc",
        "q_Hy",
        "q_HT",
        "q_INF",
        "q_IH",
        "q_H",
    ]


def test_stock_validation_names_building_and_class():
    b = load_example("walkup_brick_6storey.json").before
    stock = StockArrays.from_buildings([b, b])
    F = stock.F.copy()
    F[1, CLASS_INDEX["ROOF"]] = -1
    from dataclasses import replace

    with pytest.raises(Exception, match=r"stock.F\[1, ROOF\]"):
        replace(stock, F=F).validate()


def test_city_climate_vector():
    c = climate_for_city("yangquan")
    ca = climate_arrays(c, 3)
    assert ca.I.shape == (3, 5) and ca.t_e[0] == c.t_e
