"""The platform's vectorised assessment stores the same record as the single-building
reference path (``assess_one``), to 1e-9, for every field; writes in bulk with a number of
queries that does not grow with the number of buildings; reports its progress."""

import math
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jigai.buildings import assessment
from jigai.buildings.assessment import assess_buildings, assess_one, lifted_rules
from jigai.buildings.models import Assessment, Building, PackageRuleException
from jigai.programmes.climates import climate_for_building

FIELDS = (
    "division_id",
    "engine_version",
    "climate",
    "catalogue",
    "inputs",
    "inputs_digest",
    "assumed",
    "before",
    "after",
    "package",
    "funding",
    "rules",
    "q_h_before",
    "eta",
    "reaches",
    "cost_fen",
    "error",
)


def same(a, b, path="") -> list[str]:
    """Where two stored values differ: floats beyond 1e-9 (relative to magnitude ≥ 1), any
    other value at all (ints, text, Decimal, keys, list lengths)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in same(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in same(x, y, f"{path}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float) and not isinstance(a, bool):
        if math.isnan(a) and math.isnan(b):
            return []
        return [] if abs(a - b) <= 1e-9 * max(1.0, abs(a)) else [f"{path}: {a!r} != {b!r}"]
    if type(a) is not type(b) or a != b:
        return [f"{path}: {a!r} != {b!r}"]
    return []


def _reference(b, programme) -> Assessment:
    return assess_one(
        b,
        programme,
        climate=climate_for_building(programme, b),
        lifted=lifted_rules([b], programme).get(b.pk, frozenset()),
    )


def _compare(buildings, programme) -> int:
    checked = 0
    for b in buildings:
        stored = b.assessments.get(programme=programme, is_current=True)
        ref = _reference(b, programme)
        for f in FIELDS:
            diff = same(getattr(stored, f), getattr(ref, f), f)
            assert not diff, (b.pk, diff[:5])
        checked += 1
    return checked


def test_vector_path_stores_the_single_path_record(programme, user):
    # every county (盂县 in its own 1991–2020 normals, the others in 阳泉's climate), a
    # building with an approved exception lifting require_wall, one with a detailed-envelope
    # (single path), and — through a tiny chunk — several chunks in one run
    ids = []
    for code in ("pingding", "yuxian", "chengqu", "kuangqu", "jiaoqu", "gaoxin"):
        ids += list(
            Building.objects.filter(division__code=code)
            .order_by("pk")
            .values_list("pk", flat=True)[:12]
        )
    lifted = Building.objects.get(pk=ids[3])
    PackageRuleException.objects.create(
        programme=programme,
        building=lifted,
        rule="require_wall",
        reason="test",
        granted_by=user("zjj_admin"),
    )
    qs = Building.objects.filter(pk__in=ids)
    counts = assess_buildings(programme, qs, actor_name="test", force=True, chunk=25)
    assert sum(counts.values()) == len(ids) == 72
    # the exception is in the record, and the record equals the reference path's
    a = lifted.assessments.get(is_current=True)
    assert a.rules["lifted"] == ["require_wall"]
    assert [r["code"] for r in a.rules["applied"] if r["rule"] == "require_wall"] == [3]
    assert _compare(qs.order_by("pk"), programme) == 72
    # records with a Pareto front of several packages, lines in fen and funding adding up
    stored = Assessment.objects.filter(building__in=ids, is_current=True)
    assert all(len(s.package["pareto"]) >= 1 for s in stored if s.package)
    for s in stored:
        if s.cost_fen:
            f = s.funding
            assert f["provincial_fen"] + f["owners_fen"] + f["county_fen"] == s.cost_fen
            assert sum(line["fen"] for line in s.package["lines"]) == s.cost_fen


def test_buildings_that_fall_short_or_meet_limits_keep_the_single_path_record(programme):
    # a higher threshold makes some buildings fall short (blocking is explained only by the
    # single path); a modern window makes one exempt because it meets the limit in force
    programme.min_improvement_pct = Decimal("70")
    programme.save()
    b = Building.objects.filter(division__code="chengqu", use="residential").order_by("pk")[0]
    b.window_type = "pvc_lowe_double"  # K 1.9 ≤ 2.2: the window rule is exempt
    b.save()
    ids = list(
        Building.objects.filter(division__code="chengqu")
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
    qs = Building.objects.filter(pk__in=ids)
    counts = assess_buildings(programme, qs, actor_name="test", force=True)
    assert counts["falls_short"] > 0 and counts["reaches"] > 0
    assert _compare(qs.order_by("pk"), programme) == 40


def test_queries_do_not_grow_with_the_number_of_buildings(programme):
    def queries(n):
        ids = list(Building.objects.order_by("pk").values_list("pk", flat=True)[:n])
        with CaptureQueriesContext(connection) as ctx:
            assess_buildings(
                programme, Building.objects.filter(pk__in=ids), actor_name="t", force=True
            )
        inserts = [
            q
            for q in ctx.captured_queries
            if q["sql"].startswith('INSERT INTO "buildings_assessment"')
        ]
        return len(ctx.captured_queries), len(inserts)

    def batches(n):
        # bulk_create(batch_size=500), cut further by the backend's limit on parameters
        # (SQLite: 999 variables / 22 columns → 45 rows; PostgreSQL: 500)
        fields = [f for f in Assessment._meta.concrete_fields if not f.primary_key]
        size = min(500, connection.ops.bulk_batch_size(fields, [None] * n) or 500)
        return math.ceil(n / size)

    queries(5)  # warm the content-type cache that the audit entry uses
    (small, small_ins), (large, large_ins) = queries(20), queries(400)
    assert (small_ins, large_ins) == (batches(20), batches(400))
    # everything else is the same handful of statements, whatever the number of buildings
    assert large - large_ins == small - small_ins


def test_progress_is_reported(programme, monkeypatch):
    monkeypatch.setattr(assessment, "PROGRESS_EVERY", 50)
    seen = []
    ids = list(Building.objects.order_by("pk").values_list("pk", flat=True)[:120])
    assess_buildings(
        programme,
        Building.objects.filter(pk__in=ids),
        actor_name="t",
        force=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    # every 50 buildings, then the end: 120 = 50 + 50 + 20
    assert seen == [(50, 120), (100, 120), (120, 120)]
