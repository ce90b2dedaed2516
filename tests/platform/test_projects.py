"""A project's life: gates, owners' money first, ledgers to the fen, progress."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jigai.audit.models import AuditEntry
from jigai.buildings.models import Building, Screening
from jigai.core.errors import BusinessError, StaleVersion
from jigai.dashboard.services import progress_table
from jigai.projects import funding, services, workflow
from jigai.projects.models import ORDER, Ledger, LedgerEntry, Project, Stage
from tests.platform.document_samples import attach_needed
from tests.platform.quality_samples import pass_all_tests

D0 = dt.date(2023, 6, 1)


def _eligible(programme, county="yuxian", code="residential_standalone", n=2):
    return list(
        Building.objects.filter(
            division__code=county,
            screenings__programme=programme,
            screenings__status=Screening.Status.ELIGIBLE,
            screenings__category__code=code,
        ).order_by("pk")[:n]
    )


@pytest.fixture
def project(programme, user):
    officer = user("yx_officer")
    category = programme.categories.get(code="residential_standalone")
    p = services.create_project(
        programme=programme, category=category, name="秀水街道既改一期", actor=officer
    )
    services.add_buildings(p, _eligible(programme), actor=officer)
    for item in p.items.all():
        services.set_design(
            item,
            measures=[
                {
                    "measure": "add_insulation",
                    "elements": "walls",
                    "material": "eps",
                    "thickness": 0.08,
                }
            ],
            eta=Decimal("0.4512"),
            cost_fen=180 * 100 * int(item.floor_area_m2),
            window_fen=60 * 100 * int(item.floor_area_m2),  # a third of the cost: windows
            source="entered",
            actor=officer,
        )
    return Project.objects.get(pk=p.pk)


def _take(project, action, who, user, day=0, reason="", **kw):
    attach_needed(project, action, user("yx_officer"))  # the documents the step needs
    if action == "accept":  # the evidence of the works (issue 12 item 5)
        pass_all_tests(project, user("inspector"))
    return workflow.take(
        project, action, actor=user(who), on_date=D0 + dt.timedelta(days=day), reason=reason, **kw
    )


def _pay(project, ledger, amount, who, user, ref, building=None):
    return funding.record_payment(
        project,
        ledger=ledger,
        amount_fen=amount,
        on_date=D0,
        reference=ref,
        actor=user(who),
        building=building,
    )


def _unchanged(project):
    fresh = Project.objects.get(pk=project.pk)
    return (
        fresh.stage,
        fresh.version,
        fresh.transitions.count(),
        LedgerEntry.objects.filter(project=project).count(),
    )


def test_funding_plan_follows_the_programme(project):
    # the two demo buildings: 南山小区1号楼 2776.80 m² and 南山小区3号楼 3313.44 m²; designs
    # cost 180 yuan × whole m² with window lines of 60 yuan × whole m²:
    # 1号楼: C = 18000 × 2776 = 49,968,000 fen, W = 6000 × 2776 = 16,656,000
    #        P = 2281 × 2776.80 = 6,333,880.8 → 6,333,881
    #        O = min(8000 × 2776.80 = 22,214,400, W 16,656,000, C − P) = 16,656,000
    #        K = 49,968,000 − 6,333,881 − 16,656,000 = 26,978,119
    # 3号楼: C = 18000 × 3313 = 59,634,000, W = 19,878,000
    #        P = 2281 × 3313.44 = 7,557,956.64 → 7,557,957; O = 19,878,000
    #        K = 59,634,000 − 7,557,957 − 19,878,000 = 32,198,043
    items = list(project.items.order_by("pk"))
    assert [i.floor_area_m2 for i in items] == [Decimal("2776.80"), Decimal("3313.44")]
    assert [
        (i.plan_cost_fen, i.plan_provincial_fen, i.plan_owners_fen, i.plan_county_fen)
        for i in items
    ] == [
        (49_968_000, 6_333_881, 16_656_000, 26_978_119),
        (59_634_000, 7_557_957, 19_878_000, 32_198_043),
    ]
    plan = funding.funding_plan(project)
    assert plan.area_m2 == Decimal("6090.24")
    assert (plan.total, plan.provincial, plan.owners, plan.county, plan.window) == (
        109_602_000,
        13_891_838,  # 6,333,881 + 7,557,957
        36_534_000,  # 16,656,000 + 19,878,000
        59_176_162,  # 26,978,119 + 32,198,043
        36_534_000,
    )
    assert (plan.rule, plan.basis) == ("owners_windows", "design")
    assert plan.clause == "阳政办发〔2023〕36号 二（二）4（1）"


def test_whole_path_with_every_gate(project, user):
    # declaring needs eligible buildings with η ≥ 30 %: break one design first
    item = project.items.first()
    services.set_design(
        item,
        measures=[],
        eta=Decimal("0.25"),
        cost_fen=1,
        window_fen=0,
        source="entered",
        actor=user("yx_officer"),
    )
    before = _unchanged(project)
    with pytest.raises(BusinessError) as refused:
        _take(project, "declare", "yx_officer", user)
    assert "below 30%" in refused.value.details[0]
    assert _unchanged(project) == before
    services.set_design(
        item,
        measures=[],
        eta=Decimal("0.35"),
        cost_fen=180 * 100 * int(item.floor_area_m2),
        window_fen=60 * 100 * int(item.floor_area_m2),
        source="entered",
        actor=user("yx_officer"),
    )
    _take(project, "declare", "yx_officer", user)
    # approval is the approver's; a county officer is refused
    with pytest.raises(PermissionDenied):
        _take(project, "approve", "yx_officer", user, 1)
    _take(project, "return", "fgw_approver", user, 1, reason="补充结构安全鉴定报告")
    _take(project, "declare", "yx_officer", user, 2)
    _take(project, "approve", "fgw_approver", user, 3)
    # tender needs the contract and contractor
    with pytest.raises(BusinessError, match="condition"):
        _take(project, "tender", "yx_officer", user, 4)
    from jigai.accounts.models import Organisation

    services.record_tender(
        project,
        contract_sum_fen=funding.funding_plan(project).total - 12_345,
        contractor=Organisation.objects.get(kind="contractor"),
        supervisor=Organisation.objects.get(kind="supervisor"),
        actor=user("yx_officer"),
    )
    # the contract sum 109,589,655 fen is shared by design cost (49,968,000 : 59,634,000):
    # 49,962,371.86 → 49,962,372 and 59,627,283.14 → 59,627,283 (largest remainder); the
    # window lines scale alike (a third of each): 16,654,124 and 19,875,761
    # 1号楼: P 6,333,881, O min(22,214,400, 16,654,124, …) = 16,654,124,
    #        K 49,962,372 − 6,333,881 − 16,654,124 = 26,974,367
    # 3号楼: P 7,557,957, O 19,875,761, K 59,627,283 − 7,557,957 − 19,875,761 = 32,193,565
    items = list(project.items.order_by("pk"))
    assert [(i.plan_cost_fen, i.plan_window_fen, i.plan_owners_fen) for i in items] == [
        (49_962_372, 16_654_124, 16_654_124),
        (59_627_283, 19_875_761, 19_875_761),
    ]
    plan = funding.funding_plan(project)
    assert (plan.basis, plan.total, plan.provincial, plan.owners, plan.county) == (
        "contract",
        109_589_655,
        13_891_838,
        36_529_885,
        59_167_932,
    )
    _take(project, "tender", "yx_officer", user, 4)
    # owners' money first: not in place → refused
    with pytest.raises(BusinessError) as refused:
        _take(project, "fund", "yx_officer", user, 5)
    assert refused.value.details[0] == (
        "Owners' payments 0.00 yuan do not cover the owners' share 365,298.85 yuan."
    )
    _pay(project, Ledger.OWNERS, 16_654_124, "yx_officer", user, "YZ-001", items[0].building)
    _pay(project, Ledger.OWNERS, 19_875_760, "yx_officer", user, "YZ-002", items[1].building)
    with pytest.raises(BusinessError):
        _take(project, "fund", "yx_officer", user, 5)
    _pay(project, Ledger.OWNERS, 1, "yx_officer", user, "YZ-003", items[1].building)
    _take(project, "fund", "yx_officer", user, 5)
    # the county's own money before works: refused with the figures, then in place
    before = _unchanged(project)
    with pytest.raises(BusinessError) as refused:
        _take(project, "start", "yx_officer", user, 6)
    assert refused.value.details == [
        "County funds received 0.00 yuan (county 0.00 + other sources 0.00) do not cover "
        "the county's share 591,679.32 yuan."
    ]
    assert _unchanged(project) == before
    _pay(project, Ledger.COUNTY, 59_000_000, "yx_officer", user, "XQ-2023-87")
    _pay(project, Ledger.OTHER, 167_932, "yx_officer", user, "SQ-2023-01")  # a street's money
    # a date before the previous stage is refused
    with pytest.raises(BusinessError) as refused:
        _take(project, "start", "yx_officer", user, 4)
    assert "before the previous stage" in refused.value.details[0]
    _take(project, "start", "yx_officer", user, 6)
    _take(project, "complete", "yx_officer", user, 30)
    # acceptance needs as-built η ≥ threshold for every building
    with pytest.raises(BusinessError) as refused:
        _take(project, "accept", "inspector", user, 31)
    assert len(refused.value.details) == 2
    for item in items:
        services.record_as_built(
            item, eta=Decimal("0.33"), record={"engine_version": "test"}, actor=user("inspector")
        )
    _take(project, "accept", "inspector", user, 31)
    _take(project, "audit", "sjj_auditor", user, 40, reason="结算审计无异议")
    # closing needs settled books
    with pytest.raises(BusinessError) as refused:
        _take(project, "close", "zjj_admin", user, 41)
    assert refused.value.details == [  # provincial outstanding; contractor unpaid
        "Provincial subsidy disbursed (省级补助): 138,918.38 yuan still outstanding.",
        "The contractor was paid 0.00 yuan of 1,095,896.55.",
    ]
    project.refresh_from_db()
    plan = funding.funding_plan(project)
    assert plan.total == project.contract_sum_fen
    _pay(project, Ledger.PROVINCIAL, plan.provincial, "czj_finance", user, "SB-2023-88")
    _pay(project, Ledger.CONTRACTOR, plan.total, "yx_officer", user, "HT-2023-88")
    r = funding.reconcile(project)
    assert (r.received_total, r.paid_to_contractor, r.available) == (plan.total, plan.total, 0)
    _take(project, "close", "zjj_admin", user, 41)
    project.refresh_from_db()
    assert project.stage == Stage.CLOSED
    assert [t.to_stage for t in project.transitions.all()] == [
        "declared",
        "returned",
        "declared",
        "approved",
        "tendered",
        "funded",
        "started",
        "completed",
        "accepted",
        "audited",
        "closed",
    ]
    # a payment to a closed project is refused
    before = _unchanged(project)
    with pytest.raises(BusinessError, match="closed|Closed"):
        _pay(project, Ledger.PROVINCIAL, 100, "czj_finance", user, "SB-999")
    assert _unchanged(project) == before
    history = AuditEntry.objects.filter(
        object_type="projects.Project", object_id=str(project.pk)
    ).order_by("seq")
    assert history.filter(action="project.approve").get().sentence.startswith("李立项: Approve")


def test_wrong_county_and_bad_payments_change_nothing(project, user):
    before = _unchanged(project)
    with pytest.raises(BusinessError, match="another county"):
        _take(project, "declare", "cq_officer", user)
    for amount in (0, -5):
        with pytest.raises(BusinessError, match="more than zero"):
            _pay(project, Ledger.PROVINCIAL, amount, "czj_finance", user, f"SB-{amount}")
    with pytest.raises(PermissionDenied):
        _pay(project, Ledger.PROVINCIAL, 100, "yx_officer", user, "SB-1")
    with pytest.raises(BusinessError, match="Choose which of the project's buildings"):
        _pay(project, Ledger.OWNERS, 100, "yx_officer", user, "YZ-1")
    with pytest.raises(BusinessError, match="once works have started"):
        _pay(project, Ledger.CONTRACTOR, 100, "yx_officer", user, "HT-1")
    assert _unchanged(project) == before


def test_stale_version_is_refused(project, user):
    version = project.version
    _take(project, "declare", "yx_officer", user, expected_version=version)
    with pytest.raises(StaleVersion):
        _take(project, "withdraw", "yx_officer", user, reason="重复申报", expected_version=version)


def test_same_voucher_cannot_be_recorded_twice(project, user):
    _pay(project, Ledger.PROVINCIAL, 5000, "czj_finance", user, "SB-2023-001")
    with pytest.raises(BusinessError, match="already recorded"):
        _pay(project, Ledger.PROVINCIAL, 5000, "czj_finance", user, "SB-2023-001")
    assert funding.balances(project)[Ledger.PROVINCIAL] == 5000


def test_correction_only_by_reversal(project, user):
    entry = _pay(project, Ledger.PROVINCIAL, 123_456, "czj_finance", user, "SB-7")
    with pytest.raises(ValueError):
        entry.amount_fen = 1
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    reversal = funding.reverse_entry(entry, reason="金额录错", actor=user("czj_finance"))
    assert reversal.amount_fen == -123_456 and reversal.reverses == entry
    assert funding.balances(project)[Ledger.PROVINCIAL] == 0
    with pytest.raises(BusinessError, match="already been reversed"):
        funding.reverse_entry(entry, reason="again", actor=user("czj_finance"))


def test_suspend_and_resume(project, user):
    _take(project, "declare", "yx_officer", user)
    _take(project, "suspend", "zjj_admin", user, 1, reason="居民意见分歧")
    project.refresh_from_db()
    assert (project.stage, project.resume_stage) == (Stage.SUSPENDED, Stage.DECLARED)
    with pytest.raises(BusinessError, match="not possible"):
        _take(project, "approve", "fgw_approver", user, 2)
    _take(project, "resume", "zjj_admin", user, 2, reason="已达成一致")
    project.refresh_from_db()
    assert project.stage == Stage.DECLARED


def test_progress_counts_accepted_area_as_completed(project, user, programme, client_as):
    area = int(round(sum(i.floor_area_m2 for i in project.items.all())))
    table = progress_table(programme, user("zjj_admin"))
    yu = next(r for r in table.rows if r.division.code == "yuxian")
    assert yu.total.in_progress_m2 == 0
    Project.objects.filter(pk=project.pk).update(stage=Stage.STARTED)
    table = progress_table(programme, user("zjj_admin"))
    yu = next(r for r in table.rows if r.division.code == "yuxian")
    assert (yu.cells[1].in_progress_m2, yu.cells[1].completed_m2) == (area, 0)
    Project.objects.filter(pk=project.pk).update(stage=Stage.ACCEPTED)
    table = progress_table(programme, user("zjj_admin"))
    yu = next(r for r in table.rows if r.division.code == "yuxian")
    assert (yu.cells[1].in_progress_m2, yu.cells[1].completed_m2) == (0, area)
    assert table.grand_total.completed_m2 == area
    assert table.ranking()[0].division.code == "yuxian"
    by_stage = dict(client_as("zjj_admin").get("/dashboard/").context["by_stage"])
    yu = next(cells for d, cells in by_stage.items() if d.code == "yuxian")
    assert yu[ORDER.index(Stage.ACCEPTED)] == area and sum(yu) == area


def test_county_page_lists_projects_with_blockers_and_late_nodes(
    project, user, client_as, programme
):
    services.plan_dates(
        project,
        {Stage.DECLARED: dt.date(2023, 5, 20), Stage.APPROVED: dt.date(2023, 6, 30)},
        actor=user("yx_officer"),
    )
    response = client_as("yx_officer").get(f"/dashboard/programmes/{programme.pk}/counties/yuxian/")
    projects = response.context["projects"]
    assert [(p.code, b) for p, b in projects] == [(project.code, [])]  # ready to declare
    assert [(n.project.code, n.stage) for n in response.context["late"]] == [
        (project.code, "declared"),
        (project.code, "approved"),
    ]
    dashboard = client_as("zjj_admin").get("/dashboard/")
    assert [n.stage for n in dashboard.context["late"]] == ["declared", "approved"]
    assert [n.stage for n in client_as("cq_officer").get("/dashboard/").context["late"]] == []
    _take(project, "declare", "yx_officer", user, day=-20)  # 2023-05-12: before the planned date
    late = client_as("zjj_admin").get("/dashboard/").context["late"]
    assert [n.stage for n in late] == ["approved"]


def test_project_pages_walk(client_as, project, user):
    client = client_as("yx_officer")
    page = client.get(f"/projects/{project.pk}/")
    assert page.status_code == 200
    assert [a.name for a, _f in page.context["actions"]] == ["declare", "withdraw"]
    attach_needed(project, "declare", user("yx_officer"))
    response = client.post(
        f"/projects/{project.pk}/act/",
        {"action": "declare", "version": project.version, "on_date": "2023-06-01", "reason": ""},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    project.refresh_from_db()
    assert project.stage == Stage.DECLARED
    # the stale form again: refused, nothing changed
    response = client.post(
        f"/projects/{project.pk}/act/",
        {
            "action": "withdraw",
            "version": project.version - 1,
            "on_date": "2023-06-02",
            "reason": "x",
        },
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    project.refresh_from_db()
    assert project.stage == Stage.DECLARED
    history = client.get(f"/projects/{project.pk}/").context["history"]
    assert [h.action for h in history][-1] == "project.declare"


def test_design_from_the_optimiser_and_as_built_by_the_engine(project, user):
    from jigai.buildings.models import Assessment

    officer = user("yx_officer")
    item = project.items.first()
    services.design_from_assessment(item, actor=officer)
    item.refresh_from_db()
    current = Assessment.objects.get(
        building=item.building, programme=item.programme, is_current=True
    )
    assert (item.design_source, item.design_eta, item.design_cost_fen) == (
        "optimiser",
        current.eta,
        current.cost_fen,
    )
    assert item.design_measures == current.package["engine_measures"]
    Project.objects.filter(pk=project.pk).update(stage=Stage.COMPLETED)
    item.refresh_from_db()
    services.as_built_by_engine(item, report="JC-2023-001", actor=user("inspector"))
    item.refresh_from_db()
    assert item.as_built_eta == current.eta  # built as designed: the same η
    assert item.as_built_record["engine_version"] == current.engine_version
    assert item.as_built_record["report"] == "JC-2023-001"
    other = project.items.exclude(pk=item.pk).first()
    with pytest.raises(BusinessError, match="catalogue measures"):
        services.as_built_by_engine(other, report="x", actor=user("inspector"))
