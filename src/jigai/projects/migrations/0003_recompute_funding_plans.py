"""Store the funding plan of every existing project.

Until this change a project's plan was recomputed on the fly by the rule ``proportional``
(provincial 22.81 and owners 80 yuan/m² of the whole floor area, both scaled down in
proportion when the package was cheaper than their sum). From now on the plan is stored
(``ProjectFunding`` and the ``plan_*`` fields of each building) by the rule ``owners_windows``
(``jigai.projects.plan``; 阳政办发〔2023〕36号 二（二）4).

* A project that has received **no money** (net of reversals, in any incoming ledger) gets
  its plan recomputed by the new rule.
* A project that **has received money** keeps the plan it had: it is stored as the old rule
  computed it (reproduced below), with a note, and listed — in this migration's output and in
  the audit trail (one entry per kept project and one summary entry). Its per-building parts
  are the project's shares distributed over the buildings by largest remainder: the provincial
  and owners' shares by floor area (the old rule's basis), the county's by each building's
  part of the cost.

Each existing design gets its window lines: an optimiser design those of the building's
assessment whose package it took (same cost and measures; the current assessment first); a
design entered by hand those of the building's current assessment package, at most the design
cost (the designer corrects them by saving the design again).

Audit entries are appended with the historical audit model on the migration's own connection,
inside its transaction (``jigai.audit.services.record_many(model=…, using=…)``), so they join
the hash chain exactly as the application's entries do.

Reverse: nothing to undo here — going back further, migration 0002 drops the stored plans and
window lines; the audit entries stay, the trail being append-only.
"""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import migrations
from django.db.models import Sum
from django.utils import timezone

INCOMING = ("provincial", "owners", "county", "other")
OLD_RULE = "proportional"
ACTOR = "数据迁移 projects.0003"


def _fen_for_area(rate: int, area) -> int:
    return int((Decimal(rate) * Decimal(str(area))).quantize(Decimal(1), ROUND_HALF_UP))


def old_proportional_split(total: int, area, residential: bool, p_rate: int, o_rate: int):
    """The rule before this change (``proportional``), as it computed project plans."""
    if not residential:
        return 0, 0, total
    area = (Decimal(str(area)) * 100).quantize(Decimal(1), ROUND_HALF_UP) / 100
    prov, own = _fen_for_area(p_rate, area), _fen_for_area(o_rate, area)
    if prov + own <= total:
        return prov, own, total - prov - own
    if prov + own == 0:
        return 0, 0, total
    from jigai.money import split_largest_remainder

    p2, o2 = split_largest_remainder(total, [prov, own])
    return p2, o2, 0


def _distribute(total: int, weights: list) -> list[int]:
    from jigai.money import split_largest_remainder

    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [1] * len(weights)
    return split_largest_remainder(total, weights)


def _design_window(item, assessments, catalogue) -> tuple[list, int]:
    """(design lines, window lines [fen]) of an existing design, from the stored assessments."""
    from jigai.engine.funding import window_line_fen

    ordered = sorted(assessments, key=lambda a: (not a.is_current, -a.pk))
    if item.design_source == "optimiser":
        for a in ordered:
            if (
                a.cost_fen == item.design_cost_fen
                and (a.package or {}).get("engine_measures") == item.design_measures
            ):
                lines = a.package.get("lines", [])
                return lines, min(window_line_fen(lines, catalogue), item.design_cost_fen)
    current = next((a for a in ordered if a.is_current), None)
    if current is None:
        return [], 0
    lines = (current.package or {}).get("lines", [])
    return [], min(window_line_fen(lines, catalogue), item.design_cost_fen)


def _rates(programme):
    from jigai.engine.funding import FundingRates

    return FundingRates(
        provincial_fen_per_m2=programme.provincial_subsidy_fen_per_m2,
        owners_fen_per_m2=programme.owner_contribution_fen_per_m2,
        programme_year=programme.year,
        source=programme.document_number,
    )


class _Ref:
    """A project as the audit trail names it (historical models have no ``__str__``)."""

    def __init__(self, project):
        self._meta, self.pk = project._meta, project.pk
        self._text = f"{project.code} {project.name}"

    def __str__(self) -> str:
        return self._text


def _yuan(fen: int) -> str:
    from jigai.money import format_yuan

    return format_yuan(fen)


