"""Access control and separation of duties (issue 11, holes 2 and 3, Must 2).

- Scope follows role *and* organisation: a county officer moved into a contractor is
  refused, and one moved there behind the services' back sees nothing and pays nothing.
- Role pairs that may not be held together (``core.roles.INCOMPATIBLE``) and the roles
  each kind of organisation may hold (``ALLOWED_PLACEMENT``), refused and audited.
- A project is not approved by the one who declared it.
- No administrator changes another administrator's account.
- A request for another scope's record is refused, and audited at most N times a minute."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from jigai.accounts import services as accounts
from jigai.accounts.models import Organisation, User
from jigai.accounts.scope import Scope
from jigai.audit.models import AuditEntry
from jigai.buildings.models import Building
from jigai.core.errors import BusinessError
from jigai.core.roles import ALLOWED_PLACEMENT, INCOMPATIBLE, Duty, DutyRefused, Role, placed
from jigai.demo.loader import DEMO_FILE
from jigai.projects import funding, workflow
from jigai.projects.models import Ledger, Project, Stage
from tests.platform.document_samples import attach_needed
from tests.platform.test_projects_money import _project

D0 = dt.date(2023, 6, 1)


def _refusals(action="user.refused"):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


@pytest.fixture
def contractor_org(db):
    return Organisation.objects.get(short_name="晋阳建工")


@pytest.fixture
def yx_project(programme, user, contractor_org):
    """A 盂县 project built by the demo contractor."""
    project = _project(programme, user, name="职责分离")
    Project.objects.filter(pk=project.pk).update(contractor=contractor_org)
    return Project.objects.get(pk=project.pk)


# --------------------------------------------------------------------------- hole 2
def test_moving_a_county_officer_into_a_contractor_is_refused_and_audited(user, contractor_org):
    officer = user("yx_officer")
    with pytest.raises(DutyRefused, match="may not hold the role") as refused:
        accounts.update_user(officer, {"organisation": contractor_org}, actor=user("sysadmin"))
    assert refused.value.duty == Duty.PLACEMENT
    assert user("yx_officer").organisation.short_name == "盂县政府"
    (entry,) = _refusals()
    assert (entry.outcome, entry.actor.username, entry.data["u"], entry.data["why"]) == (
        "refused",
        "sysadmin",
        "yx_officer",
        "placement",
    )
    assert entry.data["r"] == ["county_officer"]


def test_a_county_officer_moved_into_a_contractor_behind_the_services_sees_and_pays_nothing(
    user, yx_project, contractor_org
):
    """Before the fix: Scope.of gave a user without a county the organisation's projects, so
    the moved officer saw the contractor's 盂县 project (1) and recorded owners' money on it."""
    User.objects.filter(username="yx_officer").update(organisation=contractor_org)
    moved = user("yx_officer")
    assert moved.placed_roles == frozenset() and moved.roles == {Role.COUNTY_OFFICER}
    assert Scope.of(moved) == Scope.nothing()
    assert Project.objects.for_user(moved).count() == 0
    assert Building.objects.for_user(moved).count() == 0
    with pytest.raises(PermissionDenied):
        funding.record_payment(
            yx_project,
            ledger=Ledger.COUNTY,
            amount_fen=100,
            on_date=D0,
            reference="MOVED-1",
            actor=moved,
        )
    assert yx_project.ledger.count() == 0
    # the contractor's own account still sees the project it builds
    assert list(Project.objects.for_user(user("contractor"))) == [yx_project]


def test_a_contractor_view_needs_a_contractor_role_in_a_project_party(user, contractor_org):
    lab = Organisation.objects.get(short_name="建科检测")
    assert placed({Role.CONTRACTOR}, contractor_org) == {Role.CONTRACTOR}
    assert placed({Role.CONTRACTOR}, lab) == frozenset()
    User.objects.filter(username="contractor").update(organisation=lab)
    assert Scope.of(user("contractor")) == Scope.nothing()


def test_every_demo_account_fits_the_rules(db):
    import yaml

    doc = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    for row in doc["users"]:
        org = Organisation.objects.get(name=row["organisation"])
        accounts.check_roles(set(row["roles"]), org)  # raises on a break
        assert User.objects.get(username=row["username"]).placed_roles == set(row["roles"])
    assert set(ALLOWED_PLACEMENT) == set(Role.values)


# --------------------------------------------------------------------------- hole 3 / Must 2
PAIRS = [
    ("yx_officer", {Role.COUNTY_OFFICER, Role.APPROVER}, Duty.DECLARE_APPROVE),
    ("czj_finance", {Role.FINANCE_OFFICER, Role.APPROVER}, Duty.PAY_APPROVE),
    ("sjj_auditor", {Role.AUDITOR, Role.FINANCE_OFFICER}, Duty.RECORD_AUDIT),
    ("zjj_admin", {Role.PROGRAMME_ADMIN, Role.APPROVER}, Duty.OVERSEE_APPROVE),
    ("inspector", {Role.INSPECTOR, Role.CONTRACTOR}, Duty.INSPECT_BUILD),
    ("yx_officer", {Role.COUNTY_OFFICER, Role.SYSTEM_ADMIN}, Duty.ADMIN_ALONE),
]


def test_every_rule_is_exercised_below():
    assert {duty for _u, _r, duty in PAIRS} == {rule.duty for rule in INCOMPATIBLE}


@pytest.mark.parametrize(("username", "roles", "duty"), PAIRS)
def test_roles_that_may_not_be_held_together_are_refused_and_audited(user, username, roles, duty):
    before = user(username).roles
    with pytest.raises(DutyRefused, match="cannot be combined") as refused:
        accounts.set_roles(user(username), roles, actor=user("secadmin"))
    assert refused.value.duty == duty
    assert str(duty.label) in refused.value.message
    assert user(username).roles == before  # nothing granted
    (entry,) = _refusals()
    assert (entry.outcome, entry.actor.username, entry.data["u"], entry.data["why"]) == (
        "refused",
        "secadmin",
        username,
        duty.value,
    )
    assert entry.data["r"] == sorted(roles)


def test_the_officer_who_declared_a_project_cannot_approve_it(user, yx_project):
    """Before the fix nothing compared the approver with the declarer: the officer, moved to
    the development & reform commission and made approver, approved their own declaration."""
    attach_needed(yx_project, "declare", user("yx_officer"))
    attach_needed(yx_project, "approve", user("yx_officer"))
    workflow.take(yx_project, "declare", actor=user("yx_officer"), on_date=D0)
    sec, sys_ = user("secadmin"), user("sysadmin")
    drc = Organisation.objects.get(short_name="市发改委")
    accounts.set_roles(user("yx_officer"), set(), actor=sec)
    accounts.update_user(user("yx_officer"), {"organisation": drc}, actor=sys_)
    accounts.set_roles(user("yx_officer"), {Role.APPROVER}, actor=sec)
    with pytest.raises(DutyRefused, match="approved by the one who declared it"):
        workflow.take(yx_project, "approve", actor=user("yx_officer"), on_date=D0)
    project = Project.objects.get(pk=yx_project.pk)
    assert (project.stage, project.transitions.count()) == (Stage.DECLARED, 1)
    (entry,) = _refusals("project.refused")
    assert (entry.outcome, entry.actor.username, entry.data["act"], entry.data["why"]) == (
        "refused",
        "yx_officer",
        "approve",
        "self_approval",
    )
    # another approver may
    workflow.take(yx_project, "approve", actor=user("fgw_approver"), on_date=D0)
    assert Project.objects.get(pk=yx_project.pk).stage == Stage.APPROVED


# --------------------------------------------------------------------------- administrators
@pytest.mark.parametrize("target", ["auditadmin", "secadmin"])
def test_the_system_administrator_cannot_deactivate_another_administrator(user, target):
    with pytest.raises(DutyRefused, match="cannot be changed by another administrator"):
        accounts.update_user(user(target), {"is_active": False}, actor=user("sysadmin"))
    assert User.objects.get(username=target).is_active is True
    (entry,) = _refusals()
    assert (entry.actor.username, entry.data["u"], entry.data["why"]) == (
        "sysadmin",
        target,
        "admin_protected",
    )


def test_no_administrator_changes_the_roles_of_another_or_grants_an_administrator_role(user):
    sec = user("secadmin")
    with pytest.raises(DutyRefused, match="cannot be changed by another administrator"):
        accounts.set_roles(user("auditadmin"), set(), actor=sec)
    with pytest.raises(DutyRefused, match="cannot be changed by another administrator"):
        accounts.set_roles(user("sysadmin"), {Role.SECURITY_ADMIN}, actor=sec)
    it = Organisation.objects.get(short_name="信息中心")
    helper = accounts.create_user(
        actor=user("sysadmin"), username="it_helper", organisation=it, password="Yq#Ops-2023!"
    )
    with pytest.raises(DutyRefused, match="only from the command line"):
        accounts.set_roles(helper, {Role.AUDIT_ADMIN}, actor=sec)
    assert user("auditadmin").roles == {Role.AUDIT_ADMIN}
    assert user("sysadmin").roles == {Role.SYSTEM_ADMIN}
    assert user("it_helper").roles == frozenset()
    assert [e.data["why"] for e in _refusals()] == ["admin_protected"] * 3


def test_no_administrator_resets_the_password_or_second_factor_of_another(user):
    """A system administrator who could set another administrator's password could log in
    as the audit administrator; a security administrator who could remove another
    administrator's authenticator could weaken its login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jigai.accounts import second_factor

    audit_admin = user("auditadmin")
    hash_before = audit_admin.password
    with pytest.raises(DutyRefused, match="cannot be changed by another administrator"):
        accounts.reset_password(audit_admin, "Yq#Taken-Over-2023", actor=user("sysadmin"))
    assert User.objects.get(username="auditadmin").password == hash_before
    devices = TOTPDevice.objects.filter(user__username="sysadmin").count()
    assert devices == 1  # the demo's authenticator
    with pytest.raises(DutyRefused, match="cannot be changed by another administrator"):
        second_factor.reset(user("sysadmin"), actor=user("secadmin"))
    assert TOTPDevice.objects.filter(user__username="sysadmin").count() == devices
    assert [(e.actor.username, e.data["u"], e.data["why"]) for e in _refusals()] == [
        ("sysadmin", "auditadmin", "admin_protected"),
        ("secadmin", "sysadmin", "admin_protected"),
    ]


