from django.core.management import call_command
from django.core.management.base import BaseCommand

from jigai.audit.keys import ensure_key_file
from jigai.programmes.services import ensure_programme_2023


class Command(BaseCommand):
    help = (
        "Prepare a database: apply migrations, collect static files and load Yangquan's "
        "reference data and 2023 programme. Creates no account (see create_admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-static", action="store_true", help="skip collectstatic")

    def handle(self, *args, **options):
        path, created = ensure_key_file()
        if created:
            self.stdout.write(
                f"audit key created: {path} (0600) — keep a copy apart from the backups"
            )
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_static"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        programme = ensure_programme_2023()
        self.stdout.write(f"database ready; programme in force: {programme}")
