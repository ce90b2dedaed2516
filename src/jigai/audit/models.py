"""The append-only, hash-chained audit trail.

Rows are written only by :func:`jigai.audit.services.record`, inside the
transaction of the change they describe. Database triggers (see migration
0002) refuse UPDATE and DELETE on this table on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


class AuditEntry(models.Model):
    class Outcome(models.TextChoices):
        DONE = "done", _("done")
        REFUSED = "refused", _("refused")

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    recorded_at = models.DateTimeField(_("system time"), editable=False)
    business_date = models.DateField(_("business date"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor"), max_length=200, blank=True)
    division_code = models.CharField(_("division"), max_length=40, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=60, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # Entries written before hash version 2 carry their sentence here, in the writer's
    # language; later ones carry ``data`` and are rendered by ``sentence`` when read.
    summary = models.TextField(_("summary"), blank=True)
    data = models.JSONField(_("sentence data"), null=True, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    # 1 (or NULL, rows older than the field): hash without data; 2: hash covers data.
    hash_version = models.PositiveSmallIntegerField(_("hash version"), null=True, blank=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.sentence}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")

    @property
    def sentence(self) -> str:
        """What happened, in the reader's language (the stored summary for old entries)."""
        if self.data is None:
            return self.summary
        from jigai.audit.messages import render

        try:
            return render(self.action, self.data)
        except (KeyError, TypeError, ValueError, RuntimeError):
            return f"{self.action} {self.data}"
