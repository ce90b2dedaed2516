"""Every URL × every role: least privilege, and 404 for another county's records.

The matrix below is the specification; a new URL must be added to it (the last
test fails when a named URL is missing here)."""

import pytest
from django.urls import get_resolver

from jigai.core.roles import SECOND_FACTOR_ROLES

# One demo account per role (see demo/data/demo.yaml); yx_officer is 盂县's officer.
ROLES = {
    "programme_admin": "zjj_admin",
    "county_officer": "yx_officer",
    "approver": "fgw_approver",
    "finance_officer": "czj_finance",
    "auditor": "sjj_auditor",
    "inspector": "inspector",
    "contractor": "contractor",
    "system_admin": "sysadmin",
    "security_admin": "secadmin",
    "audit_admin": "auditadmin",
}
BUSINESS = {
    "programme_admin",
    "county_officer",
    "approver",
    "finance_officer",
    "auditor",
    "inspector",
    "contractor",
}
CITY = {"programme_admin", "approver", "finance_officer", "auditor", "inspector"}
ALL = set(ROLES)


def only(*roles, ok=200, other=403):
    return {r: (ok if r in roles else other) for r in ROLES}


# (url name, method, path template, {role: expected status})
MATRIX = [
    ("home", "get", "/", {r: 302 for r in ALL}),
    ("dashboard:home", "get", "/dashboard/", only(*BUSINESS)),
    ("programmes:list", "get", "/programmes/", only(*BUSINESS)),
    ("programmes:detail", "get", "/programmes/{p}/", only(*BUSINESS)),
    ("dashboard:task_table", "get", "/dashboard/programmes/{p}/task-table/", only(*BUSINESS)),
    ("programmes:edit", "get", "/programmes/{p}/edit/", only("programme_admin")),
    ("programmes:targets", "get", "/programmes/{p}/targets/", only("programme_admin")),
    ("programmes:rules", "get", "/programmes/{p}/rules/", only("programme_admin")),
    ("programmes:copy", "post", "/programmes/{p}/copy/", only("programme_admin", ok=302)),
    ("programmes:status", "post", "/programmes/{p}/status/", only("programme_admin", ok=302)),
    # 盂县: the county officer is 盂县's; a contractor has no county scope (404 like a stranger).
    (
        "dashboard:county",
        "get",
        "/dashboard/programmes/{p}/counties/yuxian/",
        {**only(*CITY, "county_officer"), "contractor": 404},
    ),
    ("accounts:login", "get", "/accounts/login/", {r: 200 for r in ALL}),
    ("accounts:logout", "post", "/accounts/logout/", {r: 302 for r in ALL}),
    ("accounts:password_change", "get", "/accounts/password/", {r: 200 for r in ALL}),
    ("accounts:users", "get", "/accounts/users/", only("system_admin", "security_admin")),
    ("accounts:user_create", "get", "/accounts/users/new/", only("system_admin")),
    ("accounts:user_edit", "get", "/accounts/users/{u}/", only("system_admin")),
    ("accounts:user_roles", "get", "/accounts/users/{u}/roles/", only("security_admin")),
    ("accounts:lockouts", "get", "/accounts/lockouts/", only("security_admin")),
    ("accounts:unlock", "post", "/accounts/lockouts/unlock/", only("security_admin", ok=302)),
    ("accounts:organisations", "get", "/accounts/organisations/", only("system_admin")),
    ("accounts:user_password_reset", "get", "/accounts/users/{u}/password/", only("system_admin")),
    (
        "accounts:user_second_factor_reset",
        "post",
        "/accounts/users/{u}/second-factor/reset/",
        only("security_admin", ok=302),
    ),
    ("accounts:second_factor", "get", "/accounts/second-factor/", {r: 200 for r in ALL}),
    # past the second factor already: back home
    ("accounts:otp_verify", "get", "/accounts/second-factor/verify/", {r: 302 for r in ALL}),
    # the privileged demo accounts have an authenticator already (refused, back), others enrol
    (
        "accounts:otp_enrol",
        "get",
        "/accounts/second-factor/enrol/",
        {r: 302 if r in SECOND_FACTOR_ROLES else 200 for r in ALL},
    ),
    # new recovery codes for who has an authenticator; the others are sent back
    (
        "accounts:recovery_codes",
        "post",
        "/accounts/second-factor/recovery-codes/",
        {r: 200 if r in SECOND_FACTOR_ROLES else 302 for r in ALL},
    ),
    ("audit:list", "get", "/audit/", only("audit_admin", "auditor")),
    ("audit:verify", "post", "/audit/verify/", only("audit_admin")),
    ("audit:export", "post", "/audit/export/", only("audit_admin")),
    ("audit:anchors", "post", "/audit/anchors/", only("audit_admin")),
    ("set_language", "post", "/i18n/setlang/", {r: 302 for r in ALL}),
    # the survey: {b} is a building of 盂县, {j} an import job of zjj_admin
    ("buildings:list", "get", "/buildings/", only(*CITY, "county_officer")),
    (
        "projects:building_owners",
        "get",
        "/projects/buildings/{b}/owners/",
        only(*CITY, "county_officer"),
    ),
    ("buildings:detail", "get", "/buildings/{b}/", only(*CITY, "county_officer")),
    ("buildings:summary", "get", "/buildings/summary/", only(*CITY, "county_officer")),
    ("buildings:map", "get", "/buildings/map/", only(*CITY, "county_officer")),
    ("buildings:rescreen", "post", "/buildings/screen/", only("programme_admin", ok=302)),
    (
        "buildings:rule_exception",
        "post",
        "/buildings/{b}/rule-exception/",
        {**only("programme_admin", ok=302), "county_officer": 403},
    ),
    (
        "buildings:assess",
        "post",
        "/buildings/assess/",
        only("programme_admin", "county_officer", ok=302),
    ),
    ("buildings:import", "get", "/buildings/import/", only("programme_admin", "county_officer")),
    (
        "buildings:template",
        "get",
        "/buildings/import/template/",
        only("programme_admin", "county_officer"),
    ),
    (
        "buildings:import_job",
        "get",
        "/buildings/import/{j}/",
        {**only("programme_admin"), "county_officer": 404},
    ),
    (
        "buildings:import_errors",
        "get",
        "/buildings/import/{j}/errors/",
        {**only("programme_admin"), "county_officer": 404},
    ),
    # {j} is rejected, not failed: retrying it is refused with a message (302)
    (
        "buildings:import_retry",
        "post",
        "/buildings/import/{j}/retry/",
        {**only("programme_admin", ok=302), "county_officer": 404},
    ),
    # {J} is a finished assessment job of zjj_admin
    ("buildings:job", "get", "/buildings/jobs/{J}/", {**only(*CITY), "county_officer": 404}),
    # {X} is a finished export of zjj_admin: its file is for the one who asked for it
    (
        "buildings:job_output",
        "get",
        "/buildings/jobs/{X}/file/",
        {**only(*CITY, other=403), **{r: 404 for r in CITY - {"programme_admin"}}}
        | {"county_officer": 404},
    ),
    (
        "buildings:export",
        "post",
        "/buildings/export/?county=yuxian&status=eligible",
        only(*CITY, "county_officer", ok=302),
    ),
    (
        "buildings:job_retry",
        "post",
        "/buildings/jobs/{J}/retry/",
        {**only("programme_admin", ok=302), "county_officer": 404},
    ),
    # projects: {q} is a project of 盂县 (contractor: not its project → 404), {i} its building, {e} a ledger entry
    ("projects:list", "get", "/projects/", only(*CITY, "county_officer", "contractor")),
    ("projects:create", "get", "/projects/new/", only("county_officer")),
    (
        "projects:reconciliation",
        "get",
        "/projects/reconciliation/",
        only(*CITY, "county_officer", "contractor"),
    ),
    (
        "projects:detail",
        "get",
        "/projects/{q}/",
        {**only(*CITY, "county_officer"), "contractor": 404},
    ),
    (
        "projects:act",
        "post",
        "/projects/{q}/act/",
        {**only(*(CITY - {"finance_officer"}), "county_officer", ok=302), "contractor": 403},
    ),
    (
        "projects:pay",
        "post",
        "/projects/{q}/pay/",
        {**only("finance_officer", "county_officer", ok=302), "contractor": 403},
    ),
    # {e} is a provincial disbursement: only the finance bureau corrects it
    (
        "projects:reverse",
        "post",
        "/projects/{q}/ledger/{e}/reverse/",
        {**only("finance_officer", ok=302), "contractor": 404},
    ),
    ("projects:add_buildings", "post", "/projects/{q}/buildings/", only("county_officer", ok=302)),
    ("projects:design", "post", "/projects/{q}/items/{i}/design/", only("county_officer", ok=302)),
    ("projects:tender", "post", "/projects/{q}/tender/", only("county_officer", ok=302)),
    ("projects:plan", "post", "/projects/{q}/plan/", only("county_officer", ok=302)),
    (
        "projects:owners",
        "get",
        "/projects/{q}/owners/",
        {**only(*CITY, "county_officer"), "contractor": 404},
    ),
    (
        "projects:households",
        "post",
        "/projects/{q}/items/{i}/households/",
        only("county_officer", ok=302),
    ),
    ("projects:as_built", "post", "/projects/{q}/items/{i}/as-built/", only("inspector", ok=302)),
]


