"""Every registered audit sentence, rendered from entries that the real services wrote.

The demo loader (session fixture: reference data, the 2023 programme, the survey import,
assessment and screening, the demo accounts) and the walk below — logins and lockout,
accounts and roles, programme changes, a survey re-import, exceptions, a project from
declaration to closing with every ledger, a suspended and a withdrawn project, a lost and
retried job — write at least one entry of each action type. The action types in the trail
must be exactly the registered ones: a registered type that no service writes, or a written
type that nobody registered, fails here. Each entry must then read in Chinese and in English
with every value in its place, formatted, and with labels rather than codes."""

import datetime as dt
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone, translation

from jigai.accounts import second_factor as accounts_second_factor
from jigai.accounts import services as accounts
from jigai.accounts.models import Division, Organisation, User
from jigai.accounts.scope import get_visible_or_404
from jigai.audit import messages, oversight
from jigai.audit import services as audit
from jigai.audit.models import AuditEntry
from jigai.buildings import importer
from jigai.buildings.eligibility import grant_exception
from jigai.buildings.models import Building, ImportJob, PackageRuleException, Screening
from jigai.buildings.package_rules import grant_rule_exception, revoke_rule_exception
from jigai.core.errors import BusinessError
from jigai.core.roles import DutyRefused, Role
from jigai.documents import services as documents
from jigai.engine import ENGINE_VERSION
from jigai.jobs import services as jobs
from jigai.programmes import services as programmes
from jigai.programmes.models import Programme
from jigai.projects import funding, households, services, workflow
from jigai.projects.models import Ledger, Stage
from tests.platform.document_samples import attach_needed, pdf, upload_file
from tests.platform.quality_samples import pass_all_tests
from tests.platform.test_projects_money import _project
from tests.platform.test_survey_import import _import, _rows, _workbook

PASSWORD = "Jigai@2023"  # the demo accounts' (demo.yaml)
D0 = dt.date(2023, 6, 1)
# Values that are identifiers in their own right, shown as such wherever they appear.
IDENTIFIERS = {
    ("project.funding_plan", "r"),  # the funding rule's name (engine.funding.RULE), as on the
    # project page beside its clause
}


def _walk_accounts(user):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.7")
    accounts.login_attempt(request, "yx_officer", PASSWORD)
    accounts.record_logout(user("yx_officer"), "10.0.0.7")
    for _attempt in range(settings.LOCKOUT_FAILURES):  # n − 1 failures, then the lockout
        with pytest.raises(accounts.LoginRefused):
            accounts.login_attempt(request, "pd_officer", "wrong-password")
    with pytest.raises(accounts.LoginRefused):
        accounts.login_attempt(request, "pd_officer", PASSWORD)
    accounts.unlock("pd_officer", actor=user("secadmin"))
    accounts.UNKNOWN_AUDITED.clear()
    with pytest.raises(accounts.LoginRefused):  # a name with no account
        accounts.login_attempt(request, "No-Such.User", "wrong-password")
    city = Division.objects.get(code="yangquan")
    lab = accounts.create_organisation(
        actor=user("sysadmin"),
        name="阳泉市建筑节能监督站（审计测试）",
        short_name="节能监督站",
        kind=Organisation.Kind.SUPERVISION_BODY,
        division=city,
    )
    tester = accounts.create_user(
        actor=user("sysadmin"),
        username="walk_tester",
        organisation=lab,
        password="Walk@2023-first",
        last_name="杨检测",
    )
    accounts.update_user(tester, {"phone": "0353-1234567"}, actor=user("sysadmin"))
    with pytest.raises(DutyRefused):  # user.refused: a pair of separated duties
        accounts.set_roles(tester, {Role.INSPECTOR, Role.CONTRACTOR}, actor=user("secadmin"))
    accounts.set_roles(tester, {Role.INSPECTOR}, actor=user("secadmin"))
    accounts.change_own_password(  # forced: an account opened by an administrator
        tester, old_password="Walk@2023-first", new_password="Walk@2023-second"
    )
    accounts.change_own_password(
        tester, old_password="Walk@2023-second", new_password="Walk@2023-third"
    )
    _walk_second_factor(tester, user)
    accounts.reset_password(tester, "Walk@2023-reset", actor=user("sysadmin"))
    User.objects.filter(username="jq_officer").update(
        password_changed_at=timezone.now() - timedelta(days=settings.PASSWORD_MAX_AGE_DAYS + 1)
    )
    accounts.login_attempt(request, "jq_officer", PASSWORD)  # an expired password
    User.objects.filter(username="kq_officer").update(
        last_login=timezone.now() - timedelta(days=settings.DORMANT_DAYS + 1)
    )
    assert accounts.disable_dormant() == ["kq_officer"]
    accounts.create_administrator(
        username="walk_auditadmin",
        password="Walk@2023-admin",
        role=Role.AUDIT_ADMIN,
        organisation=Organisation.objects.get(kind=Organisation.Kind.IT),
        name="秦审计",
    )


