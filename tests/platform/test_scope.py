"""Tenancy written once (jigai.accounts.scope): every county-owned model is listed through
the one scope rule, and the rule is the same for lists, single records and row locks."""

import datetime as dt

import pytest
from django.apps import apps

from jigai.accounts.models import Organisation
from jigai.accounts.scope import Scope, ScopedQuerySet, in_scope
from jigai.buildings import eligibility
from jigai.buildings.models import Assessment, Building, Community, ImportJob, Job, Screening
from jigai.buildings.package_rules import grant_rule_exception
from jigai.core.errors import BusinessError
from jigai.projects import funding, households, services
from jigai.projects.access import lock
from jigai.projects.models import LedgerEntry, Project, ProjectBuilding
from jigai.projects.workflow import take
from jigai.quality import services as quality
from tests.platform.document_samples import attach_needed
from tests.platform.test_projects import _eligible
from tests.platform.test_quality import any_entry_test

# Models that hold no county's records, each with why it is not county-scoped.
NOT_COUNTY_OWNED = {
    "Division": "the places themselves (reference data)",
    "Organisation": "reference data; user administration is the administrators' job",
    "User": "accounts are managed by the system and security administrators",
    "RoleAssignment": "accounts",
    "LoginThrottle": "login hardening, no business data",
    "ScheduledRun": "the platform's own routines (backup, anchor), no county's records",
    "PasswordHistory": "hashes of a user's earlier passwords, read only by the password check",
    "AuditEntry": "the audit trail has its own readers (auditors, audit administrator)",
    "Programme": "the city's programme year, read by every business role",
    "Category": "a column of the city's task table",
    "TaskTarget": "the task table is the city's, every county sees every row (accountability)",
}


def _jigai_models():
    return [m for m in apps.get_models() if m.__module__.startswith("jigai.")]


def test_every_county_owned_model_has_the_scoped_manager():
    missing = []
    for model in _jigai_models():
        if model.__name__ in NOT_COUNTY_OWNED:
            continue
        qs = model._default_manager.all()
        if not isinstance(qs, ScopedQuerySet) or not getattr(model, "scope_division", None):
            missing.append(model.__name__)
    assert missing == []
    # and the exemption list names only real models
    names = {m.__name__ for m in _jigai_models()}
    assert set(NOT_COUNTY_OWNED) <= names


@pytest.fixture
def built(programme, user):
    """A 盂县 project with two buildings, built by the demo contractor, with a payment."""
    officer = user("yx_officer")
    category = programme.categories.get(code="residential_standalone")
    p = services.create_project(programme=programme, category=category, name="范围", actor=officer)
    services.add_buildings(p, _eligible(programme, n=2), actor=officer)
    for item in p.items.all():
        services.design_from_assessment(item, actor=officer)
    contractor = user("contractor").organisation
    Project.objects.filter(pk=p.pk).update(contractor=contractor)
    funding.record_payment(
        Project.objects.get(pk=p.pk),
        ledger="provincial",
        amount_fen=100,
        on_date=dt.date(2023, 7, 1),
        reference="SCOPE-1",
        actor=user("czj_finance"),
    )
    item = p.items.order_by("pk").first()
    households.set_households(item, households.parse_text("1-101,50\n1-102,60"), actor=officer)
    admin = user("zjj_admin")
    excluded = Screening.objects.filter(
        programme=programme, building__division__code="yuxian", status=Screening.Status.EXCLUDED
    ).first()
    eligibility.grant_exception(excluded.building, programme, "县政府确认纳入改造范围", actor=admin)
    grant_rule_exception(
        item.building, programme, "require_roof", "屋面已于去年翻新完毕", actor=admin
    )
    attach_needed(p, "declare", officer)  # also a document for the scope of documents
    take(Project.objects.get(pk=p.pk), "declare", actor=officer, on_date=dt.date(2023, 6, 1))
    # quality (issue 12): the lots, an entry re-test, an on-site test and a rectification order
    quality.generate_lots(p, user("inspector"))
    lot = p.inspection_lots.order_by("pk").first()
    any_entry_test(lot, user("inspector"), "SCOPE-R-1")
    quality.record_site_test(  # an on-site test (issue 12 item 3)
        lot,
        actor=user("inspector"),
        item=next(i for i in p.items.all() if quality.uses(i, lot)),
        kind="fire_class",
        tested_on=dt.date(2023, 6, 2),
        values={"burning_class": "A"},
    )
    quality.issue_rectification(
        p,
        actor=user("inspector"),
        what="整改",
        where="1号楼",
        deadline=dt.date.today() + dt.timedelta(days=2),
        lot=lot,
    )
    # jobs: one by the county officer, one by the city, one by the contractor
    for who in ("yx_officer", "zjj_admin", "contractor"):
        Job.objects.create(user=user(who), kind=Job.Kind.ASSESS)
        ImportJob.objects.create(user=user(who), file_name="x.xlsx", sha256="0" * 64, size_bytes=1)
    return Project.objects.get(pk=p.pk)