def recompute(apps, schema_editor, *, out=print):
    from jigai.audit.services import record_many
    from jigai.engine.measures import default_catalogue
    from jigai.projects.plan import PLAN_FIELDS, plan_fields

    alias = schema_editor.connection.alias
    Project = apps.get_model("projects", "Project")
    ProjectBuilding = apps.get_model("projects", "ProjectBuilding")
    ProjectFunding = apps.get_model("projects", "ProjectFunding")
    LedgerEntry = apps.get_model("projects", "LedgerEntry")
    Assessment = apps.get_model("buildings", "Assessment")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    projects = list(
        Project.objects.using(alias)
        .select_related("programme", "category", "division")
        .order_by("pk")
    )
    if not projects:
        return
    catalogue = default_catalogue()
    now = timezone.now()
    entries, kept, recomputed = [], [], []
    for project in projects:
        items = list(ProjectBuilding.objects.using(alias).filter(project=project).order_by("pk"))
        for item in items:
            found = Assessment.objects.using(alias).filter(
                building_id=item.building_id, programme_id=item.programme_id, package__isnull=False
            )
            item.design_lines, item.design_window_fen = _design_window(item, found, catalogue)
        residential = project.category.sector == "residential"
        rates = _rates(project.programme)
        received = (
            LedgerEntry.objects.using(alias)
            .filter(project=project, ledger__in=INCOMING)
            .aggregate(s=Sum("amount_fen"))["s"]
            or 0
        )
        area = sum((i.floor_area_m2 for i in items), Decimal(0))
        estimate = sum(i.design_cost_fen for i in items)
        old_total = project.contract_sum_fen if project.contract_sum_fen is not None else estimate
        old = old_proportional_split(
            old_total,
            area,
            residential,
            rates.provincial_fen_per_m2,
            rates.owners_fen_per_m2,
        )
        if received > 0:
            fields = plan_fields(
                items,
                contract_sum_fen=project.contract_sum_fen,
                residential=residential,
                rates=rates,
            )  # for the parts of cost and window lines of each building
            areas = [Fraction(str(i.floor_area_m2)) for i in items]
            costs = [i.plan_cost_fen for i in items]  # filled by plan_fields
            for item, p, o, k in zip(
                items,
                _distribute(old[0], areas),
                _distribute(old[1], areas),
                _distribute(old[2], costs),
                strict=True,
            ):
                item.plan_provincial_fen, item.plan_owners_fen, item.plan_county_fen = p, o, k
            fields.update(
                total_fen=old_total,
                provincial_fen=old[0],
                owners_fen=old[1],
                county_fen=old[2],
                rule=OLD_RULE,
                note=f"迁移时已到账 {_yuan(received)} 元，保留原分担方案（规则 {OLD_RULE}）。",
            )
            kept.append((project, received))
        else:
            fields = plan_fields(
                items,
                contract_sum_fen=project.contract_sum_fen,
                residential=residential,
                rates=rates,
            )
            recomputed.append(project)
        ProjectBuilding.objects.using(alias).bulk_update(
            items, ["design_lines", "design_window_fen", *PLAN_FIELDS]
        )
        ProjectFunding.objects.using(alias).update_or_create(
            project=project, defaults={**fields, "computed_at": now}
        )
        summary = (
            f"{project.code}：已到账 {_yuan(received)} 元，资金分担方案保留原规则 {OLD_RULE}"
            if received > 0
            else f"{project.code}：资金分担方案按规则 {fields['rule']} 重新计算"
        ) + (
            f"——省级 {_yuan(fields['provincial_fen'])}、业主 {_yuan(fields['owners_fen'])}、"
            f"县区 {_yuan(fields['county_fen'])}，合计 {_yuan(fields['total_fen'])} 元"
            f"（原规则 {OLD_RULE}：省级 {_yuan(old[0])}、业主 {_yuan(old[1])}、县区 {_yuan(old[2])}）"
        )
        entries.append(
            {
                "actor": None,
                "actor_name": ACTOR,
                "action": "project.funding_plan_kept" if received > 0 else "project.funding_plan",
                "obj": _Ref(project),
                "division_code": project.division.code,
                "summary": summary,
                "before": {
                    "rule": OLD_RULE,
                    "total_fen": old_total,
                    "provincial_fen": old[0],
                    "owners_fen": old[1],
                    "county_fen": old[2],
                },
                "after": {
                    k: fields[k]
                    for k in ("rule", "total_fen", "provincial_fen", "owners_fen", "county_fen")
                }
                | {"received_fen": received},
            }
        )
    listing = "、".join(p.code for p, _r in kept) or "无"
    entries.append(
        {
            "actor": None,
            "actor_name": ACTOR,
            "action": "projects.funding_migration",
            "summary": (
                f"资金分担方案按规则 owners_windows 重新计算 {len(recomputed)} 个项目；"
                f"{len(kept)} 个已到账项目保留原方案：{listing}"
            ),
            "after": {
                "recomputed": [p.code for p in recomputed],
                "kept": [p.code for p, _r in kept],
            },
        }
    )
    record_many(entries, model=AuditEntry, using=alias)
    out(
        f"  funding plans: {len(recomputed)} recomputed by rule owners_windows, "
        f"{len(kept)} kept (money already received)"
    )
    for project, received in kept:
        out(f"    kept {project.code} {project.name}: received {_yuan(received)} yuan")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        ("buildings", "0001_initial"),
        ("projects", "0002_funding_plan_households_voucher_use"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
