from django.conf import settings
from django.core.management.base import BaseCommand

from jigai.accounts.services import disable_dormant


class Command(BaseCommand):
    help = (
        "Disable the accounts without a login for DORMANT_DAYS (each audited). "
        "Run it daily, e.g. from cron or a systemd timer."
    )

    def handle(self, *args, **options):
        names = disable_dormant()
        self.stdout.write(
            f"{len(names)} account(s) disabled after {settings.DORMANT_DAYS} days without a login"
            + (": " + ", ".join(names) if names else "")
        )
