"""Package rules of a programme year (阳政办发〔2023〕36号 二（二）3): required groups with
their limit exemptions and exceptions, the façade line, what blocks, and bad rules tables."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from jigai.engine import StockArrays, climate_for_city, default_data, expand_block
from jigai.engine.fire import FireContext, wall_allowed
from jigai.engine.measures import PACKAGE_GROUPS, load_catalogue
from jigai.engine.optimiser import Exemption, FireArrays, optimise_building, package_choice
from jigai.engine.policy import (
    NO_RULES,
    PolicyError,
    load_policy,
    parse_policy,
    shipped_policy,
)
from jigai.engine.stock_optimiser import optimise_stock

from .conftest import EXAMPLES, load_example
from .strategies import block_specs, climates

DATA = default_data()
TAIYUAN = climate_for_city("太原")
YANGQUAN = climate_for_city("阳泉")
RULES = shipped_policy()
GROUPS = [g.value for g in PACKAGE_GROUPS]


def _block_doc(**changes):
    doc = json.loads((EXAMPLES / "block_4storey_heated_stair.json").read_text(encoding="utf-8"))
    before = dict(doc["before"])
    cons = {**before["constructions"], **changes.pop("constructions", {})}
    before.update(changes, constructions=cons)
    return before


def _block(**changes):
    return expand_block(_block_doc(**changes), "before", DATA)


def test_shipped_rules_are_the_plans_words():
    assert [g.value for g in RULES.required] == ["wall", "roof", "window"]
    assert [g.value for g in RULES.optional] == ["basement_ceiling", "door", "airtightness"]
    assert RULES.exempt_when_meeting_limit is True
    assert RULES.facade_fen_per_m2 == 3000  # 30.00 yuan per m² of façade
    assert "二（二）3" in RULES.source
    assert "estimate" in RULES.facade_source


def test_facade_line_is_price_times_gross_facade():
    # 36 m × 12 m block, 4 storeys × 3.0 m: façade = 2 × (36 + 12) × 12 = 1152 m² (openings
    # included); 1152 m² × 30.00 yuan = 34,560.00 yuan = 3,456,000 fen, in every package.
    o = optimise_building(_block(), TAIYUAN, policy=RULES)
    p = o.least_cost
    assert dict(zip(p.line_groups, (f for _, f in p.lines), strict=True))["facade"] == 3_456_000
    assert p.fen_of("facade") == 3_456_000
    for i in o.feasible_index[:50]:
        assert o.package(int(i)).fen_of("facade") == 3_456_000
    assert sum(f for _, f in p.lines) == p.cost_fen


@pytest.mark.parametrize(
    ("name", "climate"),
    [("walkup_brick_6storey.json", YANGQUAN), ("block_4storey_heated_stair.json", TAIYUAN)],
)
def test_least_cost_is_the_cheapest_package_with_every_required_group(name, climate):
    b = load_example(name).before
    with_rules = optimise_building(b, climate, policy=RULES)
    free = optimise_building(b, climate, policy=NO_RULES)  # same six groups, same indices
    assert [r["code"] for r in with_rules.rules] == [Exemption.REQUIRED] * 3
    dims = free._eff.dims
    best = None
    for i, eta, cost in zip(free.feasible_index, free.eta, free.cost_fen, strict=True):
        w, x, _d, r, _bc, _air = package_choice(int(i), dims)
        if w and x and r and eta >= 0.30 - 1e-12 and (best is None or cost < best[1]):
            best = (int(i), int(cost))
    facade = with_rules.least_cost.fen_of("facade")
    assert with_rules.least_cost.cost_fen == best[1] + facade
    assert {"wall", "roof", "window", "facade"} <= set(with_rules.least_cost.line_groups)
    # the package without rules (new windows + basement ceiling for the walk-up) is not allowed
    assert free.least_cost.cost_fen < with_rules.least_cost.cost_fen - facade


def test_walls_meeting_their_limit_are_exempt():
    # K 0.30 ≤ 0.45, the 2A limit for walls of ≥ 4 storeys: no wall work needed
    b = _block(constructions={"wall": {"K": 0.30}})
    o = optimise_building(b, TAIYUAN, policy=RULES)
    rules = {r["rule"]: r for r in o.rules}
    assert rules["require_wall"]["code"] == Exemption.MEETS_LIMIT
    assert rules["require_roof"]["code"] == Exemption.REQUIRED
    assert all(
        e["K"] == pytest.approx(0.30) and e["K_max"] >= 0.30
        for e in rules["require_wall"]["elements"]
    )
    assert {e["limit"] for e in rules["require_wall"]["elements"]} != {""}
    assert "wall" not in o.least_cost.line_groups  # the cheapest passing package skips walls
    # the same building with K 1.70 walls must have wall work
    o2 = optimise_building(_block(), TAIYUAN, policy=RULES)
    assert "wall" in o2.least_cost.line_groups


def test_an_exception_lifts_one_rule():
    b = load_example("walkup_brick_6storey.json").before
    full = optimise_building(b, YANGQUAN, policy=RULES)
    lifted = optimise_building(b, YANGQUAN, policy=RULES, lifted={"require_roof"})
    codes = {r["rule"]: r["code"] for r in lifted.rules}
    assert codes == {
        "require_wall": Exemption.REQUIRED,
        "require_roof": Exemption.LIFTED,
        "require_window": Exemption.REQUIRED,
    }
    assert lifted.least_cost.cost_fen <= full.least_cost.cost_fen
    assert {"wall", "window"} <= set(lifted.least_cost.line_groups)


def test_public_buildings_have_no_required_group_but_pay_the_facade():
    o = optimise_building(load_example("public_office_detailed.json").before, TAIYUAN, policy=RULES)
    assert {r["code"] for r in o.rules} == {Exemption.NOT_RESIDENTIAL}
    assert o.least_cost.fen_of("facade") > 0


def _without_roofs(tmp_path):
    cat = load_catalogue()
    ids = [m.id for m in cat.measures if m.group.value == "roof"]
    header = "id,group,name_zh,combustion_class,unit,life_years,source,confidence,cost_yuan,enabled"
    rows = [f"{i},roof,x,A,m2,1,x,assumption,0,false" for i in ids]
    p = tmp_path / "no_roofs.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return load_catalogue(overrides=[p])


def test_rule_that_blocks_is_named(tmp_path):
    cat = _without_roofs(tmp_path)
    b = load_example("walkup_brick_6storey.json").before
    o = optimise_building(b, YANGQUAN, policy=RULES, catalogue=cat)
    assert o.least_cost is None and o.best is None  # every package would need roof work
    assert [r["rule"] for r in o.blocking] == ["require_roof"]
    assert o.blocking[0]["eta_without"] >= 0.30
    assert o.feasible_index.size == 0
    # stock path: same verdict, no package, the rule named
    stock = StockArrays.from_buildings([b], data=DATA)
    res = optimise_stock(
        stock,
        YANGQUAN,
        FireArrays.of([FireContext(residential=True, height_m=16.8)]),
        catalogue=cat,
        policy=RULES,
        storeys=np.array([b.storeys]),
    )
    assert res.package_index[0] == -1 and not res.passed[0]
    assert res.blocking[0] == "require_roof"
    assert res.labels()[0] == "" and res.cost_fen[0] == 0 and np.isnan(res.eta[0])


def test_threshold_that_blocks_is_named():
    o = optimise_building(
        load_example("walkup_brick_6storey.json").before, YANGQUAN, policy=RULES, threshold=0.99
    )
    assert o.least_cost is None and o.best is not None
    assert [r["rule"] for r in o.blocking] == ["eta_threshold"]
    assert o.blocking[0]["best_eta"] == pytest.approx(o.best.eta)


def test_stock_path_applies_the_same_rules_and_exemptions():
    blds = [
        load_example("walkup_brick_6storey.json").before,
        _block(),
        _block(constructions={"wall": {"K": 0.30}}),
        load_example("public_office_detailed.json").before,
    ]
    ctxs = [
        FireContext(residential=True, height_m=16.8),
        FireContext(residential=True, height_m=12.0),
        FireContext(residential=True, height_m=12.0),
        FireContext(residential=False, height_m=10.8),
    ]
    stock = StockArrays.from_buildings(blds, data=DATA)
    lifted = {"require_roof": np.array([True, False, False, False])}
    res = optimise_stock(
        stock,
        TAIYUAN,
        FireArrays.of(ctxs),
        policy=RULES,
        lifted=lifted,
        storeys=np.array([b.storeys for b in blds]),
        max_cells=3000,
    )
    for i, (b, ctx) in enumerate(zip(blds, ctxs, strict=True)):
        o = optimise_building(
            b,
            TAIYUAN,
            fire=ctx,
            policy=RULES,
            lifted={"require_roof"} if i == 0 else set(),
        )
        chosen = o.least_cost or o.best
        assert res.package_index[i] == chosen.index, i
        assert res.cost_fen[i] == chosen.cost_fen
        assert res.window_fen[i] == chosen.fen_of("window")
        assert res.eta[i] == pytest.approx(chosen.eta, abs=1e-9)


# ---------------------------------------------------------------------------------------
# bad rules tables: refused naming the row


@pytest.mark.parametrize(
    ("table", "field", "words"),
    [
        ({"source": "s", "required": ["wall", "chimney"]}, "package_rules.required[1]", "unknown"),
        (
            {"source": "s", "facade_yuan_per_m2": "-5"},
            "package_rules.facade_yuan_per_m2",
            "negative",
        ),
        ({"source": "s", "facade_yuan_per_m2": "abc"}, "package_rules.facade_yuan_per_m2", ""),
        (
            {"source": "s", "required": ["wall"], "optional": ["wall"]},
            "package_rules.optional",
            "both",
        ),
        (
            {"source": "s", "exempt_when_meeting_limit": "yes"},
            "package_rules.exempt_when_meeting_limit",
            "",
        ),
        ({"required": ["wall"]}, "package_rules.source", "clause"),
        ({"source": "s", "colour": "red"}, "package_rules.colour", "unknown"),
        ({"source": "s", "facade_yuan_per_m2": "30"}, "package_rules.facade_source", ""),
        (
            {"source": "s", "required": ["fire_barrier_floor"]},
            "package_rules.required[0]",
            "unknown",
        ),
        ([], "package_rules", "mapping"),
    ],
)
def test_bad_rules_are_refused_naming_the_row(table, field, words):
    with pytest.raises(PolicyError) as e:
        parse_policy(table)
    assert e.value.field == field
    assert words in e.value.message


def test_policy_file_forms(tmp_path):
    prog = tmp_path / "prog.yaml"
    prog.write_text(
        "year: 2024\npackage_rules:\n  source: test clause\n  required: [roof]\n"
        "  optional: [wall]\n  facade_fen_per_m2: 1234\n  facade_source: test\n",
        encoding="utf-8",
    )
    p = load_policy(prog)
    assert [g.value for g in p.required] == ["roof"] and p.facade_fen_per_m2 == 1234
    assert not p.allowed(PACKAGE_GROUPS[1])  # windows not offered at all
    o = optimise_building(load_example("walkup_brick_6storey.json").before, YANGQUAN, policy=p)
    assert o._eff.dims[1] == 1  # the window group has only "no measure"
    with pytest.raises(PolicyError):
        load_policy(tmp_path / "missing.yaml")


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "jigai.cli", *args], capture_output=True, text=True, check=False
    )


def test_cli_json_names_each_lines_group_and_the_rules(tmp_path):
    r = _cli("optimise", str(EXAMPLES / "walkup_brick_6storey.json"), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    groups = {line["group"] for line in d["least_cost"]["lines"]}
    assert {"wall", "roof", "window", "facade", "fire"} <= groups
    assert groups <= {*GROUPS, "facade", "fire"}
    assert [x["rule"] for x in d["rules_applied"]] == [
        "require_wall",
        "require_roof",
        "require_window",
    ]
    assert d["package_rules"]["facade_fen_per_m2"] == 3000
    bad = tmp_path / "bad.yaml"
    bad.write_text("package_rules:\n  source: x\n  required: [wall, chimney]\n", encoding="utf-8")
    r = _cli("optimise", str(EXAMPLES / "walkup_brick_6storey.json"), "--policy", str(bad))
    assert r.returncode == 2 and r.stdout == ""
    assert "package_rules.required[1]" in r.stderr and "chimney" in r.stderr
    r = _cli("optimise", str(EXAMPLES / "walkup_brick_6storey.json"), "--lift", "require_moon")
    assert r.returncode == 2 and "require_moon" in r.stderr


# ---------------------------------------------------------------------------------------
# invariant: the least-cost package meets every rule


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=block_specs(), climate=climates())
def test_least_cost_package_meets_every_rule(spec, climate):
    b = expand_block(spec, "b", DATA)
    ctx = FireContext(
        residential=spec["building_type"] == "residential",
        height_m=spec["storeys"] * spec["storey_height"],
    )
    o = optimise_building(b, climate, fire=ctx, policy=RULES)
    p = o.least_cost
    if p is None:
        assert o.blocking
        return
    assert p.eta >= o.threshold - 1e-12
    for r in o.rules:
        if r["code"] == Exemption.REQUIRED:
            assert r["group"] in p.line_groups
    w = next(
        (i for i in p.measure_ids if i in {m.id for m in o._cat.options(PACKAGE_GROUPS[0])}), None
    )
    if w is not None:
        assert wall_allowed(ctx, o._cat.by_id(w).combustion_class)
    assert p.fen_of("facade") == round(3000 * o._env.quantities["facade"][0])


def test_an_identical_window_is_no_retrofit():
    # existing PVC clear double glazing K 2.7 (windows.csv): the catalogue's win_pvc_clear
    # (same type) would change nothing, so it is never offered; the window rule is met by a
    # better window (K < 2.7), since K 2.7 exceeds the window limit
    b = _block(constructions={"window": {"type": "pvc_double_clear"}})
    o = optimise_building(b, TAIYUAN, policy=RULES)
    ids = {i for k in o.feasible_index for i in o.package(int(k)).measure_ids}
    assert "win_pvc_clear" not in ids
    win = [i for i in o.least_cost.measure_ids if i.startswith("win_")]
    assert len(win) == 1 and o._cat.by_id(win[0]).K < 2.7
