"""The optimiser: exact enumeration, identical to the engine's single-building assess (1e-9),
fire rules never broken, costs in exact fen."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from jigai.engine import apply_measures, assess, climate_for_city, default_data, expand_block
from jigai.engine.fire import FireContext, needs_fire_rated_openings, wall_allowed
from jigai.engine.measures import MeasureGroup, default_catalogue, load_catalogue
from jigai.engine.optimiser import FireArrays, optimise_building, package_choice, pareto_front
from jigai.engine.stock_optimiser import optimise_stock

from .conftest import EXAMPLES, YANGQUAN, load_example

DATA = default_data()
CAT = default_catalogue()
TOL = 1e-9
REFERENCE = sorted(p.name for p in EXAMPLES.glob("*.json"))


def _engine_eta(before, package, climate):
    after = apply_measures(before, package.engine_measures(CAT), "measures", DATA)
    return 1.0 - assess(after, climate, data=DATA).q_H / assess(before, climate, data=DATA).q_H


@pytest.mark.parametrize("name", REFERENCE)
def test_packages_equal_engine_assess(name):
    r = load_example(name)
    o = optimise_building(r.before, YANGQUAN)
    assert o.q_H_before == pytest.approx(assess(r.before, YANGQUAN).q_H, rel=1e-12)
    sample = [int(i) for i in o.feasible_index[:: max(1, o.feasible_index.size // 40)]]
    pkgs = [o.package(i) for i in sample] + list(o.pareto) + [o.best]
    if o.least_cost:
        pkgs.append(o.least_cost)
    for p in pkgs:
        assert p.eta == pytest.approx(_engine_eta(r.before, p, YANGQUAN), abs=TOL), p.label
        assert sum(f for _, f in p.lines) == p.cost_fen
        assert all(isinstance(f, int) for _, f in p.lines)


@pytest.mark.parametrize("name", REFERENCE)
def test_least_cost_and_pareto_are_right(name):
    o = optimise_building(load_example(name).before, YANGQUAN)
    passing = o.eta >= o.threshold - 1e-12
    assert o.least_cost is not None
    assert o.least_cost.cost_fen == o.cost_fen[passing].min()
    assert o.least_cost.eta >= 0.30
    assert o.best.eta == pytest.approx(o.eta.max(), abs=0)
    # Pareto: ascending cost, strictly ascending η, and nothing dominates a front member
    costs = [p.cost_fen for p in o.pareto]
    etas = [p.eta for p in o.pareto]
    assert costs == sorted(costs) and all(b > a for a, b in zip(etas, etas[1:], strict=False))
    for p in o.pareto:
        assert not np.any((o.cost_fen <= p.cost_fen) & (o.eta > p.eta))


def test_pareto_front_helper():
    cost = np.array([5, 1, 3, 3, 9, 2])
    eta = np.array([0.5, 0.1, 0.4, 0.3, 0.5, 0.05])
    assert pareto_front(cost, eta).tolist() == [1, 2, 0]


def test_no_package_reaches_and_budget():
    r = load_example("walkup_brick_6storey.json")
    o = optimise_building(r.before, YANGQUAN, threshold=0.99, budget_fen_per_m2=10_000)
    assert o.least_cost is None
    assert o.best.eta == o.eta.max() < 0.99
    assert o.budget_fen == 10_000 * 3024
    wb = o.within_budget
    under = o.cost_fen <= o.budget_fen
    assert wb.cost_fen <= o.budget_fen and wb.eta == o.eta[under].max()
    d = o.to_dict()
    assert d["least_cost"] is None and d["engine_version"].startswith("jigai-engine")
    assert d["climate"]["provenance"]["kind"] == "estimated"
    assert d["catalogue"]["sha256"] == CAT.digest


SMALL = """\
id,group,name_zh,material,thickness_m,window,N_after,delta_K,combustion_class,fire_integrity_h,unit,unit_area_m2,cost_yuan,life_years,source,confidence
w_eps,wall,EPS,eps,0.08,,,0,B1,,m2,,140.00,25,t,assumption
w_eps2,wall,EPS B2,eps,0.10,,,0.02,B2,,m2,,120.50,25,t,assumption
w_rw,wall,RW,rock_wool,0.10,,,0,A,,m2,,230.00,25,t,assumption
w_b3,wall,B3 foam,eps,0.10,,,0,B3,,m2,,10.00,25,t,assumption
x_pvc,window,PVC,,,pvc_lowe_double,,,,0,m2,,520.00,25,t,assumption
x_fr,window,FR,,,alu_tb_lowe_double,,,,0.5,m2,,880.00,25,t,assumption
d_ins,door,door,,,insulated_door,,,,0,each,2.1,1800.00,20,t,assumption
d_fr,door,fire door,,,insulated_door,,,,1.0,each,2.1,2600.00,20,t,assumption
r_xps,roof,XPS,xps,0.08,,,0,B1,,m2,,130.00,20,t,assumption
bc,basement_ceiling,RW,rock_wool,0.05,,,0,A,,m2,,95.00,30,t,assumption
air,airtightness,air,,,,0.45,,,,m2_floor,,6.00,10,t,assumption
band,fire_barrier_floor,band,rock_wool,,,,,A,,m,,45.00,25,t,assumption
edge,fire_barrier_roof_edge,edge,rock_wool,,,,,A,,m,,60.00,25,t,assumption
"""


def _block(storeys, *, use="residential"):
    doc = json.loads((EXAMPLES / "walkup_brick_6storey.json").read_text(encoding="utf-8"))
    b = dict(doc["before"], storeys=storeys, building_type=use)
    return expand_block(b, "before", DATA), b


@pytest.mark.parametrize(("storeys", "residential"), [(6, True), (13, True), (8, False)])
def test_exact_enumeration_equals_brute_force(tmp_path, storeys, residential):
    """Every combination by hand: the engine's η, hand-made costs and §6.7 feasibility."""
    path = tmp_path / "small.csv"
    path.write_text(SMALL, encoding="utf-8")
    cat = load_catalogue(path)
    bld, doc = _block(storeys, use="residential" if residential else "public")
    height = storeys * doc["storey_height"]
    ctx = FireContext(residential=residential, height_m=height)
    o = optimise_building(bld, YANGQUAN, fire=ctx, catalogue=cat)
    q0 = assess(bld, YANGQUAN).q_H
    L, D, n = doc["length"], doc["depth"], storeys
    areas = {"wall": 0.0, "window": 0.0, "door": 0.0}
    for e in bld.elements:
        if e.kind.value in areas:
            areas[e.kind.value] += bld.net_area(e)
    qty = {
        "wall": areas["wall"],
        "window": areas["window"],
        "door": math.ceil(areas["door"] / 2.1 - 1e-9),
        "roof": L * D,
        "basement_ceiling": L * D,
        "airtightness": L * D * n,
    }

    def fen(rate, q):
        return math.floor(rate * q + 0.5)

    groups = [
        (None, *[m for m in cat.measures if m.group is g])
        for g in (
            MeasureGroup.WALL,
            MeasureGroup.WINDOW,
            MeasureGroup.DOOR,
            MeasureGroup.ROOF,
            MeasureGroup.BASEMENT_CEILING,
            MeasureGroup.AIRTIGHTNESS,
        )
    ]
    feasible = {}
    for idx, combo in enumerate(itertools.product(*groups)):
        w, x, d, r, bc, air = combo
        if w is not None and not wall_allowed(ctx, w.combustion_class):
            continue
        combustible = w is not None and w.combustion_class.value in ("B1", "B2")
        unrated = x is None or x.fire_integrity_h < 0.5 or d is None or d.fire_integrity_h < 0.5
        if (
            combustible
            and needs_fire_rated_openings(residential, height, w.combustion_class.rank)
            and unrated
        ):
            continue
        cost = sum(fen(m.cost_fen, qty[m.group.value]) for m in combo if m is not None)
        if combustible:
            cost += fen(4500, 2 * (L + D) * n)
            if r is not None:
                cost += fen(6000, 2 * (L + D))
        after = apply_measures(bld, [m.engine_measure() for m in combo if m is not None], "m", DATA)
        feasible[idx] = (1 - assess(after, YANGQUAN).q_H / q0, cost)
    assert set(o.feasible_index.tolist()) == set(feasible)
    for i, e, c in zip(o.feasible_index, o.eta, o.cost_fen, strict=True):
        assert e == pytest.approx(feasible[int(i)][0], abs=TOL)
        assert int(c) == feasible[int(i)][1]
    passing = {i: v for i, v in feasible.items() if v[0] >= 0.30 - 1e-12}
    best_cost = min(v[1] for v in passing.values())
    assert o.least_cost.cost_fen == best_cost
    # no B3, ever; fire-rated openings whenever §6.7.7-1 asks for them
    for i in o.feasible_index:
        ids = o.package(int(i)).measure_ids
        assert "w_b3" not in ids
        if storeys == 13 and ("w_eps" in ids or "w_eps2" in ids):
            assert "x_fr" in ids and "d_fr" in ids
        if storeys == 6 and "w_eps2" in ids:  # B2 on residential ≤ 27 m needs them too
            assert "x_fr" in ids and "d_fr" in ids


