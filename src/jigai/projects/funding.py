"""Project money: the funding plan from the programme's rules, the append-only
ledgers, and reconciliation. All amounts are integer fen.

Residential (阳政办发〔2023〕36号 二（二）4(1)): provincial subsidy = rate × floor area,
owners = rate × floor area, the county tops up the rest. Public buildings: the
county funds all (4(2)). Owners' money must be in place before works start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jigai.accounts.roles import Cap
from jigai.audit import services as audit
from jigai.core.errors import BusinessError, require
from jigai.engine.funding import split_funding
from jigai.money import format_yuan
from jigai.projects.access import bump, lock
from jigai.projects.models import Ledger, LedgerEntry, Project, Stage

RECORDER = {
    Ledger.OWNERS: Cap.RECORD_OWNER_PAYMENTS,
    Ledger.PROVINCIAL: Cap.RECORD_DISBURSEMENTS,
    Ledger.COUNTY: Cap.RECORD_COUNTY_PAYMENTS,
    Ledger.OTHER: Cap.RECORD_COUNTY_PAYMENTS,
    Ledger.CONTRACTOR: Cap.RECORD_COUNTY_PAYMENTS,
}
INCOMING = (Ledger.PROVINCIAL, Ledger.OWNERS, Ledger.COUNTY, Ledger.OTHER)
NO_PAYMENTS = {Stage.CLOSED, Stage.WITHDRAWN}


@dataclass(frozen=True)
class FundingPlan:
    """What each source should bring [fen]. ``total`` is the contract sum once
    tendered, the design estimate before."""

    area_m2: Decimal
    total: int
    provincial: int
    owners: int
    county: int
    cheaper_than_fixed_shares: bool  # the fixed shares were scaled down to the cost

    @property
    def parts(self) -> dict[str, int]:
        return {
            Ledger.PROVINCIAL: self.provincial,
            Ledger.OWNERS: self.owners,
            Ledger.COUNTY: self.county,
        }


def residential_area(project: Project) -> Decimal:
    return sum((i.floor_area_m2 for i in project.items.all()), Decimal(0))


def funding_plan(project: Project) -> FundingPlan:
    """The programme's split (jigai.engine.funding.split_funding, with its cap rule) of
    the contract sum once tendered, else of the design estimate."""
    area = residential_area(project)
    estimate = sum(i.design_cost_fen for i in project.items.all())
    total = project.contract_sum_fen if project.contract_sum_fen is not None else estimate
    programme = project.programme
    split = split_funding(
        total,
        floor_area_m2=area,
        residential=project.is_residential,
        window_fen=total,  # interim: the project's window lines are stored in the next change
        rates=programme.funding_rates,
    )
    return FundingPlan(
        area,
        total,
        split.provincial_fen,
        split.owners_fen,
        split.county_fen,
        split.provincial_capped,
    )


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

    @property
    def county_short(self) -> bool:
        """Works have started but the county's top-up is not all in."""
        return self.works_started and self.received[Ledger.COUNTY] < self.plan.county

    @property
    def received_total(self) -> int:
        return sum(self.received[k] for k in INCOMING)

    @property
    def available(self) -> int:
        return self.received_total - self.paid_to_contractor

    @property
    def outstanding(self) -> dict[str, int]:
        return {k: v - self.received.get(k, 0) for k, v in self.plan.parts.items()}

    @property
    def owners_in_place(self) -> bool:
        return self.received[Ledger.OWNERS] >= self.plan.owners


