"""Upload to a project, download a document, show a photo's thumbnail. Every record is
fetched through ``accounts.scope.get_visible_or_404``: another county's → 404 (audited)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jigai.accounts.scope import get_visible_or_404
from jigai.core.errors import BusinessError
from jigai.core.roles import Cap
from jigai.core.views import capability_required, refuse
from jigai.documents import services
from jigai.documents.models import Document

Project = Document._meta.get_field("project").related_model  # the owner's model, not imported


def _id(request, name: str, field: str):
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise BusinessError(_("%(field)s: not a valid choice.") % {"field": field})
    return int(raw)


@require_POST
@capability_required(Cap.VIEW_PROJECTS)
def upload(request, project):
    if not services.uploadable_kinds(request.user):
        raise PermissionDenied
    target = get_visible_or_404(Project.objects.select_related("division"), request, pk=project)
    try:
        item_id = _id(request, "item", _("Building"))
        old_id = _id(request, "supersedes", _("Supersedes"))
        item = get_visible_or_404(target.items, request, pk=item_id) if item_id else None
        old = get_visible_or_404(target.documents, request, pk=old_id) if old_id else None
        doc = services.upload(
            target,
            kind=request.POST.get("kind", ""),
            file=request.FILES.get("file"),
            actor=request.user,
            item=item,
            supersedes=old,
        )
    except BusinessError as exc:
        return refuse(request, exc, "projects:detail", target.pk)
    messages.success(request, _("Uploaded: %(f)s.") % {"f": doc.file_name})
    return redirect("projects:detail", target.pk)


def _file_response(data: bytes, content_type: str, *, as_attachment: bool, name: str):
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@capability_required(Cap.VIEW_PROJECTS)
def download(request, pk):
    doc = get_visible_or_404(Document.objects.select_related("project__division"), request, pk=pk)
    try:
        data = services.download(doc, actor=request.user)
    except BusinessError as exc:
        return refuse(request, exc, "projects:detail", doc.project_id)
    return _file_response(
        data, doc.content_type, as_attachment=not doc.is_image, name=doc.file_name
    )


@require_GET
@capability_required(Cap.VIEW_PROJECTS)
def thumbnail(request, pk):
    doc = get_visible_or_404(Document.objects.all(), request, pk=pk)
    if not doc.thumbnail:
        raise Http404
    return _file_response(
        services.thumbnail(doc), "image/jpeg", as_attachment=False, name="thumbnail.jpg"
    )
