"""Progress of projects against the task table: area by stage, late time nodes."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.utils import timezone

from jigai.projects.models import DONE, IN_PROGRESS, ORDER, ProjectBuilding, Stage, TimeNode


def area_by_stage(programme) -> dict[tuple[int, int], tuple[int, int]]:
    """{(division, category): (in progress m², completed m²)}; completed means accepted."""
    out: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        ProjectBuilding.objects.filter(
            project__programme=programme, project__stage__in=IN_PROGRESS | DONE
        )
        .values("project__division", "project__category", "project__stage")
        .annotate(area=Sum("floor_area_m2"))
    )
    for r in rows:
        slot = 1 if r["project__stage"] in DONE else 0
        out[(r["project__division"], r["project__category"])][slot] += int(round(r["area"] or 0))
    return {k: (v[0], v[1]) for k, v in out.items()}


def late_nodes(programme, *, divisions=None, today=None):
    """Planned stages whose date has passed without the project reaching them."""
    today = today or timezone.localdate()
    qs = (
        TimeNode.objects.filter(
            project__programme=programme, planned_on__lt=today, actual_on__isnull=True
        )
        .exclude(project__stage__in=[Stage.CLOSED, Stage.WITHDRAWN])
        .select_related("project", "project__division")
    )
    if divisions is not None:
        qs = qs.filter(project__division__in=divisions)
    late = []
    for node in qs.order_by("planned_on"):
        reached = (
            node.project.stage in ORDER
            and node.stage in ORDER
            and ORDER.index(node.project.stage) >= ORDER.index(node.stage)
        )
        if not reached:
            late.append(node)
    return late


def area_by_project_stage(programme, divisions) -> list[tuple[object, list[int]]]:
    """Floor area [m²] in projects per county × stage (ORDER), for the dashboard."""
    rows = (
        ProjectBuilding.objects.filter(project__programme=programme)
        .values("project__division", "project__stage")
        .annotate(area=Sum("floor_area_m2"))
    )
    cells = {
        (r["project__division"], r["project__stage"]): int(round(r["area"] or 0)) for r in rows
    }
    return [(d, [cells.get((d.pk, s), 0) for s in ORDER]) for d in divisions]
