"""Personal data (issue 11, must 6): an inventory of personal fields that the models cannot
outgrow unnoticed; phone numbers, owners' names and room numbers masked on screen except
for the roles that need them, in their own county; showing them unmasked audited once a day;
contractors see no room numbers and no household money; SQLite overwrites deleted rows."""

import datetime as dt
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.apps import apps
from django.conf import settings

from jigai.audit.models import AuditEntry
from jigai.core import personal
from jigai.core.roles import Role
from jigai.money import format_yuan
from jigai.projects import funding, households, services, workflow
from jigai.projects.models import Ledger, Project
from tests.platform.document_samples import attach_needed
from tests.platform.test_projects_money import _pay, _project

# --------------------------------------------------------------------------- inventory


def _looks_personal() -> set[tuple[str, str]]:
    return {
        (model._meta.label, field.name)
        for model in apps.get_models()
        if model.__module__.startswith("jigai.")
        for field in model._meta.concrete_fields
        if personal.LOOKS_PERSONAL.search(field.name)
    }


def test_every_field_that_looks_personal_is_in_the_inventory():
    """A model that gains e.g. ``contact_phone`` or ``id_card`` fails here until the field is
    inventoried (category, purpose, who sees it unmasked)."""
    missing = _looks_personal() - set(personal.inventory())
    assert sorted(missing) == []


def test_the_inventory_names_real_fields_and_roles():
    categories = {"phone", "name", "room", "email", "network_address", "account", "not_personal"}
    for (label, name), entry in personal.inventory().items():
        model = apps.get_model(label)
        assert name in {f.name for f in model._meta.concrete_fields}, (label, name)
        assert entry.category in categories and entry.purpose, (label, name)
        assert entry.unmasked_roles <= set(Role.values), (label, name)
        assert entry.mask in ("", *personal.MASKS), (label, name)
    assert personal.household_money_roles() <= set(Role.values)
    assert Role.CONTRACTOR not in personal.household_money_roles() | personal.room_roles()


def test_the_check_catches_a_new_personal_field(monkeypatch):
    """The check itself: a field named like a phone number is caught."""
    from jigai.projects.models import Household

    field = Household._meta.get_field("owner_name")
    monkeypatch.setattr(field, "name", "owner_mobile")
    assert ("projects.Household", "owner_mobile") in _looks_personal() - set(personal.inventory())


def test_masks():
    assert personal.mask_phone("13812345678") == "138****5678"
    assert personal.mask_phone("0353-1234567") == "035*****4567"
    assert personal.mask_phone("12345") == "***45"
    assert personal.mask_name("张三丰") == "张**"
    assert personal.mask_room("3-2-301") == "3-2-***"
    assert personal.mask_room("2单元502") == "2单元***"
    assert personal.mask_room("A12") == "A**"
    assert [personal.mask_room(""), personal.mask_name(""), personal.mask_phone("")] == [
        "",
        "",
        "",
    ]


# --------------------------------------------------------------------------- pages

LIST = "1-1-101, 62.35, 张三丰\n1-1-102, 80.00, 欧阳小明\n"


def _with_households_and_contractor(programme, user):
    """南山小区1号楼 and 3号楼, a household list on 1号楼, 6,000.00 and 4,000.00 yuan paid by
    its two rooms,
    the demo contractor's organisation holding the tender."""
    project = _project(programme, user, name="个人信息")
    officer = user("yx_officer")
    item = project.items.order_by("pk").first()
    households.set_households(item, households.parse_text(LIST), actor=officer)
    _pay(project, Ledger.OWNERS, 600_000, "yx_officer", user, "YZ-P1", item.building, "1-1-101")
    _pay(project, Ledger.OWNERS, 400_000, "yx_officer", user, "YZ-P2", item.building, "1-1-102")
    day = dt.date(2023, 6, 1)
    for action in ("declare", "approve"):
        attach_needed(project, action, officer)
    workflow.take(project, "declare", actor=officer, on_date=day)
    workflow.take(project, "approve", actor=user("fgw_approver"), on_date=day)
    project = Project.objects.get(pk=project.pk)
    services.record_tender(
        project,
        contract_sum_fen=project.funding.total_fen,
        contractor=user("contractor").organisation,
        supervisor=None,
        actor=officer,
    )
    return Project.objects.get(pk=project.pk)


