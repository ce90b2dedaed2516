"""Assessing a chunk of surveyed buildings through the vectorised engine path.

``assess_chunk`` stores the same record as the single-building reference path
(``assessment.assess_one``) — inputs and digest, every term before and after, the seasonal
figures, the package with its cost lines, fire rules and Pareto front, the funding split,
the rules applied, the limit check after retrofit, engine version, climate provenance and
catalogue digest — equal to 1e-9 (``tests/platform/test_assessment_vector.py``), but runs the
package optimisation of the whole chunk as one ``optimise_stock`` (every county its own
climate, every building its own package-rule exemptions, storeys and fire context) and the
index before and after as two ``assess_stock`` calls.

Buildings whose record needs what only the single path explains go through ``assess_one``:
a building that reaches no package meeting the threshold (its ``blocking`` diagnosis names
the fire code and η without each rule), one exempt from a required group because its elements
meet the limit in force (the record lists each element against its limit), and one with no
heating demand before retrofit. The caller sends detailed envelopes and input errors there too.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from jigai.buildings.models import Assessment
from jigai.engine import apply_measures
from jigai.engine.fire import CROWDED_USES, FireContext, rules_zh
from jigai.engine.funding import FundingSplit, split_funding, split_funding_arrays
from jigai.engine.heat_index import TERMS
from jigai.engine.limits import check_limits
from jigai.engine.optimiser import Exemption, FireArrays, _rules_applied, package_choice
from jigai.engine.stock_optimiser import optimise_stock
from jigai.engine.vector import StockArrays, assess_stock, climate_arrays


def fire_context(b) -> FireContext:
    """The fire context of a surveyed building (GB 50016-2014 §6.7; crowded uses §6.7.4)."""
    return FireContext(
        residential=b.is_residential, height_m=float(b.height_m), crowded=b.use in CROWDED_USES
    )


def limit_check(before, after, zone: str) -> dict:
    """The advisory check of the retrofitted elements against the limits in force for the
    climate zone (``jigai.engine.limits.check_limits``), as stored in ``Assessment.after``
    under ``"limits"``: {"zone", "rows": [{id, class, orientation, K, K_max, ok, source,
    confidence, …}]} — one row per element whose K the package changed, plus the shape
    factor. The rows hold JSON values already (text, float, bool, None): copied, not
    converted."""
    orientation = {e.id: e.orientation for e in after.elements}
    rows = [
        {**row, "orientation": orientation.get(row["id"])}
        for row in check_limits(before, after, zone)
    ]
    return {"zone": zone, "rows": rows}


def _terms(res, i: int) -> dict:
    return {
        "terms": {k: float(res.terms[k][i]) for k in TERMS},
        "seasonal": {k: float(v[i]) for k, v in res.seasonal.items()},
        "geometry": None,
    }


def _label(index: int, options, cache: dict) -> str:
    if index not in cache:
        choice = package_choice(index, tuple(len(o) for o in options))
        ids = [options[g][j] for g, j in enumerate(choice) if j]
        cache[index] = "+".join(ids) if ids else "none"
    return cache[index]


def assess_chunk(items, programme, *, catalogue, data, base_of, single) -> list[Assessment]:
    """Assessments (not saved) of ``items`` = [(building, climate, lifted rules, prepared)]
    whose prepared engine building is a block (no error). ``base_of(item)`` gives the fields
    every record shares; ``single(item)`` assesses one item through ``assess_one``."""
    if not items:
        return []
    n = len(items)
    blds = [it[3][2] for it in items]
    climates = [it[1] for it in items]
    stock = StockArrays.from_buildings(blds, data=data)
    ca = climate_arrays(climates, n)
    zones = [c.zone for c in climates]
    ctxs = [fire_context(it[0]) for it in items]
    fire = FireArrays.of(ctxs)
    rule_names = sorted({r for it in items for r in it[2]})
    lifted = {r: np.array([r in it[2] for it in items]) for r in rule_names}
    storeys = np.array([bld.storeys for bld in blds])
    policy = programme.package_policy
    opt = optimise_stock(
        stock,
        ca,
        fire,
        catalogue=catalogue,
        threshold=float(programme.min_improvement),
        policy=policy,
        lifted=lifted or None,
        storeys=storeys,
        zone=zones,
        data=data,
        detail=True,
    )
    meets = np.zeros(n, dtype=bool)
    for c in opt.codes.values():
        meets |= c == Exemption.MEETS_LIMIT
    vector = opt.passed & ~meets & (opt.q_H_before > 0)
    # after the package: each building's retrofitted elements (kept for the limit check)
    afters = [
        apply_measures(bld, opt.packages[i].engine_measures(catalogue), "package", data)
        if vector[i]
        else bld
        for i, bld in enumerate(blds)
    ]
    before = assess_stock(stock, ca, data=data)
    after = assess_stock(StockArrays.from_buildings(afters, data=data), ca, data=data)
    area = np.array([float(it[0].floor_area_m2) for it in items])
    residential = fire.residential
    rates = programme.funding_rates
    split = split_funding_arrays(
        opt.cost_fen, area, residential, opt.window_fen, rates=rates
    )  # (buildings the single path takes over are split there)
    clause = {
        r: split_funding(0, floor_area_m2=0, residential=r, window_fen=0, rates=rates).clause
        for r in (True, False)
    }
    policy_dict = policy.to_dict()
    labels: dict[int, str] = {}
    fire_text: dict[FireContext, str] = {}
    out = []
    for i, it in enumerate(items):
        if not vector[i]:
            out.append(single(it))
            continue
        climate, mine = it[1], it[2]
        pkg = opt.packages[i]
        ctx = ctxs[i]
        if ctx not in fire_text:
            fire_text[ctx] = rules_zh(ctx)
        funding = FundingSplit(
            int(opt.cost_fen[i]),
            int(split["provincial_fen"][i]),
            int(split["owners_fen"][i]),
            int(split["county_fen"][i]),
            int(split["window_fen"][i]),
            bool(residential[i]),
            bool(split["provincial_capped"][i]),
            str(split["owners_limit"][i]),
            clause=clause[bool(residential[i])],
        )
        rules = {
            "policy": policy_dict,
            "applied": [
                dict(r)
                for r in _rules_applied(
                    None, policy, {g: c[i : i + 1] for g, c in opt.codes.items()}
                )
            ],
            "blocking": [],
            "lifted": sorted(mine),
        }
        out.append(
            Assessment(
                **base_of(it),
                before=_terms(before, i),
                after={**_terms(after, i), "limits": limit_check(blds[i], afters[i], climate.zone)},
                package={
                    **pkg.to_dict(),
                    "label": pkg.label,
                    "engine_measures": pkg.engine_measures(catalogue),
                    "fire_rules": fire_text[ctx],
                    "pareto": [
                        [cost, round(eta, 4), _label(idx, opt.options, labels)]
                        for idx, cost, eta in opt.pareto[i]
                    ],
                },
                funding=funding.to_dict(),
                q_h_before=Decimal(f"{opt.q_H_before[i]:.3f}"),
                eta=Decimal(f"{pkg.eta:.4f}"),
                reaches=True,
                cost_fen=pkg.cost_fen,
                rules=rules,
            )
        )
    return out
