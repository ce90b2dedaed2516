"""Documents and photos: upload (content checked, fingerprinted, thumbnailed, audited),
download (scoped like the owner, audited), supersede, and what a stage transition still
needs. Files go through Django's storage API only (``STORAGES["documents"]``: a folder in
the data directory, or S3-compatible object storage for deployments)."""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jigai.accounts.scope import in_scope
from jigai.audit import services as audit
from jigai.core.errors import BusinessError
from jigai.documents import content
from jigai.documents.kinds import Kind, kinds, needed_for
from jigai.documents.models import Document


def storage():
    """The documents' storage (``STORAGES["documents"]``)."""
    return storages["documents"]


def max_bytes() -> int:
    return settings.DOCUMENT_MAX_MB * 1024 * 1024


def uploadable_kinds(user) -> list[Kind]:
    """The kinds ``user`` may upload (by the capabilities the kinds file names)."""
    return [k for k in kinds().values() if any(user.can(c) for c in k.by)]


def _refuse(field: str, problem: str, name: str = "") -> BusinessError:
    if name:
        return BusinessError(
            _("%(field)s “%(name)s”: %(problem)s")
            % {"field": field, "name": name, "problem": problem}
        )
    return BusinessError(_("%(field)s: %(problem)s") % {"field": field, "problem": problem})


def _owner(project, item, ledger_entry) -> tuple[str, str]:
    """The owner's key (unique with the SHA-256) and its name for the audit sentence."""
    if item is not None and ledger_entry is not None:
        raise _refuse(_("Building"), _("a document belongs to a building or a payment, not both."))
    if item is not None:
        if item.project_id != project.pk:
            raise _refuse(_("Building"), _("the building is not in this project."))
        return f"item:{item.pk}", str(item.building)
    if ledger_entry is not None:
        if ledger_entry.project_id != project.pk:
            raise _refuse(_("Payment"), _("the payment is not of this project."))
        return f"entry:{ledger_entry.pk}", _("payment #%(n)d") % {"n": ledger_entry.pk}
    return "project", ""


def _checked(kind: Kind, file) -> tuple[str, bytes, content.Sniffed]:
    """The file's name, content and format, or a refusal naming the field."""
    field = _("File")
    if file is None:
        raise _refuse(field, _("choose a file."))
    name = posixpath.basename(str(file.name or "").replace("\\", "/"))[:200] or "file"
    limit = max_bytes()
    if (file.size or 0) > limit:
        raise _refuse(
            field,
            _("%(s).1f MB is more than the limit of %(m)d MB.")
            % {"s": file.size / 1024 / 1024, "m": settings.DOCUMENT_MAX_MB},
            name,
        )
    data = file.read(limit + 1)
    if len(data) > limit:
        raise _refuse(
            field, _("more than the limit of %(m)d MB.") % {"m": settings.DOCUMENT_MAX_MB}, name
        )
    try:
        sniffed = content.sniff(data)
    except content.NotRecognised as exc:
        raise _refuse(field, str(exc), name) from None
    claimed = content.claimed_format(name)
    if claimed != sniffed.format:
        raise _refuse(
            field,
            _("the content is a %(fmt)s file, which its name does not say.")
            % {"fmt": sniffed.format.upper()},
            name,
        )
    if sniffed.format not in kind.accepts:
        raise _refuse(
            field,
            _("“%(k)s” accepts %(ok)s, not %(fmt)s.")
            % {
                "k": kind.label,
                "ok": "、".join(sorted(f.upper() for f in kind.accepts)),
                "fmt": sniffed.format.upper(),
            },
            name,
        )
    return name, data, sniffed