def test_the_command_line_administrator_must_fit_its_organisation(user):
    with pytest.raises(DutyRefused, match="may not hold the role"):
        accounts.create_administrator(
            username="lab_admin",
            password="Lab#Admin2023",
            role=Role.SYSTEM_ADMIN,
            organisation=Organisation.objects.get(short_name="晋阳建工"),
        )
    assert not User.objects.filter(username="lab_admin").exists()
    (entry,) = _refusals()
    assert (entry.actor, entry.actor_name, entry.data["why"]) == (None, "command line", "placement")


def test_an_administrator_may_still_edit_a_business_account(user):
    accounts.update_user(user("yx_officer"), {"phone": "0353-1111111"}, actor=user("sysadmin"))
    assert user("yx_officer").phone == "0353-1111111"


# --------------------------------------------------------------------------- refused access
def test_cross_county_requests_are_refused_and_audited_at_most_the_limit(
    client_as, user, yx_project
):
    """51 requests by the 平定 officer for 盂县 records (buildings, the project, its ledger):
    0 succeed, and the trail holds ACCESS_REFUSALS_AUDITED_PER_MINUTE rows, not 51."""
    client = client_as("pd_officer")
    buildings = list(
        Building.objects.filter(division__code="yuxian").values_list("pk", flat=True)[:48]
    )
    entry = funding.record_payment(
        yx_project,
        ledger=Ledger.COUNTY,
        amount_fen=100,
        on_date=D0,
        reference="XC-1",
        actor=user("yx_officer"),
    )
    urls = [f"/buildings/{pk}/" for pk in buildings] + [
        f"/projects/{yx_project.pk}/",
        f"/projects/{yx_project.pk}/owners/",
        f"/projects/{yx_project.pk}/ledger/{entry.pk}/reverse/",
    ]
    assert len(urls) == 51
    statuses = [
        (client.post(u, {"reason": "x"}) if u.endswith("reverse/") else client.get(u)).status_code
        for u in urls
    ]
    assert statuses == [404] * 51
    rows = _refusals("access.refused")
    assert len(rows) == settings.ACCESS_REFUSALS_AUDITED_PER_MINUTE == 10
    first = rows[0]
    assert (first.actor.username, first.outcome, first.object_type, first.data["path"]) == (
        "pd_officer",
        "refused",
        "buildings.Building",
        urls[0],
    )
    assert first.data["s"] == f"county:{user('pd_officer').county.pk}"
    assert yx_project.ledger.count() == 1  # nothing reversed


