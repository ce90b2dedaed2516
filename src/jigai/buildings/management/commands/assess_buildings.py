from django.core.management.base import BaseCommand, CommandError

from jigai.buildings.assessment import assess_buildings
from jigai.buildings.models import Building
from jigai.jobs import services as jobs
from jigai.jobs.progress import ProgressBars
from jigai.programmes.services import current_programme


class Command(BaseCommand):
    help = "Assess surveyed buildings with the engine (only those whose inputs changed, unless --force)."

    def add_arguments(self, parser):
        parser.add_argument("--county", default="", help="division code, e.g. yuxian")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, county, force, **options):
        programme = current_programme()
        if programme is None:
            raise CommandError("no programme year")
        qs = Building.objects.all()
        if county:
            qs = qs.filter(division__code=county)
            if not qs.exists():
                raise CommandError(f"no buildings in county {county!r}")
        jobs.lower_priority()  # as a task worker: the web server first
        with ProgressBars(self.stderr) as bars:
            counts = assess_buildings(
                programme,
                qs,
                actor=None,
                actor_name="command line",
                force=force,
                progress=lambda done, total: bars.echo("assess", done, total),
            )
        self.stdout.write(
            ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing to assess"
        )
