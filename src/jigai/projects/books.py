"""When a project's books and dates are frozen, and how a refused change is recorded.

- A closed project's books are closed: no payment, no reversal, no time-node change.
- An audited project (结算审计 done, not yet closed) may still receive and pay what settles
  the audited account — closing needs settled books — but what the auditor saw stays as it
  was: no entry recorded before the audit is reversed, no time node changed.
- A withdrawn project takes no payment and no time-node change.
- Every payment, and every reversal, is dated within its programme's period: from the first
  day of the programme year to the end of ``PAYMENT_GRACE_YEARS`` years after it (works and
  settlement run past the year), and never in the future.

A refused payment, reversal or time-node change is recorded in the audit trail (outcome
"refused", with the reasons as codes of :class:`Refusal`), in its own transaction once the
refused one has rolled back.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigai.audit import services as audit
from jigai.audit.models import AuditEntry
from jigai.projects.models import LedgerEntry, Project, Stage

BOOKS_CLOSED = {Stage.CLOSED}
NO_PAYMENTS = {Stage.CLOSED, Stage.WITHDRAWN}
DATES_FROZEN = {Stage.AUDITED, Stage.CLOSED, Stage.WITHDRAWN}


class Refusal(models.TextChoices):
    """Why a change of a project's money or dates was refused (audit entries' codes)."""

    BOOKS_CLOSED = "books_closed", gettext_lazy("the project's books are closed")
    BOOKS_AUDITED = "books_audited", gettext_lazy("the audited books stay as audited")
    DATE_OUTSIDE = "date_outside", gettext_lazy("the date lies outside the programme's period")
    DATE_FUTURE = "date_future", gettext_lazy("the date is in the future")
    OVER_DUE = "over_due", gettext_lazy("more than is due or held")
    INVALID = "invalid", gettext_lazy("incomplete or inconsistent entry")


class Problems:
    """The reasons a change is refused: the messages shown and their codes audited."""

    def __init__(self):
        self.messages: list[str] = []
        self.codes: list[str] = []

    def add(self, code: str, message: str) -> None:
        self.messages.append(message)
        if code not in self.codes:
            self.codes.append(code)

    def __bool__(self) -> bool:
        return bool(self.messages)


def payment_period(project: Project) -> tuple[dt.date, dt.date]:
    """The first and last day on which the project's money may be dated."""
    year = project.programme.year
    return dt.date(year, 1, 1), dt.date(year + settings.PAYMENT_GRACE_YEARS, 12, 31)


def check_date(project: Project, on_date: dt.date, problems: Problems) -> None:
    """A payment's or reversal's date: within the programme's period, not in the future."""
    first, last = payment_period(project)
    if not first <= on_date <= last:
        problems.add(
            Refusal.DATE_OUTSIDE,
            _("The date %(d)s lies outside the period of programme year %(y)s (%(f)s to %(t)s).")
            % {"d": on_date, "y": project.programme.year, "f": first, "t": last},
        )
    if on_date > timezone.localdate():
        problems.add(
            Refusal.DATE_FUTURE, _("The payment date %(d)s is in the future.") % {"d": on_date}
        )


def check_reversible(project: Project, original: LedgerEntry, problems: Problems) -> None:
    """A closed project's entries, and an audited project's entries from before the audit,
    are not reversed."""
    if project.stage in BOOKS_CLOSED:
        problems.add(
            Refusal.BOOKS_CLOSED,
            _("The books of a project that is %(s)s are closed: nothing can be reversed.")
            % {"s": project.get_stage_display()},
        )
    elif project.stage == Stage.AUDITED:
        audited = (
            project.transitions.filter(to_stage=Stage.AUDITED)
            .order_by("-pk")
            .values_list("recorded_at", flat=True)
            .first()
        )
        if audited is not None and original.recorded_at <= audited:
            problems.add(
                Refusal.BOOKS_AUDITED,
                _("The entry was audited with the project's books: it cannot be reversed."),
            )


def check_dates_open(project: Project, problems: Problems) -> None:
    if project.stage in DATES_FROZEN:
        problems.add(
            Refusal.BOOKS_CLOSED if project.stage != Stage.AUDITED else Refusal.BOOKS_AUDITED,
            _("The time nodes of a project that is %(s)s cannot be changed.")
            % {"s": project.get_stage_display()},
        )


def record_refusal(project: Project, *, actor, action: str, data: dict, codes: list) -> None:
    """Audit a refused change (its own transaction: the refused one rolled back)."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=action,
            obj=project,
            division_code=project.division.code,
            outcome=AuditEntry.Outcome.REFUSED,
            data={"a": actor.display_name, "p": project.code, **data, "why": list(codes)},
        )
