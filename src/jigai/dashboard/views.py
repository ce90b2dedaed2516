from django.shortcuts import get_object_or_404, render

from jigai.accounts.roles import Cap
from jigai.core.views import capability_required
from jigai.dashboard.services import progress_table
from jigai.programmes.models import Programme
from jigai.programmes.services import consistency, current_programme
from jigai.projects.models import ORDER, Stage
from jigai.projects.progress import area_by_project_stage, late_nodes


@capability_required(Cap.VIEW_PROGRAMME)
def home(request):
    if request.GET.get("programme"):
        programme = get_object_or_404(Programme, pk=request.GET["programme"])
    else:
        programme = current_programme()
    context = {"programme": programme, "programmes": Programme.objects.select_related("city")}
    if programme is not None:
        table = progress_table(programme, request.user)
        context.update(
            table=table,
            chart=table.chart_data(),
            checks=consistency(programme),
            ranking=table.ranking(),
            late=late_nodes(programme, divisions=request.user.visible_divisions()),
            stages=[Stage(s).label for s in ORDER],
            by_stage=area_by_project_stage(programme, [r.division for r in table.rows]),
        )
    return render(request, "dashboard/home.html", context)
