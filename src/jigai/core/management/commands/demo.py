from django.core.management.base import BaseCommand

from jigai.accounts.roles import Role
from jigai.core.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo (Yangquan 2023 programme and demo accounts); safe to run again."

    def handle(self, *args, **options):
        password, logins = load_demo()
        self.stdout.write(f"Demo accounts (password for all: {password})")
        for login in logins:
            roles = "、".join(str(Role(r).label) for r in login.roles)
            self.stdout.write(
                f"  {login.username:<14} {login.name}  {login.organisation}  [{roles}]"
            )
