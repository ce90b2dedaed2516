"""Project money: the append-only ledgers, the checks on every payment, and reconciliation
against the stored funding plan (projects.plan). All amounts are integer fen.

Residential (阳政办发〔2023〕36号 二（二）4(1)): provincial subsidy, owners' share (for the new
windows), the county the rest; public buildings (4(2)): the county. Money recorded in the
"other sources" ledger counts towards the county's part (streets and communities may raise
money through several channels). Owners' money must be in place before works start, and so
must the county's share.

Every incoming payment is checked against what remains due from its source; an owners'
payment also against what remains due for its building and, when a household is named, for
that household; a payment to the contractor against the contract sum and the money held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jigai.audit import services as audit
from jigai.core.errors import BusinessError, require
from jigai.core.roles import Cap
from jigai.money import format_yuan
from jigai.projects import books
from jigai.projects.access import bump, lock
from jigai.projects.books import NO_PAYMENTS, Refusal
from jigai.projects.models import Ledger, LedgerEntry, Project, Stage
from jigai.projects.plan import FundingPlan, funding_plan, household_due

__all__ = ["FundingPlan", "funding_plan"]

RECORDER = {
    Ledger.OWNERS: Cap.RECORD_OWNER_PAYMENTS,
    Ledger.PROVINCIAL: Cap.RECORD_DISBURSEMENTS,
    Ledger.COUNTY: Cap.RECORD_COUNTY_PAYMENTS,
    Ledger.OTHER: Cap.RECORD_COUNTY_PAYMENTS,
    Ledger.CONTRACTOR: Cap.RECORD_COUNTY_PAYMENTS,
}
INCOMING = (Ledger.PROVINCIAL, Ledger.OWNERS, Ledger.COUNTY, Ledger.OTHER)
REVERSAL_PREFIX = "冲正"
WORKS_STARTED = (Stage.STARTED, Stage.COMPLETED, Stage.ACCEPTED, Stage.AUDITED, Stage.CLOSED)


def balances(project: Project) -> dict[str, int]:
    sums = dict(
        project.ledger.values_list("ledger")
        .annotate(s=Sum("amount_fen"))
        .values_list("ledger", "s")
    )
    return {ledger: sums.get(ledger, 0) or 0 for ledger in Ledger.values}


@dataclass(frozen=True)
class Reconciliation:
    plan: FundingPlan
    received: dict[str, int]
    paid_to_contractor: int
    works_started: bool = False
    contract_sum: int | None = None

    @property
    def county_received(self) -> int:
        """The county's part as received: county funds plus other recorded sources."""
        return self.received[Ledger.COUNTY] + self.received[Ledger.OTHER]

    @property
    def county_short(self) -> bool:
        """Works have started but the county's part is not all in."""
        return self.works_started and not self.county_in_place

    @property
    def received_total(self) -> int:
        return sum(self.received[k] for k in INCOMING)

    @property
    def available(self) -> int:
        return self.received_total - self.paid_to_contractor

    @property
    def outstanding(self) -> dict[str, int]:
        return {
            Ledger.PROVINCIAL: self.plan.provincial - self.received[Ledger.PROVINCIAL],
            Ledger.OWNERS: self.plan.owners - self.received[Ledger.OWNERS],
            Ledger.COUNTY: self.plan.county - self.county_received,
        }

    def remaining(self, ledger: str) -> int:
        """What may still be recorded in ``ledger`` [fen]: the source's outstanding share
        (county and other sources share the county's part); for the contractor, the
        contract sum (the plan's total before a tender) less what was paid."""
        if ledger == Ledger.CONTRACTOR:
            ceiling = self.contract_sum if self.contract_sum is not None else self.plan.total
            return ceiling - self.paid_to_contractor
        return self.outstanding[Ledger.COUNTY if ledger == Ledger.OTHER else ledger]

    @property
    def owners_in_place(self) -> bool:
        return self.received[Ledger.OWNERS] >= self.plan.owners

    @property
    def county_in_place(self) -> bool:
        return self.county_received >= self.plan.county