def test_a_missing_record_is_a_plain_404_and_an_own_record_is_shown(client_as, user):
    client = client_as("pd_officer")
    missing = (Building.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    assert client.get(f"/buildings/{missing}/").status_code == 404
    own = Building.objects.filter(division__code="pingding").first()
    assert client.get(f"/buildings/{own.pk}/").status_code == 200
    assert _refusals("access.refused") == []


def test_another_countys_ledger_entry_under_ones_own_project_is_audited(
    client_as, user, programme, yx_project
):
    """The nested look-ups (items, ledger entries) go through the same helper: an entry of
    another county's project, named under the 平定 officer's own project, is refused and
    audited; the entry is not reversed."""
    pd_project = _project_of(programme, user("pd_officer"))
    entry = funding.record_payment(
        yx_project,
        ledger=Ledger.COUNTY,
        amount_fen=100,
        on_date=D0,
        reference="XC-2",
        actor=user("yx_officer"),
    )
    response = client_as("pd_officer").post(
        f"/projects/{pd_project.pk}/ledger/{entry.pk}/reverse/", {"reason": "x"}
    )
    assert response.status_code == 404
    (row,) = _refusals("access.refused")
    assert (row.object_type, row.object_id) == ("projects.LedgerEntry", str(entry.pk))
    assert yx_project.ledger.count() == 1


def _project_of(programme, officer):
    from jigai.projects import services

    category = programme.categories.get(code="residential_standalone")
    return services.create_project(
        programme=programme, category=category, name="平定", actor=officer
    )


def test_a_refusal_that_is_not_a_duty_is_not_audited_as_one(user):
    with pytest.raises(BusinessError, match="own roles"):
        accounts.set_roles(user("secadmin"), set(), actor=user("secadmin"))
    assert _refusals() == []
