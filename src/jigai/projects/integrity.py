"""The ledgers checked against the audit trail (registered with :mod:`jigai.audit.integrity`).

Ledger rows are append-only (database triggers, migration 0004) and each is written with an
audit entry in the same transaction (:mod:`jigai.projects.funding`) that carries the row's
id, ledger, amount and date and names its project; the entry's hash covers all of them. A
row changed, added or removed behind the application's back therefore no longer matches
its entry: :func:`verify_ledgers` compares every row and every project's total per ledger.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from jigai.audit.integrity import Check, CheckReport, register
from jigai.audit.models import AuditEntry
from jigai.projects.models import Ledger, LedgerEntry, Project

ACTIONS = [f"money.{ledger}" for ledger in Ledger.values] + ["money.reverse"]


def _audited(using: str) -> dict[int, dict]:
    """Ledger row id → what its audit entry says (seq, project, ledger, amount, date)."""
    out = {}
    rows = (
        AuditEntry.objects.using(using)
        .filter(action__in=ACTIONS)
        .order_by("seq")
        .values_list("seq", "action", "object_id", "business_date", "data", "after")
    )
    for seq, action, object_id, business_date, data, after in rows.iterator(chunk_size=2000):
        after = after or {}
        if after.get("entry") is None:
            continue
        on_date = after.get("on_date")
        if on_date is None and action != "money.reverse":
            on_date = business_date.isoformat() if business_date else None
        out[int(after["entry"])] = {
            "seq": seq,
            "project": int(object_id) if object_id else None,
            "ledger": after.get("ledger") or (data or {}).get("l"),
            "amount_fen": after.get("amount_fen"),
            "on_date": on_date,
        }
    return out


def verify_ledgers(using: str = "default") -> CheckReport:
    report = CheckReport("ledger")
    audited = _audited(using)
    codes = dict(Project.objects.using(using).values_list("pk", "code"))
    table_totals: dict = defaultdict(int)
    audit_totals: dict = defaultdict(int)
    rows = (
        LedgerEntry.objects.using(using)
        .order_by("pk")
        .values_list("pk", "project_id", "ledger", "amount_fen", "on_date")
    )
    for pk, project, ledger, amount, on_date in rows.iterator(chunk_size=2000):
        report.checked += 1
        table_totals[project, ledger] += amount
        said = audited.pop(pk, None)
        if said is None:
            report.problems.append(
                f"ledger row {pk} ({codes.get(project)}, {ledger}, {amount} fen) has no audit entry"
            )
            continue
        audit_totals[said["project"], said["ledger"]] += said["amount_fen"] or 0
        table = {"project": project, "ledger": ledger, "amount_fen": amount}
        table["on_date"] = on_date.isoformat() if said["on_date"] is not None else None
        for key, value in table.items():
            if said[key] != value:
                report.problems.append(
                    f"ledger row {pk}: {key} is {value} in the table but {said[key]} in "
                    f"audit entry #{said['seq']}"
                )
    for pk, said in audited.items():
        audit_totals[said["project"], said["ledger"]] += said["amount_fen"] or 0
        report.problems.append(
            f"ledger row {pk} written with audit entry #{said['seq']} is missing from the table"
        )
    for key in sorted(set(table_totals) | set(audit_totals), key=str):
        if table_totals[key] != audit_totals[key]:
            project, ledger = key
            report.problems.append(
                f"project {codes.get(project, project)}, ledger {ledger}: the table totals "
                f"{table_totals[key]} fen, the audit entries {audit_totals[key]} fen"
            )
    return report


def ledger_figures(using: str = "default") -> dict:
    """Money per ledger [fen] and the number of ledger rows, for a backup's manifest."""
    sums = dict(
        LedgerEntry.objects.using(using)
        .order_by()
        .values_list("ledger")
        .annotate(s=Sum("amount_fen"))
        .values_list("ledger", "s")
    )
    return {
        "rows": LedgerEntry.objects.using(using).count(),
        "fen_per_ledger": {ledger: int(sums.get(ledger) or 0) for ledger in Ledger.values},
    }


register(Check("ledger", verify_ledgers, ledger_figures))