def reconcile(project: Project) -> Reconciliation:
    b = balances(project)
    return Reconciliation(
        funding_plan(project),
        {k: b[k] for k in INCOMING},
        b[Ledger.CONTRACTOR],
        project.stage in WORKS_STARTED,
        project.contract_sum_fen,
    )


def reconcile_counties(projects):
    """Per project and per county: planned and received per source, paid out.
    Returns (rows [(project, Reconciliation)], {division: {"plan", "got"}}, city totals)."""
    rows = [(p, reconcile(p)) for p in projects]
    by_county: dict = {}
    for project, r in rows:
        c = by_county.setdefault(
            project.division,
            {"plan": dict.fromkeys(Ledger.values, 0), "got": dict.fromkeys(Ledger.values, 0)},
        )
        for k, v in r.plan.parts.items():
            c["plan"][k] += v
        for k, v in r.received.items():
            c["got"][k] += v
        c["got"][Ledger.CONTRACTOR] += r.paid_to_contractor
    totals = {
        part: {k: sum(c[part][k] for c in by_county.values()) for k in Ledger.values}
        for part in ("plan", "got")
    }
    return rows, by_county, totals


def owner_payments_by_building(project: Project) -> dict[int, int]:
    return dict(
        project.ledger.filter(ledger=Ledger.OWNERS)
        .values_list("building")
        .annotate(s=Sum("amount_fen"))
        .values_list("building", "s")
    )


def owner_payments_by_household(project: Project) -> dict[tuple[int, str], int]:
    """Owners' payments per (building id, household label) [fen], net of reversals."""
    return {
        (b, h): total
        for b, h, total in project.ledger.filter(ledger=Ledger.OWNERS)
        .exclude(household="")
        .values_list("building", "household")
        .annotate(s=Sum("amount_fen"))
        .values_list("building", "household", "s")
    }


def _y(fen: int) -> str:
    return format_yuan(fen)


def _over_due(locked: Project, ledger: str, amount: int, building, household: str) -> list[str]:
    """The money checks: the amount against what remains due (see module docstring)."""
    r = reconcile(locked)
    problems = []
    remaining = r.remaining(ledger)
    if amount > remaining:
        if ledger == Ledger.CONTRACTOR:
            problems.append(
                _(
                    "Paying %(a)s yuan would exceed the contract sum %(c)s yuan: "
                    "%(p)s yuan already paid, %(r)s yuan left."
                )
                % {
                    "a": _y(amount),
                    "c": _y(r.remaining(ledger) + r.paid_to_contractor),
                    "p": _y(r.paid_to_contractor),
                    "r": _y(max(remaining, 0)),
                }
            )
        else:
            part = Ledger.COUNTY if ledger == Ledger.OTHER else ledger
            got = r.county_received if part == Ledger.COUNTY else r.received[ledger]
            problems.append(
                _(
                    "%(l)s: %(a)s yuan is more than the %(r)s yuan still due "
                    "(due %(d)s yuan, received %(g)s yuan)."
                )
                % {
                    "l": Ledger(ledger).label,
                    "a": _y(amount),
                    "r": _y(max(remaining, 0)),
                    "d": _y(r.plan.parts[part]),
                    "g": _y(got),
                }
            )
    if ledger == Ledger.OWNERS and building is not None:
        item = locked.items.get(building=building)
        paid = owner_payments_by_building(locked).get(building.pk, 0) or 0
        if amount > item.plan_owners_fen - paid:
            problems.append(
                _(
                    "%(b)s: %(a)s yuan is more than the %(r)s yuan its owners still owe "
                    "(due %(d)s yuan, paid %(p)s yuan)."
                )
                % {
                    "b": building,
                    "a": _y(amount),
                    "r": _y(max(item.plan_owners_fen - paid, 0)),
                    "d": _y(item.plan_owners_fen),
                    "p": _y(paid),
                }
            )
        if household:
            due = household_due(item, household)
            if due is None:
                problems.append(
                    _("Room %(h)s is not in the household list of %(b)s.")
                    % {"h": household, "b": building}
                )
            else:
                paid_h = owner_payments_by_household(locked).get((building.pk, household), 0)
                if amount > due - paid_h:
                    problems.append(
                        _(
                            "Room %(h)s: %(a)s yuan is more than the %(r)s yuan it still owes "
                            "(due %(d)s yuan, paid %(p)s yuan)."
                        )
                        % {
                            "h": household,
                            "a": _y(amount),
                            "r": _y(max(due - paid_h, 0)),
                            "d": _y(due),
                            "p": _y(paid_h),
                        }
                    )
    return problems


