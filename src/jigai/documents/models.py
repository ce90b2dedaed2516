"""Documents and photos of the programme's paperwork (issue 12, item 6).

A document belongs to a project and, optionally, to one record of it: a project building
or a ledger entry (explicit nullable foreign keys, not a generic relation: every owner is a
record of one project, so a document's scope is its project's — the rule of
``accounts.scope`` applied by a plain join — and the database keeps each owner from being
deleted under its documents). Quality records (inspection lots, tests, rectifications) join
later the same way: one more nullable key, the project still the scope. Documents are never
changed nor deleted: a new upload may supersede one (``superseded_by``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from jigai.accounts.scope import ScopedQuerySet
from jigai.core.roles import Cap


class Document(models.Model):
    scope_division = "project__division"
    scope_contractor = "project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    project = models.ForeignKey(
        "projects.Project", models.PROTECT, related_name="documents", verbose_name=_("project")
    )
    item = models.ForeignKey(
        "projects.ProjectBuilding",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("building"),
    )
    ledger_entry = models.ForeignKey(
        "projects.LedgerEntry",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("ledger entry"),
    )
    attached_to = models.CharField(
        _("attached to"), max_length=40, help_text="project, item:<id> or entry:<id>"
    )
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    file_name = models.CharField(_("file name"), max_length=200)
    format = models.CharField(_("format"), max_length=8)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size [bytes]"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_as = models.CharField(_("stored as"), max_length=300, unique=True)
    thumbnail = models.CharField(_("thumbnail stored as"), max_length=300, blank=True)
    width = models.PositiveIntegerField(_("width [px]"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height [px]"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    superseded_by = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "kind", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["attached_to", "sha256"], name="one_file_per_owner"),
            models.CheckConstraint(
                condition=models.Q(item__isnull=True) | models.Q(ledger_entry__isnull=True),
                name="document_one_owner",
            ),
        ]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.file_name

    def delete(self, *args, **kwargs):
        raise ValueError("documents are never deleted; upload a superseding one")

    @property
    def is_image(self) -> bool:
        from jigai.documents.kinds import IMAGES

        return self.format in IMAGES


@receiver(pre_delete, sender=Document)
def _never_deleted(sender, instance, **kwargs):
    """Documents are evidence: a delete (one row or a queryset) is refused."""
    raise ValueError("documents are never deleted; upload a superseding one")