def _url(path, programme, user):
    from django.core.files.base import ContentFile

    from jigai.buildings.models import Building, ImportJob

    building = Building.objects.filter(division__code="yuxian").first()
    job = ImportJob.objects.create(
        user=user("zjj_admin"),
        file_name="x.xlsx",
        sha256="0" * 64,
        size_bytes=1,
        status=ImportJob.Status.REJECTED,
        errors=[{"row": 2, "column": "楼号", "message": "required"}],
    )
    from jigai.buildings.models import Job

    assessment_job = Job.objects.create(user=user("zjj_admin"), kind="assess", status="done")
    export_job = Job.objects.create(user=user("zjj_admin"), kind="export", status="done")
    export_job.output.save("matrix.xlsx", ContentFile(b"PK"), save=True)
    project, item, entry = _project(programme, user)
    return path.format(
        J=assessment_job.pk,
        X=export_job.pk,
        p=programme.pk,
        u=user("pd_officer").pk,
        b=building.pk,
        j=job.pk,
        q=project.pk,
        i=item.pk,
        e=entry.pk,
    )


def _project(programme, user):
    import datetime as dt

    from jigai.projects import funding, services
    from tests.platform.test_projects import _eligible

    officer = user("yx_officer")
    category = programme.categories.get(code="residential_standalone")
    project = services.create_project(
        programme=programme, category=category, name="矩阵", actor=officer
    )
    services.add_buildings(project, _eligible(programme, n=1), actor=officer)
    services.design_from_assessment(project.items.get(), actor=officer)  # money is due
    entry = funding.record_payment(
        project,
        ledger="provincial",
        amount_fen=100,
        on_date=dt.date(2023, 6, 1),
        reference="M-1",
        actor=user("czj_finance"),
    )
    return project, project.items.get(), entry