def _next_voucher_use(ledger: str, reference: str) -> int | None:
    """1 for a new voucher; the next use when every earlier use was reversed; None when an
    unreversed entry still holds it."""
    earlier = LedgerEntry.objects.filter(ledger=ledger, reference=reference)
    if not earlier.exists():
        return 1
    if earlier.filter(reverses__isnull=True, reversed_by__isnull=True).exists():
        return None
    return (earlier.aggregate(m=Max("voucher_use"))["m"] or 0) + 1


def record_payment(
    project: Project,
    *,
    ledger: str,
    amount_fen: int,
    on_date: dt.date,
    reference: str,
    actor,
    building=None,
    household: str = "",
) -> LedgerEntry:
    """Record money in (owners, provincial, county, other) or out (contractor); a refusal
    changes nothing and is audited (:mod:`jigai.projects.books`)."""
    if ledger not in Ledger.values:
        raise BusinessError(_("Unknown ledger."))
    require(actor, RECORDER[ledger])
    reference = (reference or "").strip()
    household = (household or "").strip()
    valid_amount = isinstance(amount_fen, int) and not isinstance(amount_fen, bool)
    with transaction.atomic():
        locked = lock(project, actor)
        problems = books.Problems()
        use = None
        if not valid_amount or amount_fen <= 0:
            problems.add(
                Refusal.INVALID,
                _("The amount must be more than zero (a correction is a reversal)."),
            )
        if locked.stage in NO_PAYMENTS:
            problems.add(
                Refusal.BOOKS_CLOSED,
                _("No payment can be recorded for a project that is %(s)s.")
                % {"s": locked.get_stage_display()},
            )
        books.check_date(locked, on_date, problems)
        if not reference:
            problems.add(Refusal.INVALID, _("Give the voucher or transfer reference."))
        elif reference.startswith(REVERSAL_PREFIX):
            problems.add(
                Refusal.INVALID,
                _("References beginning with “%(p)s” are kept for reversals.")
                % {"p": REVERSAL_PREFIX},
            )
        else:
            use = _next_voucher_use(ledger, reference)
            if use is None:
                problems.add(
                    Refusal.INVALID,
                    _("Voucher %(r)s is already recorded in this ledger.") % {"r": reference},
                )
        if ledger == Ledger.OWNERS:
            if building is None or not locked.items.filter(building=building).exists():
                problems.add(
                    Refusal.INVALID,
                    _("Choose which of the project's buildings an owners' payment is for."),
                )
                building = None
        elif building is not None or household:
            problems.add(Refusal.INVALID, _("Only owners' payments are recorded per building."))
        if ledger == Ledger.CONTRACTOR and not problems:
            if locked.stage not in (Stage.STARTED, Stage.COMPLETED, Stage.ACCEPTED, Stage.AUDITED):
                problems.add(
                    Refusal.INVALID, _("The contractor is paid only once works have started.")
                )
            available = reconcile(locked).available
            if amount_fen > available:
                problems.add(
                    Refusal.OVER_DUE,
                    _("Only %(a)s yuan received and not yet paid out; cannot pay %(p)s yuan.")
                    % {"a": format_yuan(available), "p": format_yuan(amount_fen)},
                )
        if not problems:
            for message in _over_due(locked, ledger, amount_fen, building, household):
                problems.add(Refusal.OVER_DUE, message)
        if not problems:
            return _write_payment(
                locked, ledger, amount_fen, on_date, reference, use, actor, building, household
            )
    books.record_refusal(
        locked,
        actor=actor,
        action="money.refused",
        data={"l": ledger, "y": amount_fen if valid_amount else 0, "d": str(on_date)},
        codes=problems.codes,
    )
    raise BusinessError(problems.messages[0], details=problems.messages[1:])


