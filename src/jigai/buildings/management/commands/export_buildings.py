from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jigai.accounts.models import User
from jigai.buildings import services
from jigai.programmes.services import current_programme
from jigai.surveytable.writer import save, survey_sheet


class Command(BaseCommand):
    help = "Export the buildings a user may see (optionally filtered) to a workbook in the template's layout."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--county", default="", help="division code, e.g. yuxian")
        parser.add_argument(
            "--status", default="", help="eligible, exception, excluded, incomplete"
        )

    def handle(self, *args, user, out, county, status, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {user!r}")
        qs = services.building_list(
            actor, current_programme(), services.Filters(county=county, status=status)
        )
        save(survey_sheet(services.export_rows(qs.prefetch_related(None))), Path(out))
        self.stdout.write(f"wrote {qs.count()} buildings to {out}")
