"""Long work run as jobs by a task worker: what was asked, by whom, in which language,
and how far each step has got.

The work itself is a task of Django's tasks framework (``jigai.jobs.tasks``); the job
row is what users see. A job survives a restart of the web process because it is a
row; a worker that dies mid-step leaves that step rolled back and the job "running"
until ``services.sweep_stale`` marks it failed with the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jigai.accounts.models import Division
from jigai.accounts.roles import Cap

STEP_LABELS = {
    "validate": _("Check every row"),
    "write": _("Write the buildings"),
    "screen": _("Screen eligibility"),
    "assess": _("Assess with the engine"),
}


class JobQuerySet(models.QuerySet):
    """Jobs a user may see: city-wide roles every job, a county's people their county's."""

    def for_user(self, user):
        if user.can(Cap.VIEW_ALL_COUNTIES):
            return self.all()
        county = user.organisation.county
        if county is None:
            return self.filter(user=user)
        return self.filter(user__organisation__division=county)


class JobBase(models.Model):
    """What every job records; the concrete models add their input and result."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        REJECTED = "rejected", _("Rejected: nothing imported")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    steps = models.JSONField(_("steps"), default=list)  # [{"key", "done", "total"}]
    reason = models.TextField(_("reason of failure"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.REJECTED, self.Status.DONE, self.Status.FAILED)

    def step_rows(self) -> list[dict]:
        """Each step with its label and percentage, for the progress partial."""
        out = []
        for s in self.steps:
            total = s.get("total") or 0
            done = min(s.get("done") or 0, total) if total else (s.get("done") or 0)
            out.append(
                {
                    **s,
                    "label": STEP_LABELS.get(s["key"], s["key"]),
                    "percent": int(100 * done / total) if total else (100 if s.get("end") else 0),
                }
            )
        return out


class Job(JobBase):
    """Screening or assessment of the buildings a user may see (a county or the city)."""

    class Kind(models.TextChoices):
        SCREEN = "screen", _("Screen eligibility")
        ASSESS = "assess", _("Assess with the engine")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    division = models.ForeignKey(
        Division,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county/district"),
        help_text=_("empty: every county the user sees"),
    )
    result = models.JSONField(_("result"), default=dict)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"
