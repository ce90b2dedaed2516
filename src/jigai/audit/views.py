from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jigai.audit import oversight
from jigai.audit.forms import EntryFilterParams
from jigai.audit.models import AuditEntry
from jigai.core.params import parse
from jigai.core.roles import Cap
from jigai.core.views import capability_required

PAGE_SIZE = 50
FILTERS = ("action", "actor", "object", "outcome", "since", "until")


def _filtered(q):
    """The entries the filters ``q`` (a query string or a posted form) select; a malformed
    value is refused (``core.params``)."""
    f = parse(EntryFilterParams, q)
    qs = AuditEntry.objects.all()
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
    return qs


def _oldest_days() -> int | None:
    oldest = AuditEntry.objects.order_by("seq").values_list("recorded_at", flat=True).first()
    return (timezone.now() - oldest).days if oldest else None


@capability_required(Cap.VIEW_AUDIT)
def entry_list(request):
    q = request.GET
    page = Paginator(_filtered(q), PAGE_SIZE).get_page(q.get("page"))
    oversight.record_read(
        request.user, page=page.number, filters={k: q.get(k, "") for k in FILTERS}
    )
    actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "q": q,
            "actions": actions,
            "outcomes": AuditEntry.Outcome.choices,
            "oldest_days": _oldest_days(),
            "retention_days": settings.AUDIT_RETENTION_DAYS,
        },
    )


@require_POST
@capability_required(Cap.VERIFY_AUDIT)
def verify(request):
    result = oversight.verify_and_record(request.user)
    return render(request, "audit/verify.html", {"report": result.chain, "result": result})


@require_POST
@capability_required(Cap.VERIFY_AUDIT)
def export(request):
    q = request.POST
    done = oversight.export(_filtered(q), request.user, filters={k: q.get(k, "") for k in FILTERS})
    response = HttpResponse(done.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{done.name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@capability_required(Cap.VERIFY_AUDIT)
def anchors(request):
    content = oversight.anchors_for_download(request.user)
    response = HttpResponse(content, content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-anchors.jsonl"'
    response["Cache-Control"] = "no-store"
    return response
