"""Quality of the works (issue 12 items 1, 2, 4): the sampling plan of GB 50411-2019 pinned
against a hand computation, entry re-inspections judged against design and limit, bad input
refused with nothing stored, a failed batch blocking its lot until a rectification is
closed, overdue orders on the county page and the dashboard, and scope per role."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jigai.accounts.models import Organisation
from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError
from jigai.projects import services as projects
from jigai.projects.models import Project
from jigai.quality import services
from jigai.quality.models import EntryTest, InspectionLot, Rectification
from tests.platform.test_projects import _eligible

D = dt.date(2023, 7, 1)


def _line(mid, group, rate_fen, quantity):
    return {"id": mid, "group": group, "fen": int(round(rate_fen * quantity))}


# Building A: 7,400 m² of EPS 80 wall, 2,150 m² of XPS 80 roof, 450 m² of Low-E PVC windows
# (200 windows of 2.25 m²), 3,000 m of floor fire bands (900 m² at 0.3 m). Building B:
# 5,000 m² of the same wall, 225 m² of the same windows (100), 800 m² of rock wool under the
# basement ceiling. Catalogue rates: wall_eps_80 145.00, roof_xps_80 130.00, win_pvc_lowe
# 520.00 yuan/m², fire_band_floor 45.00 yuan/m, bc_rw_80 120.00 yuan/m².
LINES = [
    [
        _line("wall_eps_80", "wall", 14500, 7400),
        _line("roof_xps_80", "roof", 13000, 2150),
        _line("win_pvc_lowe", "window", 52000, 450),
        _line("fire_band_floor", "fire", 4500, 3000),
        {"id": "facade", "group": "facade", "fen": 1000},
    ],
    [
        _line("wall_eps_80", "wall", 14500, 5000),
        _line("win_pvc_lowe", "window", 52000, 225),
        _line("bc_rw_80", "basement_ceiling", 12000, 800),
    ],
]


def quality_project(programme, user, name="质量"):
    """A 盂县 project of two buildings with the design lines above, built by 晋阳建工."""
    officer = user("yx_officer")
    category = programme.categories.get(code="residential_standalone")
    p = projects.create_project(programme=programme, category=category, name=name, actor=officer)
    free = [
        b for b in _eligible(programme, n=20) if not b.project_items.filter(programme=programme)
    ]
    projects.add_buildings(p, free[:2], actor=officer)
    for item, lines in zip(p.items.order_by("pk"), LINES, strict=True):
        cost = sum(line["fen"] for line in lines)
        projects.set_design(
            item,
            measures=[],
            eta=Decimal("0.4"),
            cost_fen=cost,
            window_fen=0,
            source="entered",
            actor=officer,
            lines=lines,
        )
    contractor = Organisation.objects.get(short_name="晋阳建工")
    Project.objects.filter(pk=p.pk).update(contractor=contractor)
    return Project.objects.get(pk=p.pk)


@pytest.fixture
def project(programme, user):
    return quality_project(programme, user)


SAFE = {  # plausible values of every property (judged pass or fail, never refused)
    "lambda": "0.03",
    "density": "100",
    "compressive_strength": "0.2",
    "tensile_strength": "0.2",
    "water_absorption": "0.5",
    "burning_class": "A",
    "k_value": "1.5",
    "airtightness_grade": "7",
    "fire_integrity": "1",
}


def any_entry_test(lot, actor, report):
    """An entry re-test of any lot (its catalogue material), for the shared walks."""
    from jigai.engine.measures import default_catalogue
    from jigai.quality import rules

    measure = default_catalogue().by_id(lot.measure_id)
    material = "window" if lot.element == "window" else measure.material
    allowed = rules.allowed_properties(lot.element)
    return services.record_entry_test(
        lot,
        actor=actor,
        material=material,
        maker="阳泉建材有限公司",
        batch="P-1",
        quantity="100",
        lab="阳泉市建设工程质量检测中心",
        report_no=report,
        tested_on=D,
        values={k: v for k, v in SAFE.items() if k in allowed},
    )


def _plan(rows):
    return {
        r.measure_id: (
            r.quantity,
            len(r.lots),
            r.lots[-1],
            r.entry_required,
            r.entry_clause,
            [(o.test, o.required, o.clause) for o in r.onsite],
            r.lot_clause,
        )
        for r in rows
    }


def test_the_sampling_plan_matches_the_hand_computation_clause_by_clause(project):
    plan = _plan(services.sampling_plan(project, certified=set()))
    assert plan == {
        # 12,400 m² of wall: 13 lots of ≤ 1000 m² (the 13th 400 m²); entry re-tests
        # ⌈12,400 / 5,000⌉ = 3; pull-off and anchor 3 per lot = 39 each; core drilling 3 per
        # building (unit project) = 6
        "wall_eps_80": (
            12400.0,
            13,
            400.0,
            3,
            "GB 50411-2019 §4.2.2",
            [
                ("bond_pull_off", 39, "GB 50411-2019 §4.2.7"),
                ("anchor_pull_out", 39, "GB 50411-2019 §4.2.7"),
                (
                    "core_drilling",
                    6,
                    "GB 50411-2019 §17.1 (external-wall build-up, core drilling per Appendix)",
                ),
            ],
            "GB 50411-2019 §4.1.5",
        ),
        # 2,150 m² of roof: 3 lots (1000, 1000, 150); ⌈2,150 / 1,000⌉ = 3 entry re-tests
        "roof_xps_80": (2150.0, 3, 150.0, 3, "GB 50411-2019 §7.2.2", [], "GB 50411-2019 §7.1.5"),
        # 800 m² of basement ceiling: 1 lot, 1 re-test, 3 pull-off
        "bc_rw_80": (
            800.0,
            1,
            800.0,
            1,
            "GB 50411-2019 §8.2.2",
            [("bond_pull_off", 3, "GB 50411-2019 §8.2 (bonded and anchored ceiling boards)")],
            "GB 50411-2019 §8.1.5",
        ),
        # 200 + 100 windows: 2 lots of ≤ 200; one re-test per maker/material/opening/series;
        # on-site air-tightness 3 per kind per building = 6
        "win_pvc_lowe": (
            300.0,
            2,
            100.0,
            1,
            "GB 50411-2019 §6.2.2",
            [
                (
                    "window_airtightness",
                    6,
                    "GB 50411-2019 §17.1 (on-site air-tightness of external windows)",
                )
            ],
            "GB 50411-2019 §6.1.5",
        ),
        # 3,000 m × 0.3 m = 900 m² of band: 1 lot, 1 re-test, 3 pull-off
        "fire_band_floor": (
            900.0,
            1,
            900.0,
            1,
            "GB 50411-2019 §4.2.2",
            [("bond_pull_off", 3, "GB 50411-2019 §4.2.7")],
            "GB 50411-2019 §4.1.5 (the band is part of the wall insulation system)",
        ),
    }
    # §3.2.3: a certified product's re-test covers twice the quantity: ⌈12,400 / 10,000⌉ = 2
    certified = _plan(services.sampling_plan(project, certified={"wall_eps_80", "roof_xps_80"}))
    assert certified["wall_eps_80"][3] == 2 and certified["roof_xps_80"][3] == 2  # ⌈2150/2000⌉
    assert certified["wall_eps_80"][4] == "GB 50411-2019 §4.2.2; GB 50411-2019 §3.2.3"
    assert certified["wall_eps_80"][1] == 13  # the lots themselves are not enlarged


def test_generate_lots_stores_them_audited_and_only_for_the_inspector(project, user):
    with pytest.raises(PermissionDenied):
        services.generate_lots(project, user("yx_officer"))
    lots = services.generate_lots(project, user("inspector"), certified=["wall_eps_80"])
    assert len(lots) == 20  # 13 + 3 + 1 + 2 + 1
    stored = InspectionLot.objects.filter(project=project)
    assert stored.count() == 20
    wall = stored.filter(measure_id="wall_eps_80").order_by("seq")
    assert [str(lot.quantity) for lot in wall][-2:] == ["1000.00", "400.00"]
    assert wall[0].certified and wall[0].onsite == [
        {"test": "bond_pull_off", "count": 3, "clause": "GB 50411-2019 §4.2.7"},
        {"test": "anchor_pull_out", "count": 3, "clause": "GB 50411-2019 §4.2.7"},
    ]
    entry = AuditEntry.objects.filter(action="quality.lots").latest("seq")
    assert entry.data == {"a": "褚质监", "p": project.code, "n": 20, "e": 2 + 3 + 1 + 1 + 1}
    # regenerated while nothing was tested: replaced
    assert len(services.generate_lots(project, user("inspector"))) == 20
    assert InspectionLot.objects.filter(project=project, certified=True).count() == 0


def _lot(project, measure="wall_eps_80", seq=1):
    return InspectionLot.objects.get(project=project, measure_id=measure, seq=seq)


WALL_OK = {
    "lambda": "0.037",
    "density": "20",
    "compressive_strength": "0.12",
    "tensile_strength": "0.11",
    "water_absorption": "2.0",
    "burning_class": "B1",
}


def _test(lot, user, report="R-1", material="eps", maker="阳泉保温材料厂", **values):
    return services.record_entry_test(
        lot,
        actor=user("inspector"),
        material=material,
        maker=maker,
        batch="B-01",
        quantity="1200",
        lab="阳泉市建设工程质量检测中心",
        report_no=report,
        tested_on=D,
        values=values or WALL_OK,
    )


def test_entry_tests_pass_or_fail_with_their_reason(project, user):
    services.generate_lots(project, user("inspector"))
    ok = _test(_lot(project), user, maker="  阳泉保温材料厂　")
    assert ok.passed and ok.maker == "阳泉保温材料厂"  # normalised (full-width space folded)
    assert [r for ok_, r in services.reasons(ok)][0] == (
        "thermal conductivity λ 0.037 ≤ 0.039 (GB/T 10801.1 grade 039)"
    )
    bad = _test(
        _lot(project, seq=2),
        user,
        report="R-2",
        **{**WALL_OK, "lambda": "0.041", "burning_class": "b2"},
    )
    assert not bad.passed
    assert [r for ok_, r in services.reasons(bad) if not ok_] == [
        "thermal conductivity λ 0.041 exceeds 0.039 (GB/T 10801.1 grade 039)",
        "burning class (GB 8624) B2 is worse than the required B1 (design value)",
    ]
    # graphite-free rock wool (class A): its burning class is exempt from the re-test
    # (§4.2.2 “不燃材料除外”), its density is judged against GB/T 25975's range
    bc = _test(
        _lot(project, "bc_rw_80"),
        user,
        report="R-3",
        material="rock_wool",
        **{
            "lambda": "0.040",
            "density": "120",
            "compressive_strength": "0.05",
            "water_absorption": "0.4",
        },
    )
    assert not bc.passed and [r for ok_, r in services.reasons(bc) if not ok_] == [
        "density 120 outside 140–200 (GB/T 25975-2018 (board TR10–TR15, declared ±10 %))"
    ]
    # windows: K against the design type's K (pvc_lowe_double 1.9), air-tightness ≥ 6
    win = _test(
        _lot(project, "win_pvc_lowe"),
        user,
        report="R-4",
        material="window",
        k_value="2.0",
        airtightness_grade="5",
    )
    assert [r for ok_, r in services.reasons(win)] == [
        "heat transfer coefficient K 2.0 exceeds 1.9 (design value)",
        "air-tightness grade (GB/T 7106) 5 is below 6 "
        "(JGJ 26-2018 §4.2.6 (cold zone, grade ≥ 6) — the design type's grade when higher)",
    ]
    assert list(
        InspectionLot.objects.filter(project=project, status="blocked").values_list(
            "measure_id", "seq"
        )
    ) == [("bc_rw_80", 1), ("wall_eps_80", 2), ("win_pvc_lowe", 1)]
    entry = AuditEntry.objects.filter(action="quality.entry_test").latest("seq")
    assert entry.data["r"] == "R-4" and entry.data["o"] == "fail"
    assert entry.after["failed"] == ["k_value", "airtightness_grade"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lambda": "0"}, "thermal conductivity λ: 0 lies outside the physical range 0–2 W/(m·K)."),
        (
            {"lambda": "2.5"},
            "thermal conductivity λ: 2.5 lies outside the physical range 0–2 W/(m·K).",
        ),
        ({"density": "3500"}, "density: 3500 lies outside the physical range 0–3000 kg/m³."),
        ({"density": "abc"}, "density: “abc” is not a number."),
        (
            {"burning_class": "C"},
            "burning class (GB 8624): “C” is not one of A, A1, A2, B1, B2, B3.",
        ),
        (
            {"tensile_strength": ""},
            "tensile strength perpendicular to the face: give the measured value.",
        ),
        ({"k_value": "2"}, "heat transfer coefficient K is not tested on this element."),
        (
            {"material": "cork"},
            "Material: “cork” is not a material of the rule file for External-wall insulation system.",
        ),
        (
            {"material": "window"},
            "Material: “window” is not a material of the rule file for External-wall insulation system.",
        ),
        ({"maker": " 　 "}, "Maker: give a value."),
        ({"report": "r-1"}, "Report number: r-1 is already recorded; a lab report is used once."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    project, user, change, message
):
    services.generate_lots(project, user("inspector"))
    _test(_lot(project), user)
    before = (EntryTest.objects.count(), AuditEntry.objects.count())
    kwargs = {k: change.pop(k) for k in ("material", "maker", "report") if k in change}
    kwargs.setdefault("report", "R-NEW")
    with pytest.raises(BusinessError) as refused:
        _test(_lot(project, seq=2), user, **kwargs, **{**WALL_OK, **change})
    assert refused.value.message == message
    assert (EntryTest.objects.count(), AuditEntry.objects.count()) == before
    assert _lot(project, seq=2).status == "open"


def test_window_k_out_of_physical_range_is_refused(project, user):
    services.generate_lots(project, user("inspector"))
    with pytest.raises(BusinessError) as refused:
        _test(
            _lot(project, "win_pvc_lowe"),
            user,
            material="window",
            k_value="11",
            airtightness_grade="6",
        )
    assert refused.value.message == (
        "heat transfer coefficient K: 11 lies outside the physical range 0–10 W/(m²·K)."
    )
    assert EntryTest.objects.count() == 0


def test_a_failed_batch_blocks_its_lot_until_a_rectification_is_closed(project, user):
    inspector, contractor = user("inspector"), user("contractor")
    services.generate_lots(project, inspector)
    lot = _lot(project)
    _test(lot, user, **{**WALL_OK, "density": "15"})
    assert _lot(project).status == "blocked"
    # regenerating the plan now would lose the record: refused
    with pytest.raises(BusinessError, match="Tests or rectifications are recorded"):
        services.generate_lots(project, inspector)
    # §3.2.3: a failure loses the certified reduction
    InspectionLot.objects.filter(project=project, measure_id="wall_eps_80").update(certified=True)
    row = next(r for r in services.sampling_plan(project) if r.measure_id == "wall_eps_80")
    assert (row.entry_required, row.certified, row.certified_lost) == (3, False, True)
    deadline = timezone.localdate() + dt.timedelta(days=10)
    with pytest.raises(BusinessError, match="the date has passed"):
        services.issue_rectification(
            project,
            actor=inspector,
            what="x",
            where="y",
            deadline=timezone.localdate() - dt.timedelta(days=1),
        )
    r = services.issue_rectification(
        project,
        actor=inspector,
        what="退场并更换该批EPS板",
        where="1号楼北立面",
        deadline=deadline,
        lot=lot,
    )
    assert (r.state, r.responsible.short_name) == ("open", "晋阳建工")
    with pytest.raises(PermissionDenied):  # the inspector does not answer for the contractor
        services.answer_rectification(r, actor=inspector, evidence="x")
    with pytest.raises(BusinessError, match="only an answered one"):
        services.review_rectification(r, actor=inspector, passed=True, result="x")
    services.answer_rectification(r, actor=contractor, evidence="该批已退场，新批次复验报告 R-9")
    services.review_rectification(r, actor=inspector, passed=False, result="新批次尚无复验报告")
    r.refresh_from_db()
    assert r.state == "reopened" and _lot(project).status == "blocked"
    services.answer_rectification(r, actor=contractor, evidence="新批次复验合格，报告 R-9")
    services.review_rectification(r, actor=inspector, passed=True, result="复验合格，准予使用")
    r.refresh_from_db()
    assert (r.state, r.closed_on) == ("closed", timezone.localdate())
    assert _lot(project).status == "open"
    assert list(
        AuditEntry.objects.filter(action__startswith="quality.rectification")
        .values_list("action", flat=True)
        .order_by("seq")
    ) == [
        "quality.rectification_issue",
        "quality.rectification_answer",
        "quality.rectification_reopen",
        "quality.rectification_answer",
        "quality.rectification_close",
    ]
    assert AuditEntry.objects.filter(action="quality.rectification_close").get().after == {
        "result": "复验合格，准予使用",
        "lot_released": True,
    }


def test_overdue_orders_on_the_county_page_and_the_dashboard(project, user, client_as, programme):
    r = services.issue_rectification(
        project,
        actor=user("inspector"),
        what="补做防火隔离带",
        where="2号楼三层",
        deadline=timezone.localdate() + dt.timedelta(days=3),
    )
    page = client_as("yx_officer").get(f"/dashboard/programmes/{programme.pk}/counties/yuxian/")
    assert page.status_code == 200 and 'data-testid="overdue"' not in page.content.decode()
    Rectification.objects.filter(pk=r.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    assert [o.pk for o in services.overdue_rectifications(programme)] == [r.pk]
    page = client_as("yx_officer").get(f"/dashboard/programmes/{programme.pk}/counties/yuxian/")
    html = page.content.decode()
    assert 'data-testid="overdue"' in html and "2号楼三层" in html
    home = client_as("zjj_admin").get("/dashboard/").content.decode()
    assert 'data-testid="overdue"' in home and "2号楼三层" in home
    # answered: no longer waiting for the contractor, no longer overdue
    services.answer_rectification(r, actor=user("contractor"), evidence="已补做")
    assert services.overdue_rectifications(programme) == []


def test_scope_per_role_on_the_pages(project, user, client_as):
    services.generate_lots(project, user("inspector"))
    lot = _lot(project)
    assert client_as("cq_officer").get(f"/quality/lots/{lot.pk}/").status_code == 404
    for who in ("yx_officer", "contractor", "inspector", "sjj_auditor"):
        assert client_as(who).get(f"/quality/lots/{lot.pk}/").status_code == 200, who
    # only the inspector records; a contractor cannot
    response = client_as("contractor").post(f"/quality/lots/{lot.pk}/tests/", {})
    assert response.status_code == 403
    response = client_as("inspector").post(
        f"/quality/lots/{lot.pk}/tests/",
        {
            "material": "eps",
            "maker": "阳泉保温材料厂",
            "batch": "B-1",
            "quantity": "800",
            "lab": "检测中心",
            "report_no": "WEB-1",
            "tested_on": "2023-07-02",
            **{f"v_{k}": v for k, v in WALL_OK.items()},
            "v_lambda": "-1",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 302 and EntryTest.objects.count() == 0
    page = client_as("inspector").get(f"/projects/{project.pk}/")
    html = page.content.decode()
    assert 'data-testid="quality-plan"' in html and "GB 50411-2019 §4.1.5" in html
    assert 'data-measure="wall_eps_80"' in html
    # units as a reader writes them, in Chinese by default: m², 樘 (not the file's m2, each)
    assert " m²</td>" in html and " 樘</td>" in html
    assert " m2</td>" not in html and " each</td>" not in html
