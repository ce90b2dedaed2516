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
from functools import cache

from django.db import transaction
from django.utils import timezone

from jigai.audit import services as audit
from jigai.audit.services import jsonable
from jigai.buildings.assessment_vector import assess_chunk, fire_context, limit_check
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
from jigai.engine.funding import RULE as FUNDING_RULE
from jigai.engine.funding import split_funding
from jigai.engine.measures import default_catalogue
from jigai.engine.optimiser import optimise_building
from jigai.programmes.climates import CountyClimates, climate_for_building
from jigai.stock.engine_input import block_from_row
from jigai.surveytable.schema import columns

# What a stored result holds beyond the engine's terms; part of the digest, so results
# stored before the record held the limit check are assessed again on the next run.
RECORD = "record: terms, package, funding, limit check"
CHUNK = 2000  # buildings per vectorised chunk
PROGRESS_EVERY = 500  # buildings between two calls of the progress callback
__all__ = ["assess_buildings", "assess_one", "limit_check", "prepare"]


@cache
def _row_keys() -> tuple[str, ...]:
    return tuple(c.key for c in columns())


def survey_row(b: Building) -> dict:
    """A building as a row of the building table (the survey template's columns)."""
    row = {k: getattr(b, k, None) for k in _row_keys()}
    row.update(
        county=b.division.name,
        street=b.community.street.short_name or b.community.street.name,
        community=b.community.name,
        community_renovation=b.community.old_community_renovation,
    )
    return row


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _digest(items: list, context: str) -> str:
    """SHA-256 of the JSON text of the list ``[*items, *context items]``, ``context`` being
    its items' text already serialised (``digest_context``): json.dumps joins a list's items
    with ", ", so the text, and the digest, are those of dumping the whole list at once."""
    return hashlib.sha256(f"[{', '.join(_json(v) for v in items)}, {context}]".encode()).hexdigest()


def lifted_rules(buildings, programme) -> dict[int, frozenset[str]]:
    """Per building id, the package rules its approved exceptions lift this year."""
    out: dict[int, set[str]] = {}
    for bid, rule in PackageRuleException.objects.filter(
        programme=programme, building__in=buildings
    ).values_list("building_id", "rule"):
        out.setdefault(bid, set()).add(rule)
    return {k: frozenset(v) for k, v in out.items()}


def digest_context(programme, *, climate, catalogue, climate_dict=None, provenance=None) -> str:
    """What every result of ``programme`` in ``climate`` depends on beyond its own inputs
    (the rules lifted for a building are added by ``prepare``), as the JSON text of a list's
    items (serialised once per run and climate, not once per building); the dicts may be
    given when already computed."""
    items = [
        ENGINE_VERSION,
        provenance if provenance is not None else catalogue.provenance(),
        climate_dict if climate_dict is not None else climate.to_dict(),
        str(programme.min_improvement),
        programme.provincial_subsidy_fen_per_m2,
        programme.owner_contribution_fen_per_m2,
        programme.package_rules,
    ]
    return ", ".join(_json(v) for v in items)


def prepare(
    b: Building,
    programme,
    *,
    climate,
    catalogue,
    data,
    lifted: frozenset[str] = frozenset(),
    context: str | None = None,
) -> tuple[dict, str, object, str]:
    """(inputs, digest of everything the result depends on, engine building or None, error).
    The digest covers the programme's package rules and the rules lifted for ``b``;
    ``context`` is ``digest_context`` when already computed for the run."""
    row = jsonable(survey_row(b))
    if context is None:
        context = digest_context(programme, climate=climate, catalogue=catalogue)
    context = ", ".join((context, _json(sorted(lifted)), _json(RECORD), _json(FUNDING_RULE)))
    try:
        if b.envelope:  # a detailed survey of the envelope wins over the block shorthand
            building = parse_building(b.envelope, "envelope", data)
            inputs = {"row": row, "detailed": b.envelope, "assumed": []}
        else:
            block, assumed = block_from_row(row)
            building = expand_block(block, "building", data)
            inputs = {"row": row, "block": block, "assumed": assumed}
    except EngineInputError as exc:
        return {"row": row}, _digest([row, b.envelope], context), None, str(exc)
    return inputs, _digest([inputs], context), building, ""


