"""The project's stages as a state machine.

Each transition names who may take it, which stages it leaves, its
preconditions and whether a reason is required. A refused transition raises
with every unmet condition and changes nothing. Each taken transition records
its business date (never before the previous stage's), a Transition row, the
stage's actual time node and an audit entry, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigai.audit import services as audit
from jigai.audit.models import AuditEntry
from jigai.buildings.models import Screening
from jigai.core.errors import BusinessError, require
from jigai.core.roles import Cap, Duty, DutyRefused
from jigai.documents.services import missing_for
from jigai.money import format_yuan
from jigai.projects.access import in_scope, lock
from jigai.projects.funding import reconcile
from jigai.projects.models import Ledger, Project, Stage, TimeNode, Transition

ACTIVE = {
    Stage.SURVEY,
    Stage.DECLARED,
    Stage.RETURNED,
    Stage.APPROVED,
    Stage.TENDERED,
    Stage.FUNDED,
    Stage.STARTED,
    Stage.COMPLETED,
    Stage.ACCEPTED,
    Stage.AUDITED,
}


def _threshold(project: Project):
    return project.programme.min_improvement


def check_declare(project: Project) -> list[str]:
    problems = []
    items = list(project.items.select_related("building"))
    if not items:
        problems.append(_("The project has no building."))
    statuses = dict(
        Screening.objects.filter(
            programme=project.programme, building__in=[i.building for i in items]
        ).values_list("building_id", "status")
    )
    for item in items:
        if statuses.get(item.building_id) not in (
            Screening.Status.ELIGIBLE,
            Screening.Status.EXCEPTION,
        ):
            problems.append(_("%(b)s is not eligible by this year's rules.") % {"b": item.building})
        if item.design_eta is None:
            problems.append(_("%(b)s has no design package.") % {"b": item.building})
        elif item.design_eta < _threshold(project):
            problems.append(
                _("%(b)s: designed improvement %(e)s is below %(t)s.")
                % {
                    "b": item.building,
                    "e": f"{item.design_eta:.1%}",
                    "t": f"{_threshold(project):.0%}",
                }
            )
    return problems


def check_tender(project: Project) -> list[str]:
    problems = []
    if not project.contract_sum_fen or project.contract_sum_fen <= 0:
        problems.append(_("Record the contract sum of the tender."))
    if project.contractor_id is None:
        problems.append(_("Record the winning contractor."))
    return problems


def check_owners_money(project: Project) -> list[str]:
    r = reconcile(project)
    if not r.owners_in_place:
        return [
            _("Owners' payments %(got)s yuan do not cover the owners' share %(due)s yuan.")
            % {"got": format_yuan(r.received["owners"]), "due": format_yuan(r.plan.owners)}
        ]
    return []


def check_county_money(project: Project) -> list[str]:
    """The county's matching funds fully in place before works (足额到位): county funds and
    other recorded sources together cover the county's share of the plan."""
    r = reconcile(project)
    if not r.county_in_place:
        return [
            _(
                "County funds received %(got)s yuan (county %(c)s + other sources %(o)s) do not "
                "cover the county's share %(due)s yuan."
            )
            % {
                "got": format_yuan(r.county_received),
                "c": format_yuan(r.received[Ledger.COUNTY]),
                "o": format_yuan(r.received[Ledger.OTHER]),
                "due": format_yuan(r.plan.county),
            }
        ]
    return []


def check_as_built(project: Project) -> list[str]:
    problems = []
    for item in project.items.select_related("building"):
        if item.as_built_eta is None:
            problems.append(_("%(b)s has no as-built re-assessment.") % {"b": item.building})
        elif item.as_built_eta < _threshold(project):
            problems.append(
                _("%(b)s: as-built improvement %(e)s is below %(t)s.")
                % {
                    "b": item.building,
                    "e": f"{item.as_built_eta:.1%}",
                    "t": f"{_threshold(project):.0%}",
                }
            )
    return problems


ACCEPTANCE_CHECKS: list[Callable[[Project], list[str]]] = []
"""Checks of the works' evidence that acceptance also needs, registered by the apps above
projects (``jigai.quality`` registers the tests and rectifications in its ``ready()``), so
that projects imports none of them."""


def register_acceptance_check(fn: Callable[[Project], list[str]]) -> None:
    """Add a check to acceptance (once: a repeated registration is ignored)."""
    if fn not in ACCEPTANCE_CHECKS:
        ACCEPTANCE_CHECKS.append(fn)


