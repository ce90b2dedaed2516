import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from jigai.accounts.models import Organisation
from jigai.accounts.services import create_administrator
from jigai.core.errors import BusinessError
from jigai.core.roles import ADMIN_ROLES


class Command(BaseCommand):
    help = (
        "Create one of the three separated administrators (system, security, audit). "
        "The password is asked for (or read from standard input with --password-stdin); "
        "there is no default account."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=sorted(ADMIN_ROLES))
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--organisation", required=True, help="name of an existing organisation"
        )
        parser.add_argument("--name", default="")
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, *args, **o):
        org = Organisation.objects.filter(name=o["organisation"]).first()
        if org is None:
            raise CommandError(f"no organisation named {o['organisation']!r}")
        if o["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("password: ")
            if password != getpass.getpass("again: "):
                raise CommandError("the two passwords differ")
        try:
            user = create_administrator(
                username=o["username"],
                password=password,
                role=o["role"],
                organisation=org,
                name=o["name"],
            )
        except BusinessError as exc:
            raise CommandError("; ".join([exc.message, *exc.details])) from exc
        self.stdout.write(f"created {user.username} ({o['role']})")
