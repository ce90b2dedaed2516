"""The survey's tasks a worker runs (Django's tasks framework, ``django_tasks`` backport).

Arguments are job ids: the job row holds the input (an import's stored file) and the
requester's language, so a task can run in any worker process, later.
"""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> str:
    from jigai.buildings import importer
    from jigai.buildings.models import ImportJob

    return importer.run(ImportJob.objects.get(pk=job_id)).status


@task()
def run_job(job_id: int) -> str:
    from jigai.buildings import jobs
    from jigai.buildings.models import Job

    return jobs.run_job(Job.objects.get(pk=job_id)).status
