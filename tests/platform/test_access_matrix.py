"""The role × URL matrix: every named URL of the application, requested by every role (one
demo account each, a county officer of another county, and no login), answers exactly the
status kept in ``access_matrix.csv``. Any drift — a page opened to a role, or closed to one,
a URL added without a row — fails here.

Cells: 200 shown, 302 redirected (anonymous: to the login page; a POST: back with its
outcome), 403 refused by capability, 404 outside the user's scope (or no such record),
405 wrong method. POSTs carry no data: an allowed one is refused by the service as
incomplete (302 back), so nothing is changed by the matrix itself.

Regenerate after a deliberate change with ``JIGAI_WRITE_ACCESS_MATRIX=1`` and review the
diff of the CSV like code."""

import csv
import datetime as dt
import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from jigai.accounts.models import Organisation, User
from jigai.buildings import jobs as survey_jobs
from jigai.buildings.models import Job
from jigai.core.roles import SECOND_FACTOR_ROLES
from jigai.documents import services as documents
from jigai.projects import funding, services
from jigai.projects.models import Ledger, Project
from jigai.quality import services as quality
from tests.conftest import pass_second_factor
from tests.platform.document_samples import jpeg, upload_file
from tests.platform.test_projects_money import _project

MATRIX = Path(__file__).with_name("access_matrix.csv")
ACCOUNTS = [
    "anonymous",
    "zjj_admin",
    "fgw_approver",
    "czj_finance",
    "sjj_auditor",
    "yx_officer",
    "pd_officer",
    "inspector",
    "contractor",
    "sysadmin",
    "secadmin",
    "auditadmin",
]
NOT_IN_MATRIX = {"set_language"}  # Django's language switch, open to all by design
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _url_names(resolver=None, namespace=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from _url_names(p, f"{namespace}{p.namespace}:" if p.namespace else namespace)
        elif isinstance(p, URLPattern) and p.name and p.name not in NOT_IN_MATRIX:
            yield f"{namespace}{p.name}"


@pytest.fixture
def objects(programme, user, settings):
    """The records the URLs name: a 盂县 project built by the demo contractor, its first
    building and item, a ledger entry, a queued export job of the 盂县 officer, a photo."""
    settings.TASKS = DB_BACKEND  # jobs queued, not run
    officer = user("yx_officer")
    project = _project(programme, user, name="权限矩阵")
    contractor = Organisation.objects.get(short_name="晋阳建工")
    Project.objects.filter(pk=project.pk).update(contractor=contractor)
    item = project.items.order_by("pk").first()
    entry = funding.record_payment(
        project,
        ledger=Ledger.COUNTY,
        amount_fen=100,
        on_date=dt.date(2023, 6, 1),
        reference="MATRIX-1",
        actor=officer,
    )
    job = survey_jobs.start(Job.Kind.EXPORT, actor=officer, params={})
    photo = documents.upload(
        project, kind="photo_before", file=upload_file("楼.jpg", jpeg()), actor=officer
    )
    # quality (issue 12): the lots of the optimiser's design, an order on the first lot
    services.design_from_assessment(item, actor=officer)
    quality.generate_lots(project, user("inspector"))
    lot = project.inspection_lots.order_by("pk").first()
    order = quality.issue_rectification(
        project,
        actor=user("inspector"),
        what="整改",
        where="1号楼",
        deadline=dt.date.today() + dt.timedelta(days=2),
        lot=lot,
    )
    return {
        "lot": lot.pk,
        "rectification": order.pk,
        "project": project.pk,
        "item": item.pk,
        "building": item.building_id,
        "entry": entry.pk,
        "job": job.pk,
        "document": photo.pk,
        "import_job": 999_999,
        "user": User.objects.get(username="yx_officer").pk,
        "programme": programme.pk,
        "code": "yuxian",
    }


def _read():
    with MATRIX.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _request(row, who, objects, user):
    client = Client()
    if who != "anonymous":
        client.force_login(user(who))
        pass_second_factor(client, user(who))
    path = row["path"].format(**objects)
    call = client.post if row["method"] == "POST" else client.get
    return call(path).status_code


def test_every_url_name_has_a_row():
    names = sorted(_url_names())
    assert sorted(r["url_name"] for r in _read()) == names


def test_each_role_gets_exactly_the_expected_status_on_each_url(objects, user, capsys):
    rows = _read()
    got = [{**r, **{who: str(_request(r, who, objects, user)) for who in ACCOUNTS}} for r in rows]
    if os.environ.get("JIGAI_WRITE_ACCESS_MATRIX"):
        with MATRIX.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, ["url_name", "method", "path", *ACCOUNTS])
            writer.writeheader()
            writer.writerows(got)
    drift = [
        f"{r['url_name']} as {who}: expected {r[who]}, got {g[who]}"
        for r, g in zip(rows, got, strict=True)
        for who in ACCOUNTS
        if r[who] != g[who]
    ]
    assert drift == [], "\n".join(drift)
    with capsys.disabled():
        print(
            f"\naccess matrix: {len(rows)} URLs × {len(ACCOUNTS)} accounts = "
            f"{len(rows) * len(ACCOUNTS)} cells checked"
        )


# Issue 11: a privileged account without a confirmed authenticator reaches nothing but the
# enrolment page (and login, logout, the language switch); with one, nothing but the code step.
OPEN_BEFORE_SECOND_FACTOR = {"accounts:login", "accounts:logout", "accounts:otp_enrol"}
PRIVILEGED = {  # one demo account per role of SECOND_FACTOR_ROLES
    "programme_admin": "zjj_admin",
    "approver": "fgw_approver",
    "finance_officer": "czj_finance",
    "system_admin": "sysadmin",
    "security_admin": "secadmin",
    "audit_admin": "auditadmin",
}


def test_the_privileged_accounts_are_every_second_factor_role():
    assert set(PRIVILEGED) == set(SECOND_FACTOR_ROLES)


def _stopped_at(username, objects, user, *, without_device, step, open_names):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    subject = user(username)
    if without_device:
        TOTPDevice.objects.filter(user=subject).delete()
    client = Client()
    client.force_login(subject)
    reachable = []
    for row in _read():
        if row["url_name"] in open_names:
            continue
        path = row["path"].format(**objects)
        response = (client.post if row["method"] == "POST" else client.get)(path)
        if not (response.status_code == 302 and response["Location"] == step):
            reachable.append((row["url_name"], response.status_code))
    return client, reachable


@pytest.mark.parametrize("username", sorted(PRIVILEGED.values()))
def test_privileged_user_without_second_factor_reaches_only_enrolment(objects, user, username):
    client, reachable = _stopped_at(
        username,
        objects,
        user,
        without_device=True,
        step="/accounts/second-factor/enrol/",
        open_names=OPEN_BEFORE_SECOND_FACTOR,
    )
    assert reachable == []  # views reachable without the second factor: 0
    assert client.get("/accounts/second-factor/enrol/").status_code == 200


@pytest.mark.parametrize("username", sorted(PRIVILEGED.values()))
def test_privileged_user_with_an_authenticator_must_give_a_code(objects, user, username):
    _, reachable = _stopped_at(
        username,
        objects,
        user,
        without_device=False,
        step="/accounts/second-factor/verify/",
        open_names=OPEN_BEFORE_SECOND_FACTOR | {"accounts:otp_verify"},
    )
    assert reachable == []
