"""The survey's long work as jobs (``jigai.jobs``): screening and assessment of what a user
sees, started from the survey pages or the command line and run by a task worker."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from jigai.buildings.assessment import assess_buildings
from jigai.buildings.eligibility import screen
from jigai.buildings.models import Building, Job
from jigai.core.errors import BusinessError, require
from jigai.core.roles import Cap
from jigai.jobs.progress import Reporter
from jigai.jobs.services import begin, enqueue, finish
from jigai.programmes.services import current_programme


def start(kind: str, *, actor) -> Job:
    """Record and enqueue a screening or an assessment of what ``actor`` sees."""
    require(actor, Job(kind=kind).required_capability)
    if current_programme() is None:
        raise BusinessError(_("There is no programme year to work for."))
    running = Job.objects.filter(
        user=actor, kind=kind, status__in=[Job.Status.PENDING, Job.Status.RUNNING]
    ).first()
    if running is not None:
        return running  # one at a time per person and kind: the page shows the one running
    job = Job.objects.create(
        user=actor,
        kind=kind,
        division=actor.organisation.county,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    return enqueue(job)


def run_job(job: Job, *, echo=None) -> Job:
    """Run a screening or an assessment job (in a worker, or in-process from the CLI)."""
    with translation.override(job.language):
        begin(job)
        reporter = Reporter(job, [job.kind], echo=echo)
        try:
            programme = current_programme()
            buildings = Building.objects.for_user(job.user)
            if job.kind == Job.Kind.SCREEN:
                require(job.user, Cap.GRANT_EXCEPTION)
                reporter.step("screen", buildings.count())
                counts = screen(programme, buildings, actor=job.user)
            else:
                require(job.user, Cap.IMPORT_BUILDINGS)
                progress = reporter.step("assess", buildings.count())
                counts = assess_buildings(programme, buildings, actor=job.user, progress=progress)
            reporter.end(job.kind)
            reporter.close()
            job.result = dict(counts)
            finish(job, Job.Status.DONE)
        except Exception as exc:
            reporter.close()
            finish(job, Job.Status.FAILED, f"{type(exc).__name__}: {exc}")
            raise
    return job
