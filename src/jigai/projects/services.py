"""Setting up a project: its buildings, design packages, tender, time nodes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jigai.accounts.models import Organisation
from jigai.audit import services as audit
from jigai.buildings.eligibility import category_for
from jigai.buildings.models import Building
from jigai.core.errors import BusinessError, require
from jigai.core.roles import Cap
from jigai.engine.funding import window_line_fen
from jigai.engine.measures import default_catalogue
from jigai.money import format_yuan
from jigai.programmes.models import Category, Programme
from jigai.projects import books
from jigai.projects.access import bump, lock
from jigai.projects.models import DesignSource, Project, ProjectBuilding, Stage, TimeNode
from jigai.projects.plan import refresh_plan

EDITABLE = {Stage.SURVEY, Stage.RETURNED}


@transaction.atomic
def create_project(
    *, programme: Programme, category: Category, name: str, actor, division=None
) -> Project:
    require(actor, Cap.MANAGE_PROJECTS)
    division = actor.county or division
    if division is None:
        raise BusinessError(_("A project belongs to a county."))
    if category.programme_id != programme.pk:
        raise BusinessError(_("The category is not one of this programme year's."))
    if not (name or "").strip():
        raise BusinessError(_("Give the project a name."))
    project = Project.objects.create(
        programme=programme,
        division=division,
        category=category,
        name=name.strip(),
        code=_next_code(programme, division),
    )
    audit.record(
        actor=actor,
        action="project.create",
        obj=project,
        division_code=division.code,
        data={"a": actor.display_name, "p": str(project), "c": category.name},
        after={"code": project.code, "name": project.name, "category": category.code},
    )
    refresh_plan(project, actor=actor)
    return project


def _next_code(programme: Programme, division) -> str:
    """The next project number of the county in the programme year, "2023-yuxian-007".

    Taken under a lock of the programme year's row (inside the caller's transaction), so two
    creations at the same moment get two numbers; FOR NO KEY UPDATE leaves the row free for
    the inserts that refer to it."""
    list(
        Programme.objects.select_for_update(no_key=True)
        .filter(pk=programme.pk)
        .values_list("pk", flat=True)
    )
    prefix = f"{programme.year}-{division.code}-"
    numbers = [
        int(code[len(prefix) :])
        for code in Project.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def add_buildings(
    project: Project, buildings: list[Building], *, actor, expected_version: int | None = None
) -> int:
    """Put surveyed buildings of the project's county and category into it."""
    require(actor, Cap.MANAGE_PROJECTS)
    locked = lock(project, actor, expected_version)
    if locked.stage not in EDITABLE:
        raise BusinessError(
            _("Buildings can be changed only before declaration or after a return.")
        )
    problems = []
    for b in buildings:
        if b.division_id != locked.division_id:
            problems.append(_("%(b)s is in another county.") % {"b": b})
        elif category_for(b, locked.programme) != locked.category:
            problems.append(
                _("%(b)s is not in the category “%(c)s”.") % {"b": b, "c": locked.category.name}
            )
    if problems:
        raise BusinessError(problems[0], details=problems[1:])
    try:
        with transaction.atomic():
            items = ProjectBuilding.objects.bulk_create(
                ProjectBuilding(
                    project=locked,
                    building=b,
                    programme=locked.programme,
                    floor_area_m2=b.floor_area_m2,
                    households=b.households or 0,
                )
                for b in buildings
            )
    except IntegrityError:
        raise BusinessError(
            _("A building is already in a project of this programme year.")
        ) from None
    bump(locked)
    audit.record(
        actor=actor,
        action="project.buildings",
        obj=locked,
        division_code=locked.division.code,
        data={"a": actor.display_name, "n": len(items), "p": locked.code},
        after={"buildings": [str(b) for b in buildings]},
    )
    refresh_plan(locked, actor=actor)
    return len(items)


