from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jigai.accounts.models import User
from jigai.buildings import importer
from jigai.buildings.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import a survey workbook (the template's layout) as a user: every row is checked "
        "first; one bad row rejects the file and lists every problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--user", required=True, help="user name the import is made as (and scoped to)"
        )

    def handle(self, *args, file, user, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {user!r}")
        data = Path(file).read_bytes()
        job = importer.run(importer.start(data, Path(file).name, actor=actor), data)
        if job.status != ImportJob.Status.DONE:
            lines = [f"  row {e['row'] or '-'} {e['column']}: {e['message']}" for e in job.errors]
            raise CommandError(
                "\n".join([f"{file}: nothing imported, {len(job.errors)} problem(s):", *lines])
            )
        self.stdout.write(
            f"{file}: {job.total_rows} rows — {job.created} created, {job.updated} updated, "
            f"{job.unchanged} unchanged"
        )
