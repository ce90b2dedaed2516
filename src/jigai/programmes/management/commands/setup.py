from django.core.management import call_command
from django.core.management.base import BaseCommand

from jigai.programmes.services import ensure_programme_2023


class Command(BaseCommand):
    help = (
        "Prepare a database: apply migrations, collect static files and load Yangquan's "
        "reference data and 2023 programme. Creates no account (see create_admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-static", action="store_true", help="skip collectstatic")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_static"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        programme = ensure_programme_2023()
        self.stdout.write(f"database ready; programme in force: {programme}")