def assess_one(
    b: Building,
    programme,
    *,
    climate=None,
    catalogue=None,
    data=None,
    prepared=None,
    lifted: frozenset[str] | None = None,
    base: dict | None = None,
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
    base = base or _base(b, programme, climate.to_dict(), catalogue.provenance(), inputs, digest)
    if error:
        return Assessment(**base, error=error)
    fire = fire_context(b)
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


def _base(b, programme, climate: dict, catalogue: dict, inputs: dict, digest: str) -> dict:
    """The fields every stored result has, whatever the engine found."""
    return dict(
        building=b,
        programme=programme,
        division_id=b.division_id,
        created_at=timezone.now(),
        engine_version=ENGINE_VERSION,
        climate=climate,
        catalogue=catalogue,
        inputs=inputs,
        inputs_digest=digest,
        assumed=inputs.get("assumed", []),
    )


def _terms(a) -> dict:
    d = a.to_dict()
    return {"terms": d.get("terms"), "seasonal": d.get("seasonal"), "geometry": d.get("geometry")}


def assess_buildings(
    programme,
    buildings,
    *,
    actor=None,
    actor_name: str = "",
    force: bool = False,
    progress=None,
    chunk: int = CHUNK,
) -> Counter:
    """Assess (or re-assess where anything changed) the buildings; store and audit the run.

    Block-shorthand buildings are assessed ``chunk`` at a time through the vectorised engine
    path (``assessment_vector.assess_chunk``: the same record as ``assess_one``); detailed
    envelopes and buildings whose inputs the engine refuses through ``assess_one``.
    ``progress(done, total)`` is called about every ``PROGRESS_EVERY`` buildings and at the
    end."""
    climate_of = CountyClimates(programme)
    catalogue = default_catalogue()
    provenance = catalogue.provenance()
    data = default_data()
    current = dict(
        Assessment.objects.filter(
            programme=programme, is_current=True, building__in=buildings
        ).values_list("building_id", "inputs_digest")
    )
    lifted = lifted_rules(buildings, programme)
    total = buildings.count() if progress else 0
    contexts: dict[int, tuple] = {}  # per climate: its dict and the digest context

    def context_of(climate):
        if id(climate) not in contexts:
            cd = climate.to_dict()
            ctx = digest_context(
                programme,
                climate=climate,
                catalogue=catalogue,
                climate_dict=cd,
                provenance=provenance,
            )
            contexts[id(climate)] = (climate, cd, ctx)
        return contexts[id(climate)]

    def base_of(item):
        b, climate, _mine, (inputs, digest, _bld, _err) = item
        return _base(b, programme, context_of(climate)[1], provenance, inputs, digest)

    def single(item):
        b, climate, mine, prepared = item
        return assess_one(
            b,
            programme,
            climate=climate,
            catalogue=catalogue,
            data=data,
            prepared=prepared,
            lifted=mine,
            base=base_of(item),
        )

    fresh, counts, pending = [], Counter(), []
    done = reported = 0

    def flush():
        fresh.extend(
            assess_chunk(
                pending, programme, catalogue=catalogue, data=data, base_of=base_of, single=single
            )
        )
        pending.clear()

    for b in buildings.select_related("division", "community", "community__street").iterator(
        chunk_size=chunk
    ):
        climate = climate_of(b.division.code)  # the building's county climate (programme data)
        mine = lifted.get(b.pk, frozenset())
        prepared = prepare(
            b,
            programme,
            climate=climate,
            catalogue=catalogue,
            data=data,
            lifted=mine,
            context=context_of(climate)[2],
        )
        done += 1
        if not force and current.get(b.pk) == prepared[1]:
            counts["unchanged"] += 1
        elif prepared[3] or b.envelope:  # input error or a detailed envelope: single path
            fresh.append(single((b, climate, mine, prepared)))
        else:
            pending.append((b, climate, mine, prepared))
            if len(pending) >= chunk:
                flush()
        if progress and done - reported >= PROGRESS_EVERY:
            progress(done, total)
            reported = done
    flush()
    for result in fresh:
        counts["error" if result.error else ("reaches" if result.reaches else "falls_short")] += 1
    if progress:
        progress(done, total)
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
            data={
                "n": len(fresh),
                "e": ENGINE_VERSION,
                "c": list(climate_of.names()),
                "counts": dict(counts),
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