def upload(
    project, *, kind: str, file, actor, item=None, ledger_entry=None, supersedes=None
) -> Document:
    """Keep ``file`` as a document of ``kind`` on the project (or one of its buildings or
    payments), or refuse with a message naming the field and store nothing."""
    found = kinds().get(kind)
    if found is None:
        raise _refuse(_("Kind"), _("choose a kind of document."))
    if not any(actor.can(c) for c in found.by):
        raise PermissionDenied(kind)
    key, owner = _owner(project, item, ledger_entry)
    name, data, sniffed = _checked(found, file)
    sha = hashlib.sha256(data).hexdigest()
    thumb = content.thumbnail(data) if sniffed.format in content.PILLOW_FORMATS.values() else None
    saved: list[str] = []
    try:
        with transaction.atomic():
            locked = type(project).objects.select_for_update().get(pk=project.pk)
            if not in_scope(locked, actor):
                raise BusinessError(_("This project belongs to another county."))
            twin = Document.objects.filter(attached_to=key, project=locked, sha256=sha).first()
            if twin is not None:
                raise _duplicate(name, twin)
            old = _supersedable(locked, found, supersedes)
            base = f"documents/p{locked.pk}/{uuid.uuid4().hex}"
            ext = "jpg" if sniffed.format == "jpeg" else sniffed.format
            saved.append(storage().save(f"{base}.{ext}", ContentFile(data)))
            if thumb is not None:
                saved.append(storage().save(f"{base}.thumb.jpg", ContentFile(thumb)))
            doc = Document.objects.create(
                project=locked,
                item=item,
                ledger_entry=ledger_entry,
                attached_to=key,
                kind=found.code,
                file_name=name,
                format=sniffed.format,
                content_type=sniffed.content_type,
                size=len(data),
                sha256=sha,
                stored_as=saved[0],
                thumbnail=saved[1] if thumb is not None else "",
                width=sniffed.width,
                height=sniffed.height,
                uploaded_by=actor,
            )
            audit.record(
                actor=actor,
                action="document.upload",
                obj=doc,
                division_code=locked.division.code,
                data={
                    "a": actor.display_name,
                    "f": name,
                    "k": found.code,
                    "p": locked.code,
                    "o": owner,
                },
                after={
                    "sha256": sha,
                    "size": len(data),
                    "format": sniffed.format,
                    "stored_as": saved[0],
                },
            )
            if old is not None:
                Document.objects.filter(pk=old.pk).update(superseded_by=doc)
                audit.record(
                    actor=actor,
                    action="document.supersede",
                    obj=old,
                    division_code=locked.division.code,
                    data={
                        "a": actor.display_name,
                        "g": old.file_name,
                        "f": name,
                        "k": found.code,
                        "p": locked.code,
                    },
                    before={"superseded_by": None},
                    after={"superseded_by": doc.pk},
                )
    except IntegrityError:  # the same file uploaded at the same moment by someone else
        _discard(saved)
        twin = Document.objects.filter(attached_to=key, project=project, sha256=sha).first()
        if twin is None:
            raise
        raise _duplicate(name, twin) from None
    except BaseException:
        _discard(saved)
        raise
    return doc


def _duplicate(name: str, twin: Document) -> BusinessError:
    return _refuse(
        _("File"),
        _("the same file (SHA-256 %(h)s…) is already kept here as “%(f)s”.")
        % {"h": twin.sha256[:12], "f": twin.file_name},
        name,
    )


def _supersedable(project, kind: Kind, supersedes) -> Document | None:
    if supersedes is None:
        return None
    old = Document.objects.select_for_update().filter(pk=supersedes.pk, project=project).first()
    if old is None or old.kind != kind.code:
        raise _refuse(_("Supersedes"), _("choose a document of the same kind in this project."))
    if old.superseded_by_id is not None:
        raise _refuse(_("Supersedes"), _("that document was already superseded."))
    return old


def _discard(names: list[str]) -> None:
    """Remove files written for an upload that was then refused or rolled back."""
    for stored in names:
        storage().delete(stored)


def download(document: Document, *, actor) -> bytes:
    """The document's content, checked against its SHA-256, the download audited. The view
    fetched ``document`` through ``get_visible_or_404`` (scope of its project)."""
    if not in_scope(document, actor):
        raise PermissionDenied
    with storage().open(document.stored_as, "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise BusinessError(
            _(
                "The stored file of “%(f)s” no longer matches its SHA-256 fingerprint; it is not served."
            )
            % {"f": document.file_name}
        )
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="document.download",
            obj=document,
            division_code=document.project.division.code,
            data={
                "a": actor.display_name,
                "f": document.file_name,
                "k": document.kind,
                "p": document.project.code,
            },
        )
    return data


def thumbnail(document: Document) -> bytes:
    """The photo's thumbnail (a derivative without EXIF; not audited, shown in lists)."""
    with storage().open(document.thumbnail, "rb") as f:
        return f.read()


def missing_for(project, action: str) -> list[Kind]:
    """The kinds that the transition ``action`` needs and the project has no current
    (not superseded) document of, in the kinds file's order."""
    needed = needed_for(action)
    if not needed:
        return []
    present = set(
        Document.objects.filter(
            project=project, superseded_by__isnull=True, kind__in=[k.code for k in needed]
        ).values_list("kind", flat=True)
    )
    return [k for k in needed if k.code not in present]


@dataclass(frozen=True)
class Group:
    kind: Kind
    documents: list[Document]


def panel(project, user, next_actions: list[tuple[str, str]]) -> dict:
    """The documents panel of the project page: documents by kind (kinds file order, then
    any kind no longer in the file), what the next transitions still need, the upload form's
    choices. ``next_actions``: (name, label) of the regular transitions from the stage."""
    docs = list(
        project.documents.select_related("uploaded_by", "item__building").order_by("kind", "-pk")
    )
    by_kind: dict[str, list[Document]] = {}
    for d in docs:
        by_kind.setdefault(d.kind, []).append(d)
    catalogue = kinds()
    groups = [Group(k, by_kind[c]) for c, k in catalogue.items() if c in by_kind]
    groups += [
        Group(Kind(c, c, c, frozenset(), frozenset()), ds)
        for c, ds in by_kind.items()
        if c not in catalogue
    ]
    needs = [(label, missing_for(project, name)) for name, label in next_actions]
    return {
        "groups": groups,
        "count": len(docs),
        "needs": [(label, missing) for label, missing in needs if missing],
        "upload_kinds": uploadable_kinds(user),
        "items": list(project.items.select_related("building")),
        "current": [d for d in docs if d.superseded_by_id is None],
        "max_mb": settings.DOCUMENT_MAX_MB,
    }
