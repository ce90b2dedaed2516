from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from jigai.accounts.models import User
from jigai.buildings import importer
from jigai.buildings.models import ImportJob
from jigai.jobs import services as jobs
from jigai.jobs.progress import ProgressBars


class Command(BaseCommand):
    help = (
        "Import a survey workbook (the template's layout) as a user: every row is checked "
        "first; one bad row rejects the file and lists every problem. The buildings are "
        "then screened and assessed. Runs here with a progress bar, or --queue for a worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--user", required=True, help="user name the import is made as (and scoped to)"
        )
        parser.add_argument(
            "--queue", action="store_true", help="queue the job for `jigai worker` and return"
        )

    def handle(self, *args, file, user, queue, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {user!r}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no file {file!r}")
        with path.open("rb") as f:
            job = importer.start(File(f), path.name, actor=actor)
        if queue:
            jobs.enqueue(job)
            self.stdout.write(f"queued import job {job.pk} ({job.sha256})")
            return
        jobs.lower_priority()  # as a task worker: the web server first
        with ProgressBars(self.stderr) as bars:
            job = importer.run(job, echo=bars.echo)
        if job.status != ImportJob.Status.DONE:
            lines = [f"  row {e['row'] or '-'} {e['column']}: {e['message']}" for e in job.errors]
            raise CommandError(
                "\n".join([f"{file}: nothing imported, {len(job.errors)} problem(s):", *lines])
            )
        self.stdout.write(
            f"{file}: {job.total_rows} rows — {job.created} created, {job.updated} updated, "
            f"{job.unchanged} unchanged"
        )
