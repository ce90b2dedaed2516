from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_POST

from jigai.audit.forms import EntryFilterParams
from jigai.audit.models import AuditEntry
from jigai.audit.services import verify_chain
from jigai.core.params import parse
from jigai.core.roles import Cap
from jigai.core.views import capability_required

PAGE_SIZE = 50


@capability_required(Cap.VIEW_AUDIT)
def entry_list(request):
    qs = AuditEntry.objects.all()
    q = request.GET
    f = parse(EntryFilterParams, q)
    if f["action"]:
        qs = qs.filter(action__startswith=f["action"])
    if f["actor"]:
        qs = qs.filter(actor_name__icontains=f["actor"])
    if f["object"]:
        qs = qs.filter(object_repr__icontains=f["object"])
    if f["outcome"] in AuditEntry.Outcome.values:
        qs = qs.filter(outcome=f["outcome"])
    if f["since"] is not None:
        qs = qs.filter(recorded_at__date__gte=f["since"])
    if f["until"] is not None:
        qs = qs.filter(recorded_at__date__lte=f["until"])
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
