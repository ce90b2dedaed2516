"""Exceptions to a programme's package rules, per building (阳政办发〔2023〕36号 二（二）3).

The programme year names the measure groups a residential package must contain
(``Programme.package_rules``). Where a building cannot sensibly take one — a roof just
renewed by another programme, a listed façade — the programme administrator lifts that one
rule for that building with a written reason. The building is re-assessed at once in the
same transaction, so its stored package, η and funding always follow its exceptions.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigai.audit import services as audit
from jigai.buildings.models import Building, PackageRuleException
from jigai.core.errors import BusinessError, require
from jigai.core.roles import Cap
from jigai.engine.measures import MeasureGroup
from jigai.engine.policy import group_of_rule

GROUP_LABELS = {
    MeasureGroup.WALL: gettext_lazy("external walls"),
    MeasureGroup.ROOF: gettext_lazy("roof"),
    MeasureGroup.WINDOW: gettext_lazy("windows"),
    MeasureGroup.DOOR: gettext_lazy("entrance doors"),
    MeasureGroup.BASEMENT_CEILING: gettext_lazy("basement ceiling"),
    MeasureGroup.AIRTIGHTNESS: gettext_lazy("air-tightness"),
}
# what a package's cost lines are for (jigai.engine.optimiser.line_group)
LINE_GROUP_LABELS = {
    **{g.value: label for g, label in GROUP_LABELS.items()},
    "facade": gettext_lazy("façade renovation"),
    "fire": gettext_lazy("fire-barrier bands"),
}
STATUS_LABELS = {
    0: gettext_lazy("must be in the package"),
    1: gettext_lazy("exempt: the existing elements meet the limit in force"),
    2: gettext_lazy("exempt: the building has no such element"),
    3: gettext_lazy("exempt: lifted by an approved exception"),
    4: gettext_lazy("exempt: not a residential building"),
}
BLOCK_LABELS = {
    "fire_code": gettext_lazy("the fire code"),
    "eta_threshold": gettext_lazy("the energy threshold"),
}


def blocking_text(row: dict) -> str:
    """A stored blocking row as a sentence in the current language."""
    rule = row["rule"]
    if rule in BLOCK_LABELS:
        what = BLOCK_LABELS[rule]
    else:
        what = "; ".join(rule_label(r) for r in rule.split("+"))
    return _("Blocked by %(what)s (%(text)s): best η %(best)s; without this rule %(without)s.") % {
        "what": what,
        "text": row.get("text", ""),
        "best": _pct(row.get("best_eta")),
        "without": _pct(row.get("eta_without")),
    }


def _pct(x) -> str:
    if x is None or x != x:
        return "—"
    return f"{100 * x:.1f} %"


def rule_label(rule: str) -> str:
    """“The package must include the roof”, in the current language."""
    try:
        group = group_of_rule(rule)
    except ValueError:
        return rule
    return _("The package must include the %(group)s") % {"group": GROUP_LABELS[group]}


def _reassess(building: Building, programme, actor) -> None:
    from jigai.buildings.assessment import assess_buildings

    assess_buildings(programme, Building.objects.filter(pk=building.pk), actor=actor)


def grant_rule_exception(
    building: Building, programme, rule: str, reason: str, *, actor
) -> PackageRuleException:
    """Lift one package rule for one building, with a written reason (audited), and
    re-assess the building."""
    require(actor, Cap.GRANT_EXCEPTION)
    reason = (reason or "").strip()
    problems = []
    if rule not in programme.package_policy.rule_names:
        problems.append(
            _("“%(r)s” is not a package rule of programme %(p)s.") % {"r": rule, "p": programme}
        )
    if len(reason) < 10:
        problems.append(_("Write the reason for the exception (at least 10 characters)."))
    if problems:
        raise BusinessError(problems[0], details=problems[1:])
    with transaction.atomic():
        Building.objects.select_for_update().filter(pk=building.pk).first()
        if PackageRuleException.objects.filter(
            building=building, programme=programme, rule=rule
        ).exists():
            raise BusinessError(_("This rule is already lifted for this building."))
        exc = PackageRuleException.objects.create(
            building=building, programme=programme, rule=rule, reason=reason, granted_by=actor
        )
        audit.record(
            actor=actor,
            action="survey.rule_exception",
            obj=building,
            division_code=building.division.code,
            data={
                "a": actor.display_name,
                "rule": rule,
                "b": str(building),
                "p": str(programme),
                "r": reason,
            },
            after={"rule": rule, "reason": reason, "exception": exc.pk},
        )
        _reassess(building, programme, actor)
    return exc


def revoke_rule_exception(exc: PackageRuleException, *, actor, reason: str) -> None:
    """Restore a lifted rule (the exception is deleted, the revocation audited with its
    reason), and re-assess the building."""
    require(actor, Cap.GRANT_EXCEPTION)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise BusinessError(_("Write why the rule applies again (at least 10 characters)."))
    building, programme = exc.building, exc.programme
    with transaction.atomic():
        Building.objects.select_for_update().filter(pk=building.pk).first()
        gone = PackageRuleException.objects.filter(pk=exc.pk).delete()[0]
        if not gone:
            raise BusinessError(_("This exception has already been withdrawn."))
        audit.record(
            actor=actor,
            action="survey.rule_exception_revoke",
            obj=building,
            division_code=building.division.code,
            data={
                "a": actor.display_name,
                "rule": exc.rule,
                "b": str(building),
                "p": str(programme),
                "r": reason,
            },
            before={"rule": exc.rule, "reason": exc.reason, "exception": exc.pk},
            after={"reason": reason},
        )
        _reassess(building, programme, actor)
