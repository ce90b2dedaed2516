"""The survey's long work as jobs (``jigai.jobs``): screening and assessment of what a user
sees, started from the survey pages or the command line and run by a task worker."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jigai.buildings import services
from jigai.buildings.assessment import assess_buildings
from jigai.buildings.eligibility import screen
from jigai.buildings.models import Building, Job
from jigai.core.errors import BusinessError, require
from jigai.core.roles import Cap
from jigai.jobs.progress import Reporter
from jigai.jobs.services import begin, enqueue, finish
from jigai.programmes.services import current_programme
from jigai.surveytable.writer import save, survey_sheet


def start(kind: str, *, actor, params: dict | None = None) -> Job:
    """Record and enqueue a screening, an assessment or an export of what ``actor`` sees
    (an export: of the building list filtered by ``params``, the list page's query)."""
    require(actor, Job(kind=kind).required_capability)
    if current_programme() is None:
        raise BusinessError(_("There is no programme year to work for."))
    params = services.Filters.query_of(params or {}) if kind == Job.Kind.EXPORT else {}
    running = Job.objects.filter(
        user=actor, kind=kind, params=params, status__in=[Job.Status.PENDING, Job.Status.RUNNING]
    ).first()
    if running is not None:
        return running  # one at a time per person, kind and filter: the page shows it
    job = Job.objects.create(
        user=actor,
        kind=kind,
        params=params,
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
            if job.kind == Job.Kind.EXPORT:
                counts = _export(job, programme, reporter)
            elif job.kind == Job.Kind.SCREEN:
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


def _export(job: Job, programme, reporter: Reporter) -> dict:
    """The filtered building list in the survey template's layout, stored with the job
    (through the storage API) for its requester to download."""
    require(job.user, Cap.VIEW_BUILDINGS)
    qs = services.building_list(job.user, programme, services.Filters.from_query(job.params))
    total = qs.count()
    progress = reporter.step("export", total)

    def rows():
        for i, row in enumerate(services.export_rows(qs.prefetch_related(None))):
            if i % 1000 == 0:
                progress(i, total)
            yield row
        progress(total, total)

    data = save(survey_sheet(rows()))
    name = f"buildings-{timezone.localdate():%Y%m%d}-{job.pk}.xlsx"
    job.output.save(name, ContentFile(data), save=False)
    job.save(update_fields=["output"])
    reporter.end("export")
    return {"buildings": total}
