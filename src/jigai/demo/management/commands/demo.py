from django.core.management.base import BaseCommand

from jigai.core.roles import SECOND_FACTOR_ROLES, Role
from jigai.demo.loader import DEMO_BUILDINGS, demo_totp_secret, load_demo


class Command(BaseCommand):
    help = "Load the demo (Yangquan 2023 programme and demo accounts); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--buildings",
            type=int,
            default=DEMO_BUILDINGS,
            help="synthetic surveyed buildings (first load only; 0 for none)",
        )

    def handle(self, *args, buildings, **options):
        password, logins = load_demo(buildings=buildings)
        from jigai.buildings.models import Building

        self.stdout.write(
            f"Synthetic survey (模拟数据): {Building.objects.count()} buildings, screened and assessed"
        )
        self.stdout.write(f"Demo accounts (password for all: {password})")
        for login in logins:
            roles = "、".join(str(Role(r).label) for r in login.roles)
            mark = " *" if set(login.roles) & SECOND_FACTOR_ROLES else ""
            self.stdout.write(
                f"  {login.username:<14} {login.name}  {login.organisation}  [{roles}]{mark}"
            )
        self.stdout.write(
            f"* second factor: TOTP secret {demo_totp_secret()} (add it to an authenticator "
            "app, or run `jigai demo_totp` for the current code)"
        )
