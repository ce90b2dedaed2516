"""Eligibility screening (改造范围) by the programme year's rules.

阳政办发〔2023〕36号 二（二）1, as issue 9 reads it: every building — whether or not it
is combined with an old-residential-community renovation project (与老旧小区改造统筹
实施) — must be (1) outside any planned demolition area, (2) of adequate seismic and
structural safety — here a house-safety appraisal grade the programme accepts
(JGJ 125), (3) safe to use for at least the programme's years after retrofit, and
(4) an existing non-energy-efficient building. Being combined only decides the
task-table column the building counts in (``category_for``). Missing survey data
makes the result "incomplete", never a guess; an authorised exception lifts any rule.

Screenings stored before this reading let a combined building through unchecked,
with the single reason ``{"rule": "combined"}``. Such a screening is *superseded*:
``superseded()`` finds them, the building page shows the reason as "screen again",
and the survey summary counts them beside its "Screen all buildings again" button
(POST ``buildings:rescreen``, the programme administrator), which re-runs
``screen()`` over every building the user sees, as an import of a county's survey
does for that county. Re-screening keeps every recorded exception.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigai.audit import services as audit
from jigai.buildings.models import Building, EligibilityException, Screening
from jigai.core.errors import BusinessError, require
from jigai.core.roles import Cap
from jigai.programmes.models import Programme

RULES = {
    # Only in screenings stored before combined buildings were checked too (see superseded()).
    "combined": gettext_lazy(
        "Screened by a superseded rule that admitted buildings combined with old-community "
        "renovation without checking them: screen again"
    ),
    "demolition_area": gettext_lazy("Inside a planned demolition area"),
    "unsafe": gettext_lazy("Safety appraisal grade %(grade)s (the programme accepts %(accepted)s)"),
    "short_life": gettext_lazy(
        "%(years)s years of use left after retrofit, fewer than %(minimum)s"
    ),
    "energy_efficient": gettext_lazy("Already an energy-efficient building"),
    "missing_safety_grade": gettext_lazy("Survey incomplete: no safety appraisal grade"),
    "missing_remaining_life": gettext_lazy("Survey incomplete: no remaining service life"),
}


# The rules by name, without a building's values (for counts over many buildings).
RULE_NAMES = {
    **RULES,
    "unsafe": gettext_lazy("Safety appraisal grade not accepted by the programme"),
    "short_life": gettext_lazy("Too few years of use left after retrofit"),
}


def describe(reason: dict) -> str:
    """A stored reason ({"rule": code, …values}) as a sentence in the current language."""
    values = {k: v for k, v in reason.items() if k != "rule"}
    return str(RULES[reason["rule"]]) % values if values else str(RULES[reason["rule"]])


@dataclass(frozen=True)
class Verdict:
    status: str
    reasons: list[dict]


def judge(building: Building, programme: Programme, *, has_exception: bool) -> Verdict:
    """Apply the rules to one building (no database access). The same four rules hold
    for buildings combined with old-community renovation (二（二）1); an eligible
    verdict carries no reasons."""
    reasons, missing = [], []
    if building.in_demolition_area:
        reasons.append({"rule": "demolition_area"})
    if not building.safety_grade:
        missing.append({"rule": "missing_safety_grade"})
    elif building.safety_grade not in programme.safety_grades:
        reasons.append(
            {
                "rule": "unsafe",
                "grade": building.safety_grade,
                "accepted": programme.eligible_safety_grades,
            }
        )
    if building.remaining_life_years is None:
        missing.append({"rule": "missing_remaining_life"})
    elif building.remaining_life_years < programme.min_remaining_life_years:
        reasons.append(
            {
                "rule": "short_life",
                "years": building.remaining_life_years,
                "minimum": programme.min_remaining_life_years,
            }
        )
    if building.energy_efficient:
        reasons.append({"rule": "energy_efficient"})
    if reasons:
        status = Screening.Status.EXCEPTION if has_exception else Screening.Status.EXCLUDED
        return Verdict(status, reasons + missing)
    if missing:
        status = Screening.Status.EXCEPTION if has_exception else Screening.Status.INCOMPLETE
        return Verdict(status, missing)
    return Verdict(Screening.Status.ELIGIBLE, [])


def superseded(screenings):
    """The screenings (of a queryset) made by the superseded rule that admitted combined
    buildings unchecked: eligible with a reason, which no eligible verdict has now."""
    return screenings.filter(status=Screening.Status.ELIGIBLE).exclude(reasons=[])


def category_for(building: Building, programme: Programme, categories=None):
    """The task-table column the building's area counts in."""
    sector = "residential" if building.is_residential else "public"
    combined = building.community.old_community_renovation
    for category in categories if categories is not None else programme.categories.all():
        if category.sector == sector and category.combined_with_renovation in (None, combined):
            return category
    return None


def screen(programme: Programme, buildings, *, actor=None, actor_name: str = "") -> Counter:
    """Screen ``buildings`` (a queryset) for ``programme``; store and audit the run.

    Returns the count of buildings per status.
    """
    categories = list(programme.categories.all())
    excepted = set(
        EligibilityException.objects.filter(programme=programme).values_list(
            "building_id", flat=True
        )
    )
    now = timezone.now()
    results, counts = [], Counter()
    for b in buildings.select_related("community").iterator(chunk_size=2000):
        verdict = judge(b, programme, has_exception=b.pk in excepted)
        counts[verdict.status] += 1
        category = category_for(b, programme, categories)
        results.append(
            Screening(
                building_id=b.pk,
                programme=programme,
                division_id=b.division_id,
                status=verdict.status,
                reasons=verdict.reasons,
                category=category,
                screened_at=now,
            )
        )
    with transaction.atomic():
        Screening.objects.bulk_create(
            results,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["building", "programme"],
            update_fields=["status", "reasons", "category", "division", "screened_at"],
        )
        audit.record(
            actor=actor,
            actor_name=actor_name or None,
            action="survey.screen",
            obj=programme,
            division_code=programme.city.code,
            data={"n": len(results), "p": str(programme), "counts": dict(counts)},
            after=dict(counts),
        )
    return counts


@transaction.atomic
def grant_exception(building: Building, programme: Programme, reason: str, *, actor) -> Screening:
    """Admit a building the rules exclude, with a written reason (audited)."""
    require(actor, Cap.GRANT_EXCEPTION)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise BusinessError(_("Write the reason for the exception (at least 10 characters)."))
    screening = (
        Screening.objects.select_for_update().filter(building=building, programme=programme).first()
    )
    if screening is None or screening.status not in (
        Screening.Status.EXCLUDED,
        Screening.Status.INCOMPLETE,
    ):
        raise BusinessError(
            _("Only a building the rules exclude (or cannot judge) needs an exception.")
        )
    EligibilityException.objects.create(
        building=building, programme=programme, reason=reason, granted_by=actor
    )
    before = {"status": screening.status}
    screening.status = Screening.Status.EXCEPTION
    screening.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="survey.exception",
        obj=building,
        division_code=building.division.code,
        data={"a": actor.display_name, "b": str(building), "p": str(programme), "r": reason},
        before=before,
        after={"status": screening.status, "reason": reason},
    )
    return screening
