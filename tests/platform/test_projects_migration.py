"""The data migration that stored every existing project's funding plan: recomputed by the new
rule where no money was received, kept (by the old proportional rule) and listed where it was
— in its output and in the audit trail, whose hash chain stays intact."""

import datetime as dt
import importlib
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from jigai.audit.models import AuditEntry
from jigai.audit.services import verify_chain
from jigai.projects import funding, services
from jigai.projects.models import Project, ProjectBuilding, ProjectFunding
from jigai.projects.plan import PLAN_FIELDS
from tests.platform.test_projects import _eligible

migration = importlib.import_module("jigai.projects.migrations.0003_recompute_funding_plans")


def _as_before_the_change(*projects):
    """What the database held before migration 0003: no stored plan, no window lines."""
    ProjectFunding.objects.filter(project__in=projects).delete()
    ProjectBuilding.objects.filter(project__in=projects).update(
        design_window_fen=0, design_lines=[], **dict.fromkeys(PLAN_FIELDS, 0)
    )


def test_old_rule_is_reproduced():
    # 1 m², 50.00 yuan: the old rule scaled 22.81 + 80.00 down to 50.00 in proportion:
    # 5000 × 2281 / 10281 = 1109.35 → 1109; 5000 × 8000 / 10281 = 3890.67 → 3891
    assert migration.old_proportional_split(5000, "1", True, 2281, 8000) == (1109, 3891, 0)
    assert migration.old_proportional_split(5000, "1", False, 2281, 8000) == (0, 0, 5000)
    # dearer than both shares: 2281 + 8000, the county the rest 89,719
    assert migration.old_proportional_split(100_000, "1", True, 2281, 8000) == (2281, 8000, 89_719)


