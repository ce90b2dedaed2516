from django.http import Http404
from django.shortcuts import get_object_or_404, render

from jigai.accounts.models import Division, Organisation
from jigai.accounts.scope import refused_access
from jigai.core.params import ProgrammeParams, parse
from jigai.core.roles import Cap
from jigai.core.views import capability_required
from jigai.dashboard.services import progress_table
from jigai.programmes.models import Programme
from jigai.programmes.services import consistency, current_programme
from jigai.projects import workflow
from jigai.projects.models import ORDER, Project, Stage
from jigai.projects.progress import area_by_project_stage, late_nodes
from jigai.quality.services import overdue_rectifications


@capability_required(Cap.VIEW_PROGRAMME)
def home(request):
    pk = parse(ProgrammeParams, request.GET)["programme"]
    programme = get_object_or_404(Programme, pk=pk) if pk else current_programme()
    context = {"programme": programme, "programmes": Programme.objects.select_related("city")}
    if programme is not None:
        table = progress_table(programme, request.user)
        context.update(
            table=table,
            chart=table.chart_data(),
            checks=consistency(programme),
            ranking=table.ranking(),
            late=late_nodes(programme, divisions=request.user.visible_divisions()),
            overdue=overdue_rectifications(programme, divisions=request.user.visible_divisions()),
            stages=[Stage(s).label for s in ORDER],
            by_stage=area_by_project_stage(programme, [r.division for r in table.rows]),
        )
    return render(request, "dashboard/home.html", context)


@capability_required(Cap.VIEW_PROGRAMME)
def task_table(request, pk):
    """The task table with each county's progress (a fragment the programme page loads)."""
    programme = get_object_or_404(Programme.objects.select_related("city"), pk=pk)
    table = progress_table(programme, request.user)
    return render(request, "dashboard/_task_table.html", {"table": table})


@capability_required(Cap.VIEW_PROGRAMME)
def county_detail(request, pk, code):
    """A county-level unit's page; 404 for a county outside the user's scope."""
    programme = get_object_or_404(Programme.objects.select_related("city"), pk=pk)
    division = get_object_or_404(Division, code=code, parent=programme.city)
    if not request.user.sees_division(division):
        refused_access(request, division)
        raise Http404
    table = progress_table(programme, request.user)
    row = next(r for r in table.rows if r.division.pk == division.pk)
    organisations = Organisation.objects.filter(division=division).select_related("parent")
    projects = [
        (p, workflow.blockers(p))
        for p in Project.objects.filter(programme=programme, division=division).select_related(
            "category"
        )
    ]
    late = late_nodes(programme, divisions=[division])
    overdue = overdue_rectifications(programme, divisions=[division])
    return render(
        request,
        "dashboard/county.html",
        {
            "programme": programme,
            "division": division,
            "row": row,
            "category_cells": list(zip(table.categories, row.cells, strict=True)),
            "organisations": organisations,
            "projects": projects,
            "late": late,
            "overdue": overdue,
        },
    )