@pytest.mark.parametrize(
    "model",
    [m for m in _jigai_models() if m.__name__ not in NOT_COUNTY_OWNED],
    ids=lambda m: m.__name__,
)
def test_each_scoped_model_follows_the_rule(model, built, user):
    rows = model._default_manager.all()
    county_path = f"{model.scope_division}__code"
    assert rows.exists(), "the demo and the fixture give every scoped model rows"
    # city-wide reader: everything
    assert model.objects.for_user(user("sjj_auditor")).count() == rows.count()
    # a county officer: exactly their county's rows
    mine = model.objects.for_user(user("yx_officer"))
    assert mine.count() == rows.filter(**{county_path: "yuxian"}).count()
    assert not mine.exclude(**{county_path: "yuxian"}).exists()
    assert model.objects.for_user(user("cq_officer")).filter(**{county_path: "yuxian"}).count() == 0
    # a contractor: only what belongs to the projects it builds; nothing else
    theirs = model.objects.for_user(user("contractor"))
    contractor_path = getattr(model, "scope_contractor", None)
    owner_path = getattr(model, "scope_owner", None)
    if contractor_path is not None:
        org = user("contractor").organisation
        assert theirs.count() == rows.filter(**{f"{contractor_path}": org}).count() > 0
    elif owner_path is not None:  # what they started themselves, nothing else
        assert theirs.count() == rows.filter(**{owner_path: user("contractor")}).count() == 1
    else:
        assert theirs.count() == 0
    # administrators of the information system see no business data
    assert model.objects.for_user(user("sysadmin")).count() == 0


def test_one_record_and_the_row_lock_follow_the_same_rule(built, user, programme):
    other = services.create_project(
        programme=programme,
        category=programme.categories.get(code="residential_standalone"),
        name="别家",
        actor=user("yx_officer"),
    )
    assert in_scope(built, user("contractor"))
    # before: a contractor (no county) was "in scope" of every project
    assert not in_scope(other, user("contractor"))
    assert in_scope(other, user("yx_officer")) and not in_scope(other, user("cq_officer"))
    with pytest.raises(BusinessError):
        from django.db import transaction

        with transaction.atomic():
            lock(other, user("contractor"))
    b = Building.objects.filter(division__code="yuxian").first()
    assert in_scope(b, user("yx_officer")) and not in_scope(b, user("cq_officer"))
    assert not in_scope(b, user("contractor"))


def test_divisions_of_a_scope(user):
    assert Scope.of(user("zjj_admin")).divisions().count() == 6
    assert list(Scope.of(user("yx_officer")).divisions().values_list("code", flat=True)) == [
        "yuxian"
    ]
    assert Scope.of(user("contractor")).divisions().count() == 0
    yx = user("yx_officer").county
    assert user("yx_officer").sees_division(yx)
    assert not user("cq_officer").sees_division(yx)
    assert user("sjj_auditor").sees_division(yx)


def test_models_in_this_test_exist():
    # guard against the parametrised test silently covering nothing
    scoped = [m for m in _jigai_models() if m.__name__ not in NOT_COUNTY_OWNED]
    assert {
        Community,
        Building,
        Screening,
        Assessment,
        Project,
        ProjectBuilding,
        LedgerEntry,
    } <= set(scoped)
    assert Organisation.__name__ in NOT_COUNTY_OWNED