def _walk_second_factor(tester, user):
    """Enrolment (a wrong code first), new recovery codes, a login with one, a reset."""
    from django.test import Client
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(tester)
    client.get("/accounts/second-factor/enrol/")
    device = TOTPDevice.objects.get(user=tester)
    client.post("/accounts/second-factor/enrol/", {"code": "wrong"})
    device.refresh_from_db()
    device.throttle_reset()
    totp = TOTP(device.bin_key)
    totp.time = timezone.now().timestamp()
    client.post("/accounts/second-factor/enrol/", {"code": f"{totp.token():06d}"})
    codes = client.post("/accounts/second-factor/recovery-codes/").context["codes"]
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": tester.username, "password": "Walk@2023-third"})
    client.post("/accounts/second-factor/verify/", {"code": codes[0]})
    assert client.get("/")["Location"] == "/dashboard/"  # past the second factor
    accounts_second_factor.reset(tester, actor=user("secadmin"))


def _walk_programmes(programme, user):
    admin = user("zjj_admin")
    draft = programmes.copy_programme(programme, year=2024, actor=admin)
    programmes.set_status(draft, Programme.Status.ACTIVE, actor=admin, expected_version=1)
    programmes.update_parameters(
        programme, {"min_remaining_life_years": 25}, actor=admin, expected_version=1
    )
    cell = programme.targets.get(division__code="yuxian", category__code="public")
    programmes.set_targets(
        programme,
        {(cell.division_id, cell.category_id): cell.target_m2 + 1000},
        actor=admin,
        expected_version=2,
    )
    programmes.update_package_rules(
        programme,
        {**programme.package_rules, "facade_fen_per_m2": 4500},
        actor=admin,
        expected_version=3,
    )


def _walk_survey(programme, user):
    admin = user("zjj_admin")
    data_rows = _rows()
    _import(_workbook(data_rows=data_rows), admin)  # communities, buildings, screen, assess
    data_rows[1]["households"] += 2
    data_rows[1]["safety_grade"] = "C"
    _import(_workbook(data_rows=data_rows), admin)  # survey.update
    excluded = Screening.objects.filter(programme=programme, status=Screening.Status.EXCLUDED)
    grant_exception(
        excluded.first().building,
        programme,
        "经市住建局专题会议研究，该楼纳入改造（会议纪要第5号）",
        actor=admin,
    )
    building = (
        Building.objects.filter(division__code="kuangqu", assessments__is_current=True)
        .order_by("pk")
        .first()
    )
    grant_rule_exception(
        building, programme, "require_roof", "屋面已于2022年由其他项目翻新", actor=admin
    )
    revoke_rule_exception(
        PackageRuleException.objects.get(building=building, programme=programme),
        actor=admin,
        reason="翻新记录经核查不属实，屋面须改造",
    )


def _take(project, action, who, user, day, reason=""):
    attach_needed(project, action, user("yx_officer"))  # the documents the step needs
    if action == "accept":  # the evidence of the works (issue 12 item 5)
        pass_all_tests(project, user("inspector"))
    return workflow.take(
        project, action, actor=user(who), on_date=D0 + timedelta(days=day), reason=reason
    )


def _pay(project, ledger, amount, who, user, reference, building=None):
    return funding.record_payment(
        project,
        ledger=ledger,
        amount_fen=amount,
        on_date=D0 + timedelta(days=5),
        reference=reference,
        actor=user(who),
        building=building,
    )


