"""Books not reopened (issue 11, hole 11): after close no payment, reversal or time-node
change; after the audit nothing the auditor saw is reversed and no time node changes; money
dated within the programme's period; owners never pay more than they owe. Each refusal
names its reason, leaves balances, stage and time nodes as they were, and is audited."""

import datetime as dt

import pytest

from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError
from jigai.projects import funding, households, services
from jigai.projects.models import Ledger, LedgerEntry, Project, Stage
from tests.platform.test_audit_every_type import _walk_project
from tests.platform.test_projects_money import _project


def _frozen(project):
    """What a refused change must leave as it was."""
    fresh = Project.objects.get(pk=project.pk)
    return (
        fresh.stage,
        fresh.version,
        funding.balances(fresh),
        sorted(LedgerEntry.objects.filter(project=fresh).values_list("pk", "amount_fen")),
        sorted(fresh.time_nodes.values_list("stage", "planned_on", "actual_on")),
    )


def _refused(project, call) -> BusinessError:
    before = _frozen(project)
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    with pytest.raises(BusinessError) as refused:
        call()
    assert _frozen(project) == before
    entries = list(AuditEntry.objects.filter(seq__gt=last))
    assert [e.outcome for e in entries] == [AuditEntry.Outcome.REFUSED]
    refused.value.entry = entries[0]
    return refused.value


def test_closed_books_refuse_a_reversal_a_payment_and_a_time_node(programme, user):
    """Before the fix the contractor's payment of a closed project was reversed (paid to the
    contractor back to 0, the stage still "closed") and its time nodes replanned."""
    project = _walk_project(programme, user)
    assert project.stage == Stage.CLOSED
    officer = user("yx_officer")
    paid = project.ledger.get(ledger=Ledger.CONTRACTOR)
    total = funding.funding_plan(project).total
    assert funding.balances(project)[Ledger.CONTRACTOR] == total == paid.amount_fen

    refused = _refused(
        project, lambda: funding.reverse_entry(paid, reason="重复支付", actor=officer)
    )
    assert refused.message == (
        "The books of a project that is Closed (结项) are closed: nothing can be reversed."
    )
    assert (refused.entry.action, refused.entry.data["why"]) == (
        "money.reverse_refused",
        ["books_closed"],
    )
    assert funding.balances(project)[Ledger.CONTRACTOR] == total

    refused = _refused(
        project,
        lambda: funding.record_payment(
            project,
            ledger=Ledger.COUNTY,
            amount_fen=100,
            on_date=dt.date(2023, 9, 1),
            reference="XQ-LATE",
            actor=officer,
        ),
    )
    assert refused.message == "No payment can be recorded for a project that is Closed (结项)."
    assert (refused.entry.action, refused.entry.data["why"]) == (
        "money.refused",
        ["books_closed"],
    )

    refused = _refused(
        project,
        lambda: services.plan_dates(project, {Stage.CLOSED: dt.date(2023, 12, 1)}, actor=officer),
    )
    assert refused.message == "The time nodes of a project that is Closed (结项) cannot be changed."
    assert (refused.entry.action, refused.entry.data["why"]) == (
        "project.plan_refused",
        ["books_closed"],
    )


def test_audited_books_keep_what_the_auditor_saw(programme, user):
    """After the audit the books are settled (provincial subsidy, contractor) and closed;
    what was recorded before the audit is not reversed, nor are the time nodes replanned.
    A settling payment recorded after the audit may still be corrected."""
    project = _walk_project(programme, user, until="audit")
    project.refresh_from_db()
    assert project.stage == Stage.AUDITED
    officer = user("yx_officer")
    county = project.ledger.filter(ledger=Ledger.COUNTY, reverses__isnull=True).latest("pk")
    refused = _refused(project, lambda: funding.reverse_entry(county, reason="补录", actor=officer))
    assert refused.message == (
        "The entry was audited with the project's books: it cannot be reversed."
    )
    assert refused.entry.data["why"] == ["books_audited"]
    refused = _refused(
        project,
        lambda: services.plan_dates(project, {Stage.CLOSED: dt.date(2023, 12, 1)}, actor=officer),
    )
    assert refused.entry.data["why"] == ["books_audited"]
    # settling after the audit, and correcting a mistaken settling payment, still work
    plan = funding.funding_plan(project)
    wrong = funding.record_payment(
        project,
        ledger=Ledger.PROVINCIAL,
        amount_fen=1_00,
        on_date=dt.date(2023, 8, 1),
        reference="SB-WRONG",
        actor=user("czj_finance"),
    )
    funding.reverse_entry(wrong, reason="金额录错", actor=user("czj_finance"))
    assert funding.balances(project)[Ledger.PROVINCIAL] == 0
    assert plan.provincial > 0