def _page(client_as, who, url):
    response = client_as(who).get(url)
    return response.status_code, response.content.decode()


def test_who_sees_names_rooms_and_household_money(programme, user, client_as):
    project = _with_households_and_contractor(programme, user)
    detail, owners = f"/projects/{project.pk}/", f"/projects/{project.pk}/owners/"
    item = project.items.order_by("pk").first()
    share = format_yuan(funding.household_due(item, "1-1-102"))  # 80 m² of 142.35

    # the county's officer: names and rooms whole
    status, page = _page(client_as, "yx_officer", detail)
    assert status == 200 and "欧阳小明" in page and "1-1-102" in page and share in page

    # the auditor: rooms whole (receipts), names masked
    status, page = _page(client_as, "sjj_auditor", owners)
    assert status == 200 and "1-1-102" in page and "欧***" in page and "欧阳小明" not in page

    # the city's programme administrator: both masked, household money shown
    status, page = _page(client_as, "zjj_admin", detail)
    assert status == 200 and "1-1-***" in page and "1-1-102" not in page
    assert "欧***" in page and "欧阳小明" not in page and share in page

    # the contractor: the project, but no room, no owner, no amount per household or owner
    status, page = _page(client_as, "contractor", detail)
    assert status == 200 and project.code in page
    assert "1-1-10" not in page and "欧" not in page and "张" not in page
    assert share not in page
    # the owners' payments (the building's total, 10,000.00, is not an owner's money)
    assert "YZ-P" not in page and "6,000.00" not in page and "4,000.00" not in page
    assert "10,000.00" in page
    assert _page(client_as, "contractor", owners)[0] == 403


def test_unmasked_views_are_audited_once_a_day_per_user_and_project(programme, user, client_as):
    project = _with_households_and_contractor(programme, user)

    def views(who):
        return AuditEntry.objects.filter(
            action="personal.view", actor=user(who), object_id=str(project.pk)
        )

    for _ in range(3):
        assert client_as("yx_officer").get(f"/projects/{project.pk}/").status_code == 200
    assert client_as("yx_officer").get(f"/projects/{project.pk}/owners/").status_code == 200
    entry = views("yx_officer").get()
    assert entry.data["f"] == ["owner_names", "room_numbers"]
    assert entry.ip_address == "127.0.0.1"
    client_as("sjj_auditor").get(f"/projects/{project.pk}/owners/")
    assert views("sjj_auditor").get().data["f"] == ["room_numbers"]
    # a masked view is not logged
    client_as("zjj_admin").get(f"/projects/{project.pk}/")
    assert not views("zjj_admin").exists()
    # the next day, again once
    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.utils.timezone.localdate", lambda *a, **k: tomorrow)
        client_as("yx_officer").get(f"/projects/{project.pk}/")
        client_as("yx_officer").get(f"/projects/{project.pk}/")
    assert views("yx_officer").count() == 2


# --------------------------------------------------------------------------- SQLite


def _write_and_delete(probe, marker):
    try:
        with probe.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            assert cursor.fetchone()[0] == 1
            cursor.execute("CREATE TABLE household (id INTEGER PRIMARY KEY, owner TEXT)")
            for i in range(50):
                cursor.execute("INSERT INTO household (owner) VALUES (%s)", [f"{marker}-{i}"])
            cursor.execute("DELETE FROM household")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        probe.close()


def test_sqlite_overwrites_a_deleted_row(tmp_path, django_db_blocker):
    """A connection opened with the platform's SQLite options deletes a row holding a marker;
    after a WAL checkpoint the marker is nowhere in the database file (0 hits; without
    ``secure_delete`` the freed page still holds it)."""
    from django.db.utils import ConnectionHandler

    path = tmp_path / "probe.sqlite3"
    options = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": settings.SQLITE_OPTIONS,
    }
    marker = "欧阳小明-13812345678-MARKER"

    def probe():  # a connection of the thread's own
        _write_and_delete(ConnectionHandler({"default": options})["default"], marker)

    # in a thread of its own: after the browser tests this thread runs Playwright's event
    # loop, in which Django refuses database calls
    with django_db_blocker.unblock(), ThreadPoolExecutor(1) as pool:
        pool.submit(probe).result()
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    assert data.count(marker.encode()) == 0
    # the file is a database that held the table (the probe did write)
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM household").fetchone() == (0,)