def reconcile(project: Project) -> Reconciliation:
    b = balances(project)
    started = project.stage in (
        Stage.STARTED,
        Stage.COMPLETED,
        Stage.ACCEPTED,
        Stage.AUDITED,
        Stage.CLOSED,
    )
    return Reconciliation(
        funding_plan(project), {k: b[k] for k in INCOMING}, b[Ledger.CONTRACTOR], started
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
    """Record money in (owners, provincial, county, other) or out (contractor)."""
    if ledger not in Ledger.values:
        raise BusinessError(_("Unknown ledger."))
    require(actor, RECORDER[ledger])
    with transaction.atomic():
        locked = lock(project, actor)
        problems = []
        if not isinstance(amount_fen, int) or amount_fen <= 0:
            problems.append(_("The amount must be more than zero (a correction is a reversal)."))
        if locked.stage in NO_PAYMENTS:
            problems.append(
                _("No payment can be recorded for a project that is %(s)s.")
                % {"s": locked.get_stage_display()}
            )
        if on_date > timezone.localdate():
            problems.append(_("The payment date %(d)s is in the future.") % {"d": on_date})
        if not (reference or "").strip():
            problems.append(_("Give the voucher or transfer reference."))
        elif LedgerEntry.objects.filter(ledger=ledger, reference=reference.strip()).exists():
            problems.append(
                _("Voucher %(r)s is already recorded in this ledger.") % {"r": reference}
            )
        if ledger == Ledger.OWNERS:
            if building is None or not locked.items.filter(building=building).exists():
                problems.append(
                    _("Choose which of the project's buildings an owners' payment is for.")
                )
        elif building is not None:
            problems.append(_("Only owners' payments are recorded per building."))
        if ledger == Ledger.CONTRACTOR and not problems:
            if locked.stage not in (Stage.STARTED, Stage.COMPLETED, Stage.ACCEPTED, Stage.AUDITED):
                problems.append(_("The contractor is paid only once works have started."))
            available = reconcile(locked).available
            if amount_fen > available:
                problems.append(
                    _("Only %(a)s yuan received and not yet paid out; cannot pay %(p)s yuan.")
                    % {"a": format_yuan(available), "p": format_yuan(amount_fen)}
                )
        if problems:
            raise BusinessError(problems[0], details=problems[1:])
        entry = LedgerEntry.objects.create(
            project=locked,
            division=locked.division,
            ledger=ledger,
            building=building,
            household=household.strip(),
            amount_fen=amount_fen,
            on_date=on_date,
            reference=reference.strip(),
            recorded_by=actor,
        )
        bump(locked)
        audit.record(
            actor=actor,
            action=f"money.{ledger}",
            obj=locked,
            division_code=locked.division.code,
            business_date=on_date,
            summary=_("%(a)s recorded %(l)s of %(y)s yuan for %(p)s (voucher %(r)s)")
            % {
                "a": actor.display_name,
                "l": entry.get_ledger_display(),
                "y": format_yuan(amount_fen),
                "p": locked.code,
                "r": entry.reference,
            },
            after={
                "entry": entry.pk,
                "ledger": ledger,
                "amount_fen": amount_fen,
                "building": getattr(building, "pk", None),
                "household": entry.household,
            },
        )
    return entry


def reverse_entry(
    entry: LedgerEntry, *, reason: str, actor, on_date: dt.date | None = None
) -> LedgerEntry:
    """Correct a mistaken entry by recording its exact negative."""
    require(actor, RECORDER[entry.ledger])
    reason = (reason or "").strip()
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
        if original.ledger != Ledger.CONTRACTOR:
            after = reconcile(locked)
            if after.available - original.amount_fen < 0:
                raise BusinessError(
                    _("Reversing it would leave less money than has been paid to the contractor.")
                )
        reversal = LedgerEntry.objects.create(
            project=locked,
            division=original.division,
            ledger=original.ledger,
            building=original.building,
            household=original.household,
            amount_fen=-original.amount_fen,
            on_date=on_date or timezone.localdate(),
            reference=f"冲正 {original.reference}"[:80],
            reverses=original,
            recorded_by=actor,
        )
        bump(locked)
        audit.record(
            actor=actor,
            action="money.reverse",
            obj=locked,
            division_code=locked.division.code,
            summary=_("%(a)s reversed %(l)s of %(y)s yuan (voucher %(r)s): %(why)s")
            % {
                "a": actor.display_name,
                "l": original.get_ledger_display(),
                "y": format_yuan(original.amount_fen),
                "r": original.reference,
                "why": reason,
            },
            before={"entry": original.pk, "amount_fen": original.amount_fen},
            after={"entry": reversal.pk, "amount_fen": reversal.amount_fen, "reason": reason},
        )
    return reversal
