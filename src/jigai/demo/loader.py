"""The demo: Yangquan's reference data, the 2023 programme and demo accounts."""

from __future__ import annotations

from base64 import b32decode
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from jigai.accounts.models import Division, Organisation, RoleAssignment, User
from jigai.accounts.services import check_roles
from jigai.audit import services as audit
from jigai.buildings import importer
from jigai.buildings.assessment import assess_buildings
from jigai.buildings.eligibility import screen
from jigai.buildings.models import Building
from jigai.core.roles import SECOND_FACTOR_ROLES
from jigai.programmes.services import ensure_programme_2023
from jigai.stock.synthetic import generate, spec

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo.yaml"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    organisation: str
    roles: list[str]


DEMO_BUILDINGS = 1200


def register_demo_streets() -> None:
    """The synthetic stock's street offices (marked 示例), once."""
    for code, county in spec()["counties"].items():
        division = Division.objects.get(code=code)
        for street in county["streets"]:
            Organisation.objects.get_or_create(
                name=f"{county['name']}{street}办事处（示例）",
                defaults={
                    "short_name": street,
                    "kind": Organisation.Kind.STREET_OFFICE,
                    "division": division,
                },
            )


def load_demo_survey(n: int = DEMO_BUILDINGS, *, seed: int = 2023) -> int:
    """A synthetic survey of all six county units (only when none exists yet);
    returns the number of buildings created."""
    if Building.objects.exists():
        return 0
    register_demo_streets()
    created, _updated, _unchanged = importer.write_columns(
        generate(n, seed=seed), actor=None, actor_name=_("command line (demo)")
    )
    programme = ensure_programme_2023()
    assess_buildings(
        programme, Building.objects.all(), actor=None, actor_name=_("command line (demo)")
    )
    screen(
        programme,
        Building.objects.all(),
        actor=None,
        actor_name=_("command line (demo)"),
    )
    return created


def demo_totp_secret() -> str:
    """The published TOTP secret of the privileged demo accounts (base32)."""
    return yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["totp_secret"]


@transaction.atomic
def load_demo(*, buildings: int = DEMO_BUILDINGS) -> tuple[str, list[DemoLogin]]:
    """Load (or top up) the demo; return the demo password and the logins."""
    ensure_programme_2023()
    doc = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    password = doc["password"]
    divisions = {d.code: d for d in Division.objects.all()}
    for row in doc["organisations"]:
        parent = Organisation.objects.get(name=row["parent"]) if row.get("parent") else None
        Organisation.objects.get_or_create(
            name=row["name"],
            defaults={
                "short_name": row["short_name"],
                "kind": row["kind"],
                "division": divisions[row["division"]],
                "parent": parent,
            },
        )
    demo_key = b32decode(doc["totp_secret"]).hex()
    logins, created = [], []
    for row in doc["users"]:
        org = Organisation.objects.get(name=row["organisation"])
        user = User.objects.filter(username=row["username"]).first()
        if user is None:
            check_roles(set(row["roles"]), org)  # the demo keeps the separation of duties
            user = User(username=row["username"], last_name=row["name"], organisation=org)
            validate_password(password, user)
            user.set_password(password)
            user.save()
            RoleAssignment.objects.bulk_create(
                RoleAssignment(user=user, role=r) for r in row["roles"]
            )
            created.append(user.username)
            if set(row["roles"]) & SECOND_FACTOR_ROLES:
                TOTPDevice.objects.create(user=user, name="demo", key=demo_key, confirmed=True)
        logins.append(
            DemoLogin(user.username, row["name"], org.short_name or org.name, row["roles"])
        )
    if created:
        audit.record(
            actor=None,
            actor_name=_("command line"),
            action="demo.load",
            data={"n": len(created)},
            after={"accounts": created},
        )
    if buildings:
        load_demo_survey(buildings)
    return password, logins