def test_money_is_dated_within_the_programme_period(programme, user, settings):
    """Before the fix a payment dated 2001 was accepted on a 2023 project."""
    settings.PAYMENT_GRACE_YEARS = 2
    project = _project(programme, user)
    officer = user("yx_officer")

    def pay(on_date, ref):
        return lambda: funding.record_payment(
            project,
            ledger=Ledger.COUNTY,
            amount_fen=1_000_00,
            on_date=on_date,
            reference=ref,
            actor=officer,
        )

    refused = _refused(project, pay(dt.date(2001, 5, 1), "XQ-2001"))
    assert refused.message == (
        "The date 2001-05-01 lies outside the period of programme year 2023 "
        "(2023-01-01 to 2025-12-31)."
    )
    assert (refused.entry.action, refused.entry.data) == (
        "money.refused",
        {
            "a": officer.display_name,
            "p": project.code,
            "l": "county",
            "y": 1_000_00,
            "d": "2001-05-01",
            "why": ["date_outside"],
        },
    )
    refused = _refused(project, pay(dt.date(2026, 1, 1), "XQ-2026"))
    assert refused.entry.data["why"] == ["date_outside"]
    refused = _refused(project, pay(dt.date(2099, 1, 1), "XQ-2099"))
    assert refused.entry.data["why"] == ["date_outside", "date_future"]
    assert funding.balances(project)[Ledger.COUNTY] == 0
    entry = pay(dt.date(2025, 12, 31), "XQ-2025")()
    assert funding.balances(project)[Ledger.COUNTY] == 1_000_00
    # a reversal is dated within the period too
    refused = _refused(
        project,
        lambda: funding.reverse_entry(
            entry, reason="录错", actor=officer, on_date=dt.date(2022, 12, 31)
        ),
    )
    assert refused.entry.action == "money.reverse_refused"
    assert refused.entry.data["why"] == ["date_outside"]
    assert funding.balances(project)[Ledger.COUNTY] == 1_000_00


def test_owners_never_pay_more_than_they_owe(programme, user):
    """An owners' payment is capped by its building's owner share and, when a room is
    named, by that household's share; the refusal is audited."""
    project = _project(programme, user, n=1)
    item = project.items.get()
    officer = user("yx_officer")
    households.set_households(item, households.parse_text("1-101, 60\n1-102, 40"), actor=officer)
    item.refresh_from_db()
    due = item.plan_owners_fen
    due_101 = funding.household_due(item, "1-101")
    assert due > 0 and due_101 == round(due * 0.6)

    def pay(amount, ref, room=""):
        return lambda: funding.record_payment(
            project,
            ledger=Ledger.OWNERS,
            amount_fen=amount,
            on_date=dt.date(2023, 7, 1),
            reference=ref,
            actor=officer,
            building=item.building,
            household=room,
        )

    refused = _refused(project, pay(due + 1, "YZ-OVER"))
    assert refused.entry.data["why"] == ["over_due"]
    assert f"{item.building}: " in " ".join(refused.details)
    refused = _refused(project, pay(due_101 + 1, "YZ-OVER-101", "1-101"))
    assert refused.entry.data["why"] == ["over_due"]
    assert "Room 1-101:" in " ".join([refused.message, *refused.details])
    pay(due_101, "YZ-101", "1-101")()
    refused = _refused(project, pay(1, "YZ-101-AGAIN", "1-101"))
    assert funding.owner_payments_by_building(project) == {item.building_id: due_101}