def _write_payment(
    locked, ledger, amount_fen, on_date, reference, use, actor, building, household
) -> LedgerEntry:
    """The checked payment's entry and audit row (inside the caller's transaction)."""
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                project=locked,
                division=locked.division,
                ledger=ledger,
                building=building,
                household=household,
                amount_fen=amount_fen,
                on_date=on_date,
                reference=reference,
                voucher_use=use,
                recorded_by=actor,
            )
    except IntegrityError:  # the same voucher recorded at this moment for another project
        raise BusinessError(
            _("Voucher %(r)s is already recorded in this ledger.") % {"r": reference}
        ) from None
    bump(locked)
    audit.record(
        actor=actor,
        action=f"money.{ledger}",
        obj=locked,
        division_code=locked.division.code,
        business_date=on_date,
        data={
            "a": actor.display_name,
            "l": entry.ledger,
            "y": amount_fen,
            "p": locked.code,
            "r": entry.reference,
        },
        after={
            "entry": entry.pk,
            "ledger": ledger,
            "amount_fen": amount_fen,
            "building": getattr(building, "pk", None),
            "household": entry.household,
            "voucher_use": entry.voucher_use,
            "on_date": entry.on_date,
        },
    )
    return entry


def reverse_entry(
    entry: LedgerEntry, *, reason: str, actor, on_date: dt.date | None = None
) -> LedgerEntry:
    """Correct a mistaken entry by recording its exact negative; its voucher can then be
    recorded again. Not in closed books, nor for what an audit has seen
    (:mod:`jigai.projects.books`); a refusal for those is audited."""
    require(actor, RECORDER[entry.ledger])
    reason = (reason or "").strip()
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        locked = lock(entry.project, actor)
        original = LedgerEntry.objects.get(pk=entry.pk)
        if original.reverses_id is not None:
            raise BusinessError(
                _("A reversal cannot itself be reversed; record a new payment instead.")
            )
        if LedgerEntry.objects.filter(reverses=original).exists():
            raise BusinessError(_("This entry has already been reversed."))
        if not reason:
            raise BusinessError(_("Say why the entry is reversed."))
        problems = books.Problems()
        books.check_reversible(locked, original, problems)
        books.check_date(locked, on_date, problems)
        if original.ledger != Ledger.CONTRACTOR and not problems:
            after = reconcile(locked)
            if after.available - original.amount_fen < 0:
                problems.add(
                    Refusal.OVER_DUE,
                    _("Reversing it would leave less money than has been paid to the contractor."),
                )
        if not problems:
            return _write_reversal(locked, original, reason, on_date, actor)
    books.record_refusal(
        locked,
        actor=actor,
        action="money.reverse_refused",
        data={"l": original.ledger, "y": original.amount_fen, "r": original.reference},
        codes=problems.codes,
    )
    raise BusinessError(problems.messages[0], details=problems.messages[1:])


def _write_reversal(locked, original, reason, on_date, actor) -> LedgerEntry:
    """The reversing entry and its audit row (inside the caller's transaction)."""
    try:
        with transaction.atomic():
            reversal = LedgerEntry.objects.create(
                project=locked,
                division=original.division,
                ledger=original.ledger,
                building=original.building,
                household=original.household,
                amount_fen=-original.amount_fen,
                on_date=on_date,
                reference=f"{REVERSAL_PREFIX} {original.reference}"[:80],
                voucher_use=original.voucher_use,
                reverses=original,
                recorded_by=actor,
            )
    except IntegrityError:  # reversed at this very moment by someone else
        raise BusinessError(_("This entry has already been reversed.")) from None
    bump(locked)
    audit.record(
        actor=actor,
        action="money.reverse",
        obj=locked,
        division_code=locked.division.code,
        business_date=reversal.on_date,
        data={
            "a": actor.display_name,
            "l": original.ledger,
            "y": original.amount_fen,
            "r": original.reference,
            "why": reason,
        },
        before={"entry": original.pk, "amount_fen": original.amount_fen},
        after={
            "entry": reversal.pk,
            "ledger": reversal.ledger,
            "amount_fen": reversal.amount_fen,
            "on_date": reversal.on_date,
            "reason": reason,
        },
    )
    return reversal