def test_plans_recomputed_unless_money_was_received(programme, user):
    officer = user("yx_officer")
    category = programme.categories.get(code="residential_standalone")
    b25, b27, _b28, b29, b30 = _eligible(programme, n=5)
    # A: no money — 南山小区3号楼 takes the optimiser's package under the 2023 rules (walls,
    # windows, roof, bands, façade: windows 18,465,989 fen of 57,453,408), 南山小区1号楼 a
    # design entered by hand (5,000,000 fen; its assessed package has 17,787,896 of windows)
    a = services.create_project(programme=programme, category=category, name="甲", actor=officer)
    services.add_buildings(a, [b27, b25], actor=officer)
    i27, i25 = a.items.get(building=b27), a.items.get(building=b25)
    services.design_from_assessment(i27, actor=officer)
    services.set_design(
        i25,
        measures=[],
        eta=Decimal("0.35"),
        cost_fen=5_000_000,
        window_fen=0,
        source="entered",
        actor=officer,
    )
    # B: 北岭小区1号楼 (2056.60 m²) and 2号楼 (2864.16 m²), 180 yuan per whole m²; the
    # province has already disbursed 10,000.00 yuan
    b = services.create_project(programme=programme, category=category, name="乙", actor=officer)
    services.add_buildings(b, [b29, b30], actor=officer)
    for item in b.items.all():
        services.set_design(
            item,
            measures=[],
            eta=Decimal("0.4"),
            cost_fen=180 * 100 * int(item.floor_area_m2),
            window_fen=0,
            source="entered",
            actor=officer,
        )
    funding.record_payment(
        b,
        ledger="provincial",
        amount_fen=1_000_000,
        on_date=dt.date(2023, 7, 1),
        reference="SB-MIG-1",
        actor=user("czj_finance"),
    )
    _as_before_the_change(a, b)
    last = AuditEntry.objects.order_by("-seq").first().seq
    out = []
    migration.recompute(apps, SimpleNamespace(connection=connection), out=out.append)
    # A by rule owners_windows, building by building:
    # 3号楼: C 57,453,408, W 18,465,989 (window lines found again from the assessment);
    #        P = 2281 × 3313.44 = 7,557,956.64 → 7,557,957; O = min(26,507,520, W, C − P =
    #        49,895,451) = 18,465,989; K = 57,453,408 − 7,557,957 − 18,465,989 = 31,429,462
    # 1号楼 (entered by hand): W = min(assessed window lines 17,787,896, C 5,000,000)
    #        = 5,000,000; C 5,000,000 < 2281 × 2776.80 = 6,333,881: P = 5,000,000, O = K = 0
    i27.refresh_from_db()
    i25.refresh_from_db()
    assert (i27.design_window_fen, i25.design_window_fen) == (18_465_989, 5_000_000)
    assert [line["id"] for line in i27.design_lines] == [
        "wall_eps_60",
        "win_pvc_clear",
        "roof_xps_60",
        "fire_band_floor",
        "fire_band_roof_edge",
        "facade",
    ]
    assert [getattr(i27, f) for f in PLAN_FIELDS] == [
        57_453_408,
        18_465_989,
        7_557_957,
        18_465_989,
        31_429_462,
    ]
    assert [getattr(i25, f) for f in PLAN_FIELDS] == [5_000_000, 5_000_000, 5_000_000, 0, 0]
    pa = funding.funding_plan(a)
    assert (pa.rule, pa.total, pa.provincial, pa.owners, pa.county, pa.note) == (
        "owners_windows",
        62_453_408,
        12_557_957,
        18_465_989,
        31_429_462,
        "",
    )
    # B kept by the old rule on the whole area 4920.76 m² and cost 88,560,000 fen:
    # P = 2281 × 4920.76 = 11,224,253.56 → 11,224,254; O = 8000 × 4920.76 = 39,366,080;
    # K = 88,560,000 − 11,224,254 − 39,366,080 = 37,969,666
    pb = funding.funding_plan(b)
    assert (pb.rule, pb.total, pb.provincial, pb.owners, pb.county) == (
        "proportional",
        88_560_000,
        11_224_254,
        39_366_080,
        37_969_666,
    )
    assert "10,000.00" in pb.note
    # per building: P and O by floor area (2056.60 : 2864.16), K by cost (37,008,000 :
    # 51,552,000), largest remainder — P 4,691,104.78 → 4,691,105 and 6,533,149.22 →
    # 6,533,149; O 16,452,800 and 22,913,280 exactly; K 15,866,998.64 → 15,866,999 and
    # 22,102,667.36 → 22,102,667
    assert [
        (i.plan_cost_fen, i.plan_provincial_fen, i.plan_owners_fen, i.plan_county_fen)
        for i in b.items.order_by("pk")
    ] == [
        (37_008_000, 4_691_105, 16_452_800, 15_866_999),
        (51_552_000, 6_533_149, 22_913_280, 22_102_667),
    ]
    # listed in the output and the audit trail; the chain still verifies
    assert out == [
        "  funding plans: 1 recomputed by rule owners_windows, 1 kept (money already received)",
        f"    kept {b.code} 乙: received 10,000.00 yuan",
    ]
    new = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq"))
    assert [(e.action, e.object_id, e.actor_name) for e in new] == [
        ("project.funding_plan", str(a.pk), "数据迁移 projects.0003"),
        ("project.funding_plan_kept", str(b.pk), "数据迁移 projects.0003"),
        ("projects.funding_migration", "", "数据迁移 projects.0003"),
    ]
    assert new[1].object_repr == f"{b.code} 乙"
    assert new[1].summary.startswith(f"{b.code}：已到账 10,000.00 元，资金分担方案保留原规则")
    assert new[2].after == {"recomputed": [a.code], "kept": [b.code]}
    assert new[2].summary.endswith(f"1 个已到账项目保留原方案：{b.code}")
    assert verify_chain().ok
    # the old rule's plan is what B is checked against from now on
    r = funding.reconcile(Project.objects.get(pk=b.pk))
    assert r.remaining("provincial") == 11_224_254 - 1_000_000


def test_nothing_to_do_on_an_empty_database(db):
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    out = []
    migration.recompute(apps, SimpleNamespace(connection=connection), out=out.append)
    assert out == []
    assert AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() == last