@transaction.atomic
def set_design(
    item: ProjectBuilding,
    *,
    measures: list,
    eta: Decimal,
    cost_fen: int,
    window_fen: int,
    source: str,
    actor,
    lines: list | None = None,
) -> ProjectBuilding:
    """Record a building's design package: from the optimiser or entered by the designer.

    ``window_fen`` is the cost of the design's window lines (the owners' money pays for new
    windows, 阳政办发〔2023〕36号 二（二）4(1)); 0 when the design replaces no window."""
    require(actor, Cap.MANAGE_PROJECTS)
    locked = lock(item.project, actor, None)
    if locked.stage not in EDITABLE:
        raise BusinessError(
            _("The design can be changed only before declaration or after a return.")
        )
    if cost_fen < 0 or not (Decimal(-1) < eta <= 1):
        raise BusinessError(_("A cost cannot be negative and η lies below 100 %."))
    if not 0 <= window_fen <= cost_fen:
        raise BusinessError(
            _("The window lines (%(w)s yuan) must lie between 0 and the cost (%(c)s yuan).")
            % {"w": format_yuan(window_fen), "c": format_yuan(cost_fen)}
        )
    item = ProjectBuilding.objects.select_for_update().get(pk=item.pk)
    before = {
        "eta": item.design_eta,
        "cost_fen": item.design_cost_fen,
        "window_fen": item.design_window_fen,
        "source": item.design_source,
    }
    item.design_measures, item.design_eta, item.design_cost_fen, item.design_source = (
        measures,
        eta,
        cost_fen,
        source,
    )
    item.design_window_fen, item.design_lines = window_fen, lines or []
    item.save()
    bump(locked)
    audit.record(
        actor=actor,
        action="project.design",
        obj=locked,
        division_code=locked.division.code,
        data={
            "a": actor.display_name,
            "b": str(item.building),
            "e": str(eta),
            "c": cost_fen,
            "w": window_fen,
            "s": source,
        },
        before=before,
        after={
            "eta": eta,
            "cost_fen": cost_fen,
            "window_fen": window_fen,
            "source": source,
            "measures": measures,
            "lines": lines or [],
        },
    )
    refresh_plan(locked, actor=actor)
    return item


@transaction.atomic
def record_tender(
    project: Project,
    *,
    contract_sum_fen: int,
    contractor: Organisation,
    supervisor: Organisation | None,
    actor,
    expected_version: int | None = None,
) -> Project:
    require(actor, Cap.MANAGE_PROJECTS)
    locked = lock(project, actor, expected_version)
    if locked.stage != Stage.APPROVED:
        raise BusinessError(_("The tender is recorded after approval and before works."))
    if contract_sum_fen <= 0:
        raise BusinessError(_("The contract sum must be more than zero."))
    if contractor.kind != Organisation.Kind.CONTRACTOR or (
        supervisor and supervisor.kind != Organisation.Kind.SUPERVISOR
    ):
        raise BusinessError(_("Choose a registered contractor and works supervisor."))
    before = audit.model_snapshot(locked, ["contract_sum_fen", "contractor", "supervisor"])
    locked.contract_sum_fen, locked.contractor, locked.supervisor = (
        contract_sum_fen,
        contractor,
        supervisor,
    )
    locked.save()
    bump(locked)
    audit.record(
        actor=actor,
        action="project.contract",
        obj=locked,
        division_code=locked.division.code,
        data={
            "a": actor.display_name,
            "p": locked.code,
            "c": contractor.name,
            "y": contract_sum_fen,
        },
        before=before,
        after=audit.model_snapshot(locked, ["contract_sum_fen", "contractor", "supervisor"]),
    )
    refresh_plan(locked, actor=actor)
    return locked