def check_evidence(project: Project) -> list[str]:
    """Every registered acceptance check, in the order registered."""
    return [p for check in ACCEPTANCE_CHECKS for p in check(project)]


def check_closable(project: Project) -> list[str]:
    """The books are settled: every source paid in full and the contractor paid the contract sum."""
    r = reconcile(project)
    problems = [
        _("%(s)s: %(y)s yuan still outstanding.") % {"s": Ledger(k).label, "y": format_yuan(v)}
        for k, v in r.outstanding.items()
        if v > 0
    ]
    if r.paid_to_contractor != r.plan.total:
        problems.append(
            _("The contractor was paid %(p)s yuan of %(t)s.")
            % {"p": format_yuan(r.paid_to_contractor), "t": format_yuan(r.plan.total)}
        )
    return problems


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: back to the stage before suspension
    capability: str
    needs_reason: bool = False
    checks: tuple[Callable[[Project], list[str]], ...] = field(default=())


ACTIONS = {
    a.name: a
    for a in [
        Action(
            "declare",
            gettext_lazy("Declare"),
            frozenset({Stage.SURVEY, Stage.RETURNED}),
            Stage.DECLARED,
            Cap.MANAGE_PROJECTS,
            checks=(check_declare,),
        ),
        Action(
            "approve",
            gettext_lazy("Approve"),
            frozenset({Stage.DECLARED}),
            Stage.APPROVED,
            Cap.APPROVE_PROJECTS,
        ),
        Action(
            "return",
            gettext_lazy("Return for revision"),
            frozenset({Stage.DECLARED}),
            Stage.RETURNED,
            Cap.APPROVE_PROJECTS,
            needs_reason=True,
        ),
        Action(
            "tender",
            gettext_lazy("Record the tender"),
            frozenset({Stage.APPROVED}),
            Stage.TENDERED,
            Cap.MANAGE_PROJECTS,
            checks=(check_tender,),
        ),
        Action(
            "fund",
            gettext_lazy("Confirm owners' money in place"),
            frozenset({Stage.TENDERED}),
            Stage.FUNDED,
            Cap.MANAGE_PROJECTS,
            checks=(check_owners_money,),
        ),
        Action(
            "start",
            gettext_lazy("Start works"),
            frozenset({Stage.FUNDED}),
            Stage.STARTED,
            Cap.MANAGE_PROJECTS,
            checks=(check_owners_money, check_county_money),
        ),
        Action(
            "complete",
            gettext_lazy("Complete works"),
            frozenset({Stage.STARTED}),
            Stage.COMPLETED,
            Cap.MANAGE_PROJECTS,
        ),
        Action(
            "accept",
            gettext_lazy("Accept on completion"),
            frozenset({Stage.COMPLETED}),
            Stage.ACCEPTED,
            Cap.INSPECT_PROJECTS,
            checks=(check_as_built, check_evidence),
        ),
        Action(
            "audit",
            gettext_lazy("Record the audit"),
            frozenset({Stage.ACCEPTED}),
            Stage.AUDITED,
            Cap.AUDIT_PROJECTS,
            needs_reason=True,
        ),
        Action(
            "close",
            gettext_lazy("Close"),
            frozenset({Stage.AUDITED}),
            Stage.CLOSED,
            Cap.OVERSEE_PROJECTS,
            checks=(check_closable,),
        ),
        Action(
            "suspend",
            gettext_lazy("Suspend"),
            frozenset(ACTIVE - {Stage.AUDITED}),
            Stage.SUSPENDED,
            Cap.OVERSEE_PROJECTS,
            needs_reason=True,
        ),
        Action(
            "resume",
            gettext_lazy("Resume"),
            frozenset({Stage.SUSPENDED}),
            None,
            Cap.OVERSEE_PROJECTS,
            needs_reason=True,
        ),
        Action(
            "withdraw",
            gettext_lazy("Withdraw"),
            frozenset({Stage.SURVEY, Stage.DECLARED, Stage.RETURNED, Stage.APPROVED}),
            Stage.WITHDRAWN,
            Cap.MANAGE_PROJECTS,
            needs_reason=True,
        ),
    ]
}


def available_actions(project: Project, user) -> list[Action]:
    """The actions this user could take now (preconditions aside)."""
    return [
        a
        for a in ACTIONS.values()
        if project.stage in a.sources and user.can(a.capability) and in_scope(project, user)
    ]


REGULAR_EXCLUDED = ("return", "suspend", "withdraw", "resume")


