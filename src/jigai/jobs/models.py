"""Long work run as jobs by a task worker: what was asked, by whom, in which language,
and how far each step has got.

The work itself is a task of Django's tasks framework (each concrete job says which:
``JobBase.task``; the survey's jobs are in ``jigai.buildings``); the job
row is what users see. A job survives a restart of the web process because it is a
row; a worker that dies mid-step leaves that step rolled back and the job "running"
until ``services.sweep_stale`` marks it failed with the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jigai.accounts.scope import ScopedQuerySet

STEP_LABELS = {
    "validate": _("Check every row"),
    "write": _("Write the buildings"),
    "screen": _("Screen eligibility"),
    "assess": _("Assess with the engine"),
    "export": _("Write the export file"),
}


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

    objects = ScopedQuerySet.as_manager()

    # tenancy (jigai.accounts.scope): a job belongs to its requester's county; someone
    # without a county sees only their own jobs
    scope_division = "user__organisation__division"
    scope_owner = "user"

    class Meta:
        abstract = True

    @property
    def task(self):
        """The task of Django's tasks framework that runs this kind of job."""
        raise NotImplementedError

    @property
    def required_capability(self) -> str:
        """What a user needs to start or retry this kind of job."""
        raise NotImplementedError

    def result_rows(self) -> list[tuple[str, object]]:
        """The result as (label, value) pairs for the job's page; kinds name their keys."""
        return list(getattr(self, "result", {}).items())

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


class ScheduledRun(models.Model):
    """One slot of a routine (``jigai.jobs.schedule``), claimed by one worker."""

    class Outcome(models.TextChoices):
        SKIPPED = "skipped", _("Skipped")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    routine = models.CharField(_("routine"), max_length=40)
    slot = models.DateTimeField(_("slot"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    message = models.TextField(_("message"), blank=True)
    claimed_at = models.DateTimeField(_("claimed"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-slot", "routine"]
        constraints = [
            models.UniqueConstraint(fields=["routine", "slot"], name="one_run_per_routine_slot")
        ]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self) -> str:
        return f"{self.routine} {self.slot:%Y-%m-%d %H:%M}"
