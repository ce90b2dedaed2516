"""Business actions on jobs: start, run (in a worker), sweep the dead, retry.

Decision on a worker that dies mid-job: the job is *failed with its reason*, not retried
behind the user's back. Each step writes in one transaction, so a killed worker leaves
nothing half-written; ``sweep_stale`` marks the job failed (saying which step was cut
short) once its heartbeat is older than ``JOBS_STALE_SECONDS``; the input (an import's
stored file) is kept, and ``retry`` runs it again on request. Every step can run twice
safely: an import of the same file changes nothing already written, screening and
assessment store the same results.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jigai.audit import services as audit
from jigai.core.errors import BusinessError, require
from jigai.jobs.models import STEP_LABELS, JobBase

log = logging.getLogger(__name__)


def job_models() -> list[type[JobBase]]:
    return [m for m in apps.get_models() if issubclass(m, JobBase)]


def lower_priority() -> int:
    """Run this process's long work below the web server's CPU priority (``JOBS_NICE``,
    POSIX niceness; 0 leaves it as it is): an import or an assessment then takes the cores
    the web server leaves idle, and page views keep their pace while it runs. Returns the
    niceness now in force."""
    step = settings.JOBS_NICE
    if step <= 0 or not hasattr(os, "nice"):
        return os.nice(0) if hasattr(os, "nice") else 0
    current = os.nice(0)
    return os.nice(max(0, step - current))


def enqueue(job: JobBase) -> JobBase:
    """Hand the job to the task backend (a worker runs it; the immediate backend at once)."""
    result = job.task.enqueue(job.pk)
    type(job).objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def begin(job: JobBase) -> None:
    job.status = JobBase.Status.RUNNING
    job.attempts += 1
    job.reason = ""
    job.finished_at = None
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "attempts", "reason", "finished_at", "heartbeat_at"])


def finish(job: JobBase, status: str, reason: str = "") -> None:
    job.status = status
    job.reason = reason
    job.finished_at = timezone.now()
    job.save()


def running_step(job: JobBase) -> str:
    """The key of the step a job was in ("" before its first step)."""
    running = [s for s in job.steps if s.get("started") and not s.get("end")]
    return running[-1]["key"] if running else ""


def step_label(key: str) -> str:
    return str(STEP_LABELS.get(key, key)) if key else "—"


def last_sign_of_life(heartbeat_at) -> str:
    return timezone.localtime(heartbeat_at).strftime("%Y-%m-%d %H:%M:%S")


def stale_reason(job: JobBase) -> str:
    return _(
        "The worker stopped during the step “%(step)s” (no sign of life since %(t)s). "
        "That step was rolled back: nothing of it was written. Retry to run the job again."
    ) % {"step": step_label(running_step(job)), "t": last_sign_of_life(job.heartbeat_at)}


def sweep_stale(*, stale_after: float | None = None) -> int:
    """Mark as failed the running jobs whose worker has shown no sign of life for
    ``stale_after`` seconds (default ``JOBS_STALE_SECONDS``); return how many."""
    seconds = settings.JOBS_STALE_SECONDS if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=seconds)
    swept = 0
    for model in job_models():
        for job in model.objects.filter(status=JobBase.Status.RUNNING, heartbeat_at__lte=cutoff):
            with translation.override(job.language), transaction.atomic():
                reason = stale_reason(job)
                updated = model.objects.filter(
                    pk=job.pk, status=JobBase.Status.RUNNING, heartbeat_at=job.heartbeat_at
                ).update(status=JobBase.Status.FAILED, reason=reason, finished_at=timezone.now())
                if not updated:
                    continue  # it moved on meanwhile
                audit.record(
                    actor=None,
                    actor_name=_("task worker sweep"),
                    action="job.lost",
                    obj=job,
                    data={
                        "j": job.pk,
                        "s": running_step(job),
                        "t": job.heartbeat_at.isoformat(),
                    },
                )
                _fail_task_result(job.task_id, reason)
                swept += 1
    return swept


def _fail_task_result(task_id: str, reason: str) -> None:
    """Close the database backend's record of a task whose worker died (if it has one)."""
    if not task_id or not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="jigai.jobs.services.WorkerLost",
        traceback=reason,
    )


def retry(job: JobBase, *, actor) -> JobBase:
    """Run a failed job again (its input is kept): someone in the job's scope who may
    start such a job."""
    require(actor, job.required_capability)
    if not type(job).objects.for_user(actor).filter(pk=job.pk).exists():
        raise BusinessError(_("You cannot act on this job."))
    if job.status != JobBase.Status.FAILED:
        raise BusinessError(_("Only a failed job can be retried."))
    if getattr(job, "file", None) is not None and not job.file_exists():
        raise BusinessError(_("The uploaded file is no longer stored: upload it again."))
    with transaction.atomic():
        updated = (
            type(job)
            .objects.filter(pk=job.pk, status=JobBase.Status.FAILED)
            .update(status=JobBase.Status.PENDING, reason="", finished_at=None)
        )
        if not updated:
            raise BusinessError(_("Only a failed job can be retried."))
        audit.record(
            actor=actor,
            action="job.retry",
            obj=job,
            data={"j": job.pk},
        )
    job.refresh_from_db()
    return enqueue(job)
