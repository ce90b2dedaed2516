"""Assessing surveyed buildings with the engine and storing the results.

For each building: its survey row → the engine's block shorthand (gaps filled
from typology defaults, marked as assumed) → the JGJ 26 index before retrofit →
the least-cost package reaching the programme's threshold (or the best
achievable) under the fire code → the index after it, its cost and who pays.
A building whose inputs, engine and catalogue are unchanged is not re-assessed,
so a stored result is never silently recomputed differently.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jigai.audit import services as audit
from jigai.audit.services import jsonable
from jigai.buildings.models import Assessment, Building, PackageRuleException
from jigai.engine import (
    ENGINE_VERSION,
    apply_measures,
    assess,
    default_data,
    expand_block,
    heat_index,
    parse_building,
)
from jigai.engine.errors import EngineInputError
from jigai.engine.fire import FireContext
from jigai.engine.funding import RULE as FUNDING_RULE
from jigai.engine.funding import split_funding
from jigai.engine.limits import check_limits
from jigai.engine.measures import default_catalogue
from jigai.engine.optimiser import optimise_building
from jigai.programmes.climates import CountyClimates, climate_for_building
from jigai.stock.engine_input import block_from_row
from jigai.stock.schema import columns

# What a stored result holds beyond the engine's terms; part of the digest, so results
# stored before the record held the limit check are assessed again on the next run.
RECORD = "record: terms, package, funding, limit check"
CROWDED_USES = {"school", "hospital", "commercial"}  # GB 50016-2014 §6.7.4 (see engine.fire)


def survey_row(b: Building) -> dict:
    """A building as a row of the building table (the survey template's columns)."""
    row = {c.key: getattr(b, c.key, None) for c in columns()}
    row.update(
        county=b.division.name,
        street=b.community.street.short_name or b.community.street.name,
        community=b.community.name,
        community_renovation=b.community.old_community_renovation,
    )
    return row


def _digest(payload) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def lifted_rules(buildings, programme) -> dict[int, frozenset[str]]:
    """Per building id, the package rules its approved exceptions lift this year."""
    out: dict[int, set[str]] = {}
    for bid, rule in PackageRuleException.objects.filter(
        programme=programme, building__in=buildings
    ).values_list("building_id", "rule"):
        out.setdefault(bid, set()).add(rule)
    return {k: frozenset(v) for k, v in out.items()}


def prepare(
    b: Building, programme, *, climate, catalogue, data, lifted: frozenset[str] = frozenset()
) -> tuple[dict, str, object, str]:
    """(inputs, digest of everything the result depends on, engine building or None, error).
    The digest covers the programme's package rules and the rules lifted for ``b``."""
    row = jsonable(survey_row(b))
    threshold = str(programme.min_improvement)
    context = [
        ENGINE_VERSION,
        catalogue.provenance(),
        climate.to_dict(),
        threshold,
        programme.provincial_subsidy_fen_per_m2,
        programme.owner_contribution_fen_per_m2,
        programme.package_rules,
        sorted(lifted),
        RECORD,
        FUNDING_RULE,
    ]
    try:
        if b.envelope:  # a detailed survey of the envelope wins over the block shorthand
            building = parse_building(b.envelope, "envelope", data)
            inputs = {"row": row, "detailed": b.envelope, "assumed": []}
        else:
            block, assumed = block_from_row(row)
            building = expand_block(block, "building", data)
            inputs = {"row": row, "block": block, "assumed": assumed}
    except EngineInputError as exc:
        return {"row": row}, _digest([row, b.envelope, *context]), None, str(exc)
    return inputs, _digest([inputs, *context]), building, ""


def assess_one(
    b: Building,
    programme,
    *,
    climate=None,
    catalogue=None,
    data=None,
    prepared=None,
    lifted: frozenset[str] | None = None,
) -> Assessment:
    """The engine's result for one building (not saved): the least-cost package meeting the
    threshold, the fire code and the programme's package rules (with the rules an approved
    exception lifts), or — when none does — the best package that meets the rules and what
    blocks, or no package at all when nothing meets the rules."""
    data = data or default_data()
    catalogue = catalogue or default_catalogue()
    climate = climate or climate_for_building(programme, b)
    if lifted is None:
        lifted = lifted_rules([b], programme).get(b.pk, frozenset())
    inputs, digest, building, error = prepared or prepare(
        b, programme, climate=climate, catalogue=catalogue, data=data, lifted=lifted
    )
    base = dict(
        building=b,
        programme=programme,
        division_id=b.division_id,
        created_at=timezone.now(),
        engine_version=ENGINE_VERSION,
        climate=climate.to_dict(),
        catalogue=catalogue.provenance(),
        inputs=inputs,
        inputs_digest=digest,
        assumed=inputs.get("assumed", []),
    )
    if error:
        return Assessment(**base, error=error)
    fire = FireContext(
        residential=b.is_residential, height_m=float(b.height_m), crowded=b.use in CROWDED_USES
    )
    policy = programme.package_policy
    optimum = optimise_building(
        building,
        climate,
        fire=fire,
        catalogue=catalogue,
        threshold=float(programme.min_improvement),
        floor_area_m2=float(b.floor_area_m2),
        policy=policy,
        lifted=lifted,
        data=data,
    )
    rules = {
        "policy": optimum.policy,
        "applied": [dict(r) for r in optimum.rules],
        "blocking": [dict(r) for r in optimum.blocking],
        "lifted": sorted(lifted),
    }
    package = optimum.least_cost or optimum.best
    before = assess(building, climate, data=data)
    if package is None:  # no package meets the fire code and the rules
        return Assessment(
            **base,
            before=_terms(before),
            rules=rules,
            q_h_before=Decimal(f"{optimum.q_H_before:.3f}"),
            reaches=False,
        )
    retrofitted = apply_measures(building, package.engine_measures(catalogue), "package", data)
    after = assess(retrofitted, climate, data=data)
    split = split_funding(
        package.cost_fen,
        floor_area_m2=b.floor_area_m2,
        residential=b.is_residential,
        window_fen=package.fen_of("window"),
        rates=programme.funding_rates,
    )
    return Assessment(
        **base,
        before=_terms(before),
        after={**_terms(after), "limits": limit_check(building, retrofitted, climate.zone)},
        package={
            **package.to_dict(),
            "label": package.label,
            "engine_measures": package.engine_measures(catalogue),
            "fire_rules": optimum.fire_rules,
            "pareto": [[p.cost_fen, round(p.eta, 4), p.label] for p in optimum.pareto],
        },
        funding=split.to_dict(),
        q_h_before=Decimal(f"{optimum.q_H_before:.3f}"),
        eta=Decimal(f"{package.eta:.4f}"),
        reaches=optimum.least_cost is not None,
        cost_fen=package.cost_fen,
        rules=rules,
    )


def _terms(a) -> dict:
    d = a.to_dict()
    return {"terms": d.get("terms"), "seasonal": d.get("seasonal"), "geometry": d.get("geometry")}


def limit_check(before, after, zone: str) -> dict:
    """The advisory check of the retrofitted elements against the limits in force for the
    climate zone (``jigai.engine.limits.check_limits``), as stored in ``Assessment.after``
    under ``"limits"``: {"zone", "rows": [{id, class, orientation, K, K_max, ok, source,
    confidence, …}]} — one row per element whose K the package changed, plus the shape
    factor."""
    orientation = {e.id: e.orientation for e in after.elements}
    rows = [
        jsonable({**row, "orientation": orientation.get(row["id"])})
        for row in check_limits(before, after, zone)
    ]
    return {"zone": zone, "rows": rows}


def assess_buildings(
    programme, buildings, *, actor=None, actor_name: str = "", force: bool = False, progress=None
) -> Counter:
    """Assess (or re-assess where anything changed) the buildings; store and audit the run.

    ``progress(done, total)``, when given, is called every 500 buildings and at the end."""
    climate_of = CountyClimates(programme)
    catalogue = default_catalogue()
    data = default_data()
    current = {
        a.building_id: a.inputs_digest
        for a in Assessment.objects.filter(
            programme=programme, is_current=True, building__in=buildings
        ).only("building_id", "inputs_digest")
    }
    lifted = lifted_rules(buildings, programme)
    fresh, counts = [], Counter()
    total = buildings.count() if progress is not None else 0
    for i, b in enumerate(
        buildings.select_related("division", "community", "community__street").iterator(
            chunk_size=500
        )
    ):
        if progress is not None and i % 500 == 0:
            progress(i, total)
        climate = climate_of(b.division.code)  # the building's county climate (programme data)
        mine = lifted.get(b.pk, frozenset())
        prepared = prepare(
            b, programme, climate=climate, catalogue=catalogue, data=data, lifted=mine
        )
        if not force and current.get(b.pk) == prepared[1]:
            counts["unchanged"] += 1
            continue
        result = assess_one(
            b,
            programme,
            climate=climate,
            catalogue=catalogue,
            data=data,
            prepared=prepared,
            lifted=mine,
        )
        counts["error" if result.error else ("reaches" if result.reaches else "falls_short")] += 1
        fresh.append(result)
    if progress is not None:
        progress(total, total)
    with transaction.atomic():
        Assessment.objects.filter(
            programme=programme, is_current=True, building_id__in=[a.building_id for a in fresh]
        ).update(is_current=False)
        Assessment.objects.bulk_create(fresh, batch_size=500)
        audit.record(
            actor=actor,
            actor_name=actor_name or None,
            action="survey.assess",
            obj=programme,
            division_code=programme.city.code,
            summary=_("Assessed %(n)d building(s) with %(e)s, climates %(c)s: %(counts)s")
            % {
                "n": len(fresh),
                "e": ENGINE_VERSION,
                "c": "，".join(climate_of.names()) or "—",
                "counts": "，".join(f"{k} {v}" for k, v in sorted(counts.items())),
            },
            after=dict(counts),
        )
    return counts


def reassess_with_measures(b: Building, programme, measures: list[dict]) -> tuple[Decimal, dict]:
    """η of the building with the given engine measures (an as-built check), and the
    record that makes it traceable: inputs, measures, terms, engine and climate."""
    data, catalogue = default_data(), default_catalogue()
    climate = climate_for_building(programme, b)
    inputs, digest, building, error = prepare(
        b, programme, climate=climate, catalogue=catalogue, data=data
    )
    if error:
        raise EngineInputError("survey", error)
    before = assess(building, climate, data=data)
    as_built = apply_measures(building, measures, "as_built", data)
    after = assess(as_built, climate, data=data)
    q_before, q_after = before.to_dict()["terms"]["q_H"], after.to_dict()["terms"]["q_H"]
    eta = Decimal(f"{float(heat_index.eta(q_before, q_after)):.4f}")
    record = {
        "engine_version": ENGINE_VERSION,
        "climate": climate.to_dict(),
        "inputs": inputs,
        "inputs_digest": digest,
        "measures": measures,
        "before": _terms(before),
        "after": {**_terms(after), "limits": limit_check(building, as_built, climate.zone)},
    }
    return eta, record