def _walk_project(programme, user, until="close"):
    """Create, add, design (the optimiser's and entered), plan, declare, return, approve,
    tender, every ledger and a reversal, as-built, accept, audit, close (or stop after
    ``until="audit"``)."""
    project = _project(programme, user, name="审计全流程")  # create, buildings, design, plan
    items = list(project.items.order_by("pk"))
    services.design_from_assessment(items[0], actor=user("yx_officer"))
    services.plan_dates(
        project,
        {Stage.DECLARED: D0, Stage.STARTED: D0 + timedelta(days=60)},
        actor=user("yx_officer"),
    )
    _take(project, "declare", "yx_officer", user, 0)
    _take(project, "return", "fgw_approver", user, 1, reason="补充结构安全鉴定报告")
    _take(project, "declare", "yx_officer", user, 2)
    _take(project, "approve", "fgw_approver", user, 3)
    plan = funding.funding_plan(project)
    services.record_tender(
        project,
        contract_sum_fen=plan.total,
        contractor=Organisation.objects.filter(kind=Organisation.Kind.CONTRACTOR).first(),
        supervisor=Organisation.objects.filter(kind=Organisation.Kind.SUPERVISOR).first(),
        actor=user("yx_officer"),
    )
    _take(project, "tender", "yx_officer", user, 4)
    for item in project.items.order_by("pk"):
        _pay(
            project,
            Ledger.OWNERS,
            item.plan_owners_fen,
            "yx_officer",
            user,
            f"YZ-{item.pk}",
            item.building,
        )
    _take(project, "fund", "yx_officer", user, 5)
    plan = funding.funding_plan(project)
    wrong = _pay(project, Ledger.COUNTY, 12_345, "yx_officer", user, "XQ-2023-WRONG")
    funding.reverse_entry(wrong, reason="金额录错", actor=user("yx_officer"))
    _pay(project, Ledger.COUNTY, plan.county - 100_000, "yx_officer", user, "XQ-2023-87")
    _pay(project, Ledger.OTHER, 100_000, "yx_officer", user, "SQ-2023-01")
    _take(project, "start", "yx_officer", user, 6)
    _take(project, "complete", "yx_officer", user, 30)
    items = list(project.items.order_by("pk"))
    services.as_built_by_engine(items[0], report="竣工测试报告 JC-2023-01", actor=user("inspector"))
    services.record_as_built(
        items[1], eta=Decimal("0.33"), record={"report": "JC-2023-02"}, actor=user("inspector")
    )
    _take(project, "accept", "inspector", user, 31)
    _take(project, "audit", "sjj_auditor", user, 40, reason="结算审计无异议")
    if until == "audit":
        return project
    _pay(project, Ledger.PROVINCIAL, plan.provincial, "czj_finance", user, "SB-2023-88")
    _pay(project, Ledger.CONTRACTOR, plan.total, "yx_officer", user, "HT-2023-88")
    _take(project, "close", "zjj_admin", user, 41)
    project.refresh_from_db()
    assert project.stage == Stage.CLOSED
    return project


def _walk_closed_books(project, user):
    """A reversal, a payment and a time-node change of the closed project: refused."""
    paid = project.ledger.get(ledger=Ledger.CONTRACTOR)
    with pytest.raises(BusinessError):
        funding.reverse_entry(paid, reason="重复支付", actor=user("yx_officer"))
    with pytest.raises(BusinessError):
        _pay(project, Ledger.COUNTY, 100, "yx_officer", user, "XQ-2023-LATE")
    with pytest.raises(BusinessError):
        services.plan_dates(project, {Stage.CLOSED: D0}, actor=user("yx_officer"))


def _walk_documents(project, user):
    """A superseding upload and a download (the uploads: the documents each step needed)."""
    old = project.documents.get(kind="contract")
    new = documents.upload(
        project,
        kind="contract",
        file=upload_file("施工合同（补充）.pdf", pdf("walk")),
        actor=user("yx_officer"),
        supersedes=old,
    )
    documents.download(new, actor=user("sjj_auditor"))


def _walk_other_project(programme, user):
    """Households, suspended and resumed, then withdrawn."""
    project = _project(programme, user, n=1, code="residential_combined", name="审计撤回")
    households.set_households(
        project.items.get(),
        households.parse_text("1-1-101, 62.35, 张三\n1-1-102, 80.00"),
        actor=user("yx_officer"),
    )
    officer = user("yx_officer")  # the county's officer is shown the list unmasked
    households.log_unmasked_view(officer, project, households.personal_view(officer, project))
    _take(project, "suspend", "zjj_admin", user, 0, reason="居民意见分歧")
    _take(project, "resume", "zjj_admin", user, 1, reason="已达成一致")
    _take(project, "withdraw", "yx_officer", user, 2, reason="重复申报")