def next_actions(project: Project) -> list[tuple[str, str]]:
    """(name, label) of the regular transitions from the project's stage."""
    return [
        (a.name, str(a.label))
        for a in ACTIONS.values()
        if project.stage in a.sources and a.name not in REGULAR_EXCLUDED
    ]


def blockers(project: Project) -> list[str]:
    """What stands between the project and its next regular stage."""
    for action in ACTIONS.values():
        if project.stage in action.sources and action.name not in REGULAR_EXCLUDED:
            return [p for check in action.checks for p in check(project)]
    return []


def last_date(project: Project) -> dt.date | None:
    last = project.transitions.order_by("-on_date", "-pk").values_list("on_date", flat=True).first()
    return last


def take(
    project: Project,
    action_name: str,
    *,
    actor,
    on_date: dt.date,
    reason: str = "",
    expected_version: int | None = None,
) -> Project:
    """Take a transition, or refuse with every reason and change nothing."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise BusinessError(_("Unknown action."))
    require(actor, action.capability)
    try:
        return _take(project, action, actor, on_date, reason, expected_version)
    except DutyRefused as exc:  # the change rolled back; the refusal stays in the trail
        audit.record_security_event(
            actor=actor,
            action="project.refused",
            outcome=AuditEntry.Outcome.REFUSED,
            obj=project,
            division_code=project.division.code,
            data={"a": actor.display_name, "act": action.name, "p": project.code, "why": exc.duty},
        )
        raise


FOUR_EYES = {"approve": Stage.DECLARED}
"""Actions that the one who took the project into the given stage may not take on it
(``Duty.SELF_APPROVAL``: whoever declared a project does not approve it)."""


def check_four_eyes(project: Project, action: Action, actor) -> None:
    stage = FOUR_EYES.get(action.name)
    if stage is None:
        return
    last = project.transitions.filter(to_stage=stage).order_by("-pk").first()
    if last is not None and last.actor_id == actor.pk:
        raise DutyRefused(
            _("“%(a)s” refused: %(why)s (you took the project to “%(s)s”).")
            % {"a": action.label, "why": Duty.SELF_APPROVAL.label, "s": Stage(stage).label},
            duty=Duty.SELF_APPROVAL,
        )


def _take(project, action, actor, on_date, reason, expected_version) -> Project:
    with transaction.atomic():
        locked = lock(project, actor, expected_version)
        if locked.stage not in action.sources:
            raise BusinessError(
                _("“%(a)s” is not possible while the project is “%(s)s”.")
                % {"a": action.label, "s": locked.get_stage_display()}
            )
        check_four_eyes(locked, action, actor)
        problems = []
        reason = (reason or "").strip()
        if action.needs_reason and not reason:
            problems.append(_("A reason is required."))
        previous = last_date(locked)
        if previous is not None and on_date < previous:
            problems.append(
                _("The date %(d)s is before the previous stage (%(p)s).")
                % {"d": on_date, "p": previous}
            )
        if on_date > timezone.localdate():
            problems.append(_("The date %(d)s is in the future.") % {"d": on_date})
        for check in action.checks:
            problems.extend(check(locked))
        problems.extend(  # the documents the transition needs (jigai.documents' kinds file)
            _("Upload the document “%(k)s”.") % {"k": k.label}
            for k in missing_for(locked, action.name)
        )
        if problems:
            raise BusinessError(
                _("“%(a)s” refused: %(n)d condition(s) not met.")
                % {"a": action.label, "n": len(problems)},
                details=problems,
            )
        before = locked.stage
        target = action.target or locked.resume_stage
        locked.resume_stage = before if action.name == "suspend" else ""
        if action.name == "audit":
            locked.audit_findings = reason
        locked.stage = target
        locked.version += 1
        locked.save(update_fields=["stage", "resume_stage", "audit_findings", "version"])
        Transition.objects.create(
            project=locked,
            from_stage=before,
            to_stage=target,
            actor=actor,
            on_date=on_date,
            reason=reason,
        )
        TimeNode.objects.update_or_create(
            project=locked, stage=target, defaults={"actual_on": on_date}
        )
        audit.record(
            actor=actor,
            action=f"project.{action.name}",
            obj=locked,
            division_code=locked.division.code,
            business_date=on_date,
            data={
                "a": actor.display_name,
                "act": action.name,
                "p": locked.code,
                "f": str(before),
                "t": str(target),
                "why": reason or "",
            },
            before={"stage": before},
            after={"stage": target, "on_date": on_date, "reason": reason},
        )
    return locked