def plan_dates(project: Project, plan: dict[str, dt.date | None], *, actor) -> Project:
    """Set the planned date of each stage (时间节点); they must not go backwards, and they are
    not changed once the project is audited, closed or withdrawn (a refusal for that is
    audited, :mod:`jigai.projects.books`)."""
    require(actor, Cap.MANAGE_PROJECTS)
    with transaction.atomic():
        locked = lock(project, actor, None)
        problems = books.Problems()
        books.check_dates_open(locked, problems)
        if not problems:
            return _write_plan_dates(locked, plan, actor)
    books.record_refusal(
        locked, actor=actor, action="project.plan_refused", data={}, codes=problems.codes
    )
    raise BusinessError(problems.messages[0], details=problems.messages[1:])


def _write_plan_dates(locked: Project, plan: dict, actor) -> Project:
    from jigai.projects.models import ORDER

    dates = [(s, plan.get(s)) for s in ORDER if plan.get(s)]
    for (s1, d1), (s2, d2) in zip(dates, dates[1:], strict=False):
        if d2 < d1:
            raise BusinessError(
                _("“%(b)s” is planned before “%(a)s”.")
                % {"a": Stage(s1).label, "b": Stage(s2).label}
            )
    for stage, date in plan.items():
        TimeNode.objects.update_or_create(
            project=locked, stage=stage, defaults={"planned_on": date}
        )
    bump(locked)
    audit.record(
        actor=actor,
        action="project.plan",
        obj=locked,
        division_code=locked.division.code,
        data={"a": actor.display_name, "p": locked.code},
        after={s: d for s, d in plan.items()},
    )
    return locked


@transaction.atomic
def record_as_built(item: ProjectBuilding, *, eta: Decimal, record: dict, actor) -> ProjectBuilding:
    """The inspector records the as-built re-assessment of a building (engine result)."""
    require(actor, Cap.INSPECT_PROJECTS)
    locked = lock(item.project, actor, None)
    if locked.stage != Stage.COMPLETED:
        raise BusinessError(_("The as-built re-assessment is recorded once works are completed."))
    item = ProjectBuilding.objects.select_for_update().get(pk=item.pk)
    item.as_built_eta, item.as_built_record = eta, record
    item.save(update_fields=["as_built_eta", "as_built_record"])
    bump(locked)
    audit.record(
        actor=actor,
        action="project.as_built",
        obj=locked,
        division_code=locked.division.code,
        data={"a": actor.display_name, "b": str(item.building), "e": str(eta)},
        after={"eta": eta, "engine_version": record.get("engine_version")},
    )
    return item


def design_from_assessment(item: ProjectBuilding, *, actor) -> ProjectBuilding:
    """Take the optimiser's least-cost package of the building's current assessment."""
    from jigai.buildings.models import Assessment

    current = Assessment.objects.filter(
        building=item.building, programme=item.programme, is_current=True
    ).first()
    if current is None or current.error or current.package is None:
        raise BusinessError(
            _("%(b)s has no assessment to take a package from.") % {"b": item.building}
        )
    lines = current.package.get("lines", [])
    window = (current.funding or {}).get("window_fen")
    if window is None:  # stored before the split recorded its window lines
        window = window_line_fen(lines, default_catalogue())
    return set_design(
        item,
        measures=current.package["engine_measures"],
        eta=current.eta,
        cost_fen=current.cost_fen,
        window_fen=window,
        lines=lines,
        source=DesignSource.OPTIMISER,
        actor=actor,
    )


def as_built_by_engine(item: ProjectBuilding, *, report: str, actor) -> ProjectBuilding:
    """Re-assess the building with its design measures as built (the engine computes η)."""
    from jigai.buildings.assessment import reassess_with_measures

    if item.design_source != DesignSource.OPTIMISER or not item.design_measures:
        raise BusinessError(
            _("Only a design made of catalogue measures can be re-assessed by the engine.")
        )
    eta, record = reassess_with_measures(item.building, item.programme, item.design_measures)
    return record_as_built(item, eta=eta, record={**record, "report": report}, actor=actor)
