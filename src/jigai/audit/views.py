from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from jigai.audit.models import AuditEntry
from jigai.audit.services import verify_chain
from jigai.core.roles import Cap
from jigai.core.views import capability_required

PAGE_SIZE = 50


@capability_required(Cap.VIEW_AUDIT)
def entry_list(request):
    qs = AuditEntry.objects.all()
    q = request.GET
    if q.get("action"):
        qs = qs.filter(action__startswith=q["action"])
    if q.get("actor"):
        qs = qs.filter(actor_name__icontains=q["actor"])
    if q.get("object"):
        qs = qs.filter(object_repr__icontains=q["object"])
    if q.get("outcome") in AuditEntry.Outcome.values:
        qs = qs.filter(outcome=q["outcome"])
    if (since := parse_date(q.get("since") or "")) is not None:
        qs = qs.filter(recorded_at__date__gte=since)
    if (until := parse_date(q.get("until") or "")) is not None:
        qs = qs.filter(recorded_at__date__lte=until)
    page = Paginator(qs, PAGE_SIZE).get_page(q.get("page"))
    actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(
        request,
        "audit/list.html",
        {"page": page, "q": q, "actions": actions, "outcomes": AuditEntry.Outcome.choices},
    )


@require_POST
@capability_required(Cap.VERIFY_AUDIT)
def verify(request):
    return render(request, "audit/verify.html", {"report": verify_chain()})