def _walk_jobs(user):
    officer = user("cq_officer")
    job = importer.start(_workbook(), "lost.xlsx", actor=officer)
    # what a worker killed while running it leaves: running, no sign of life for an hour
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert jobs.sweep_stale(stale_after=60) == 1
    job.refresh_from_db()
    jobs.retry(job, actor=officer)  # the immediate backend runs it again at once
    job.refresh_from_db()
    assert job.status == "done"


def _walk_audit(user):
    """The audit administrator reads, verifies, exports the trail and takes its anchors."""
    admin = user("auditadmin")
    oversight.record_read(admin, page=2, filters={"action": "money.county", "actor": ""})
    assert oversight.verify_and_record(admin).ok
    oversight.export(AuditEntry.objects.filter(action="demo.load"), admin, filters={})
    oversight.anchors_for_download(admin)


def _walk_quality(programme, user):
    """Issue 12: the lots generated, a passed and a failed entry re-test, a rectification
    issued, answered, reopened, answered again and closed."""
    from jigai.quality import services as quality
    from tests.platform.test_quality import WALL_OK, quality_project

    inspector, contractor = user("inspector"), user("contractor")
    project = quality_project(programme, user, name="质量全流程")
    quality.generate_lots(project, inspector)
    lot = project.inspection_lots.get(measure_id="wall_eps_80", seq=1)
    for report, density in (("WALK-R-1", "20"), ("WALK-R-2", "15")):
        quality.record_entry_test(
            lot,
            actor=inspector,
            material="eps",
            maker="阳泉保温材料厂",
            batch="B-1",
            quantity="1000",
            lab="阳泉市建设工程质量检测中心",
            report_no=report,
            tested_on=D0,
            values={**WALL_OK, "density": density},
        )
    r = quality.issue_rectification(
        project,
        actor=inspector,
        what="退场并更换该批EPS板",
        where="1号楼北立面",
        deadline=timezone.localdate() + timedelta(days=7),
        lot=lot,
    )
    quality.answer_rectification(r, actor=contractor, evidence="已退场")
    quality.review_rectification(r, actor=inspector, passed=False, result="缺新批次复验报告")
    quality.answer_rectification(r, actor=contractor, evidence="新批次复验合格")
    quality.review_rectification(r, actor=inspector, passed=True, result="复验合格")


def _walk(programme, user):
    _walk_audit(user)
    _walk_accounts(user)
    _walk_programmes(programme, user)
    _walk_survey(programme, user)
    project = _walk_project(programme, user)
    _walk_closed_books(project, user)
    _walk_documents(project, user)
    _walk_other_project(programme, user)
    _walk_jobs(user)
    _walk_quality(programme, user)
    _walk_duties(programme, user)


def _walk_duties(programme, user):
    """A refused request for another county's record (access.refused), and the officer who
    declared a project, moved to the development & reform commission as approver, refused
    its approval (project.refused). Last: it moves yx_officer."""
    other = Building.objects.filter(division__code="yuxian").first()
    request = RequestFactory().get(f"/buildings/{other.pk}/", REMOTE_ADDR="10.0.0.8")
    request.user = user("pd_officer")
    with pytest.raises(Http404):
        get_visible_or_404(Building, request, pk=other.pk)
    officer = user("yx_officer")
    category = programme.categories.get(code="residential_standalone")
    project = services.create_project(
        programme=programme, category=category, name="四眼原则", actor=officer
    )
    free = Building.objects.filter(
        division__code="yuxian",
        screenings__programme=programme,
        screenings__status=Screening.Status.ELIGIBLE,
        screenings__category=category,
        project_items__isnull=True,
    ).order_by("pk")[:1]
    services.add_buildings(project, list(free), actor=officer)
    for item in project.items.all():
        services.set_design(
            item,
            measures=[],
            eta=Decimal("0.4"),
            cost_fen=180 * 100 * int(item.floor_area_m2),
            window_fen=60 * 100 * int(item.floor_area_m2),
            source="entered",
            actor=officer,
        )
    _take(project, "declare", "yx_officer", user, 0)
    drc = Organisation.objects.get(short_name="市发改委")
    accounts.set_roles(user("yx_officer"), set(), actor=user("secadmin"))
    accounts.update_user(user("yx_officer"), {"organisation": drc}, actor=user("sysadmin"))
    accounts.set_roles(user("yx_officer"), {Role.APPROVER}, actor=user("secadmin"))
    with pytest.raises(DutyRefused):
        _take(project, "approve", "yx_officer", user, 1)


CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")  # how a choice's code looks


def _codes(value) -> set[str]:
    """The code-like strings in a stored value (itself, list items, dict keys)."""
    if isinstance(value, str):
        return {value} if CODE.match(value) else set()
    if isinstance(value, list):
        return set().union(*(_codes(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return _codes(list(value))
    return set()


def _problems(entry, language, usernames) -> list[str]:
    """What is wrong with the entry's sentence in a language (nothing, one hopes)."""
    message = messages.REGISTRY[entry.action]
    with translation.override(language):
        sentence = messages.render(entry.action, entry.data)  # raises rather than falls back
        found = []
        if entry.sentence != sentence:
            found.append(f"the entry shows {entry.sentence!r}")
        if "%(" in sentence or "%s" in sentence:
            found.append("a placeholder is left")
        for key, value in entry.data.items():
            formatter = message.formatters.get(key)
            shown = formatter(value) if formatter else value
            if str(shown) not in sentence:
                found.append(f"{key}={value!r} (shown as {shown!r}) is missing")
            if formatter and shown == value and value:
                found.append(f"{key}={value!r} was not formatted")
            if language == "zh-hans" and (entry.action, key) not in IDENTIFIERS:
                for code in _codes(value) - usernames:
                    if code in sentence:
                        found.append(f"{key}: the code {code!r} is shown instead of its label")
    return [f"{entry.action} #{entry.seq} [{language}] {p}: {sentence}" for p in found]


def test_every_registered_type_is_written_by_the_services_and_reads_in_both_languages(
    programme, user
):
    _walk(programme, user)
    entries = list(AuditEntry.objects.filter(data__isnull=False).order_by("seq"))
    written = {e.action for e in entries}
    registered = set(messages.REGISTRY)
    assert sorted(registered - written) == []  # registered, but no service writes it
    assert sorted(written - registered) == []  # written, but nobody registered it
    usernames = set(User.objects.values_list("username", flat=True))
    problems = [
        p
        for e in entries
        for language in ("zh-hans", "en")
        for p in _problems(e, language, usernames)
    ]
    assert problems == [], "\n".join(problems)
    report = audit.verify_chain()  # the walk's entries join the chain
    assert (report.ok, report.checked) == (True, AuditEntry.objects.count())


def test_sentences_of_the_walk_in_full(programme, user):
    """A few sentences whole: yuan from fen, labels of ledgers, stages, roles, the design's
    source and the assessment's outcomes, in the reader's language."""
    _walk(programme, user)

    def sentence(action, language, **data):
        entry = AuditEntry.objects.filter(action=action).order_by("-seq")
        entry = next(e for e in entry if data.items() <= e.data.items())
        with translation.override(language):
            return entry.sentence

    code = AuditEntry.objects.filter(action="project.close").get().data["p"]
    assert sentence("money.other", "zh-hans") == (
        f"周盂县 为项目 {code} 登记其他来源资金 1,000.00 元（凭证号 SQ-2023-01）"
    )
    assert sentence("money.reverse", "en") == (
        "周盂县 reversed County funds (县区配套) of 123.45 yuan (voucher XQ-2023-WRONG): 金额录错"
    )
    assert sentence("project.return", "en") == (
        f"李立项: Return for revision — {code} from “Declared (申报)” to "
        "“Returned for revision”（补充结构安全鉴定报告）"
    )
    assert sentence("user.roles", "en", u="walk_tester") == (
        "沈安全 set the roles of walk_tester to: Quality and safety inspector"
    )
    assert sentence("security.lockout", "en") == (
        f"Account “pd_officer” locked after {settings.LOCKOUT_FAILURES} failed logins"
    )
    # the optimiser's package of 南山小区1号楼: 509,066.00 yuan, η 0.5831
    assert sentence("project.design", "zh-hans", s="optimiser") == (
        "周盂县 设定了 南山小区1号楼 的改造方案：η 58.3%，509,066.00 元，"
        "其中外窗 177,878.96（优化计算方案）"
    )
    # the re-import: one building changed (re-assessed), four as they were
    assert sentence("survey.assess", "zh-hans", counts={"reaches": 1, "unchanged": 4}) == (
        f"使用 {ENGINE_VERSION} 对 1 栋建筑进行了能耗评估，气候参数 阳泉 (阳泉)："
        "达到能效提升要求 1，与上次评估相同 4"
    )