def _cases():
    for name, method, path, expected in MATRIX:
        for role in ROLES:
            yield pytest.param(name, method, path, role, expected[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("name", "method", "path", "role", "status"), list(_cases()))
def test_url_role_matrix(client_as, programme, user, name, method, path, role, status):
    client = client_as(ROLES[role])
    response = getattr(client, method)(_url(path, programme, user))
    assert response.status_code == status


# Logging in and switching language are the only things open before login.
@pytest.mark.parametrize(
    ("name", "method", "path", "expected"),
    [m for m in MATRIX if m[0] not in {"accounts:login", "set_language"}],
)
def test_anonymous_is_sent_to_login(client, programme, user, name, method, path, expected):
    response = getattr(client, method)(_url(path, programme, user))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "officer", ["pd_officer", "cq_officer", "kq_officer", "jq_officer", "gx_officer"]
)
def test_county_officer_gets_404_for_another_county(client_as, programme, officer):
    from jigai.buildings.models import Building

    client = client_as(officer)
    assert client.get(f"/dashboard/programmes/{programme.pk}/counties/yuxian/").status_code == 404
    building = Building.objects.filter(division__code="yuxian").first()
    assert client.get(f"/buildings/{building.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("officer", "code"),
    [
        ("pd_officer", "pingding"),
        ("yx_officer", "yuxian"),
        ("cq_officer", "chengqu"),
        ("kq_officer", "kuangqu"),
        ("jq_officer", "jiaoqu"),
        ("gx_officer", "gaoxin"),
    ],
)
def test_county_officer_opens_own_county(client_as, programme, officer, code):
    response = client_as(officer).get(f"/dashboard/programmes/{programme.pk}/counties/{code}/")
    assert response.status_code == 200
    assert response.context["division"].code == code


def test_matrix_covers_every_named_url():
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace:
            names |= {f"{namespace}:{p.name}" for p in pattern.url_patterns if p.name}
        elif getattr(pattern, "name", None):
            names.add(pattern.name)
    assert names == {m[0] for m in MATRIX}


# Issue 11: a privileged account without a confirmed authenticator reaches nothing but
# the enrolment page (and login, logout, the language switch).
OPEN_BEFORE_SECOND_FACTOR = {
    "accounts:login",
    "accounts:logout",
    "set_language",
    "accounts:otp_enrol",
}


def _all_urls(programme, user):
    """Every URL of the matrix, with one set of records behind them."""
    urls = _url("\n".join(m[2] for m in MATRIX), programme, user).split("\n")
    return [(m[0], m[1], url) for m, url in zip(MATRIX, urls, strict=True)]


@pytest.mark.parametrize("role", sorted(SECOND_FACTOR_ROLES))
def test_privileged_user_without_second_factor_reaches_only_enrolment(
    client, programme, user, role
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    subject = user(ROLES[role])
    TOTPDevice.objects.filter(user=subject).delete()
    client.force_login(subject)
    reachable = []
    for name, method, url in _all_urls(programme, user):
        if name in OPEN_BEFORE_SECOND_FACTOR:
            continue
        response = getattr(client, method)(url)
        if not (
            response.status_code == 302 and response["Location"] == "/accounts/second-factor/enrol/"
        ):
            reachable.append((name, response.status_code))
    assert reachable == []  # views reachable without the second factor: 0
    assert client.get("/accounts/second-factor/enrol/").status_code == 200


@pytest.mark.parametrize("role", sorted(SECOND_FACTOR_ROLES))
def test_privileged_user_with_an_authenticator_must_give_a_code(client, programme, user, role):
    client.force_login(user(ROLES[role]))
    reachable = []
    for name, method, url in _all_urls(programme, user):
        if name in OPEN_BEFORE_SECOND_FACTOR | {"accounts:otp_verify"}:
            continue
        response = getattr(client, method)(url)
        if not (
            response.status_code == 302
            and response["Location"] == "/accounts/second-factor/verify/"
        ):
            reachable.append((name, response.status_code))
    assert reachable == []