def test_high_rise_allows_only_class_A_walls():
    bld, _ = _block(13)
    o = optimise_building(bld, YANGQUAN, fire=FireContext(residential=True, height_m=101.0))
    walls = {m for i in o.feasible_index for m in package_choice(int(i), o._eff.dims)[:1] if m}
    assert {o._eff.options[0][j].combustion_class.value for j in walls} == {"A"}


def test_stock_path_equals_single_building_path():
    r1 = load_example("walkup_brick_6storey.json")
    r2 = load_example("block_4storey_heated_stair.json")
    r3 = load_example("public_office_detailed.json")
    from jigai.engine import StockArrays

    blds = [r1.before, r2.before, r3.before, r1.before]
    ctxs = [
        FireContext(residential=True, height_m=16.8),
        FireContext(residential=True, height_m=12.0),
        FireContext(residential=False, height_m=10.8),
        FireContext(residential=True, height_m=30.0),
    ]
    stock = StockArrays.from_buildings(blds, data=DATA)
    cl = climate_for_city("阳泉")
    res = optimise_stock(stock, cl, FireArrays.of(ctxs), budget_fen_per_m2=15_000, max_cells=5000)
    for i, (b, ctx) in enumerate(zip(blds, ctxs, strict=True)):
        o = optimise_building(b, cl, fire=ctx, budget_fen_per_m2=15_000)
        chosen = o.least_cost or o.best
        assert res.package_index[i] == chosen.index
        assert res.cost_fen[i] == chosen.cost_fen
        assert res.eta[i] == pytest.approx(chosen.eta, abs=TOL)
        assert res.passed[i] == (o.least_cost is not None)
        assert res.budget_index[i] == o.within_budget.index
        assert res.labels()[i] == chosen.label
    assert res.q_H_before.shape == (4,)
