"""Loading reference data (a city, its county-level units and public bodies)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from jigai.accounts.models import Division, Organisation
from jigai.audit import services as audit

DATA_DIR = Path(__file__).resolve().parent / "data"
YANGQUAN = DATA_DIR / "yangquan.yaml"


def _division(code, *, name, kind, parent, seat, admin_code, source, order) -> Division:
    division, _created = Division.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "parent": parent,
            "admin_code": admin_code or "",
            "seat_lat": Decimal(str(seat[0])),
            "seat_lon": Decimal(str(seat[1])),
            "location_source": source,
            "sort_order": order,
        },
    )
    return division


@transaction.atomic
def load_reference_data(path: Path = YANGQUAN) -> Division:
    """Create or refresh a city's divisions and public bodies (idempotent)."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    source = doc["location_source"]
    before = _state(doc["city"]["code"])
    c = doc["city"]
    city = _division(
        c["code"],
        name=c["name"],
        kind=Division.Kind.CITY,
        parent=None,
        seat=c["seat"],
        admin_code=c.get("admin_code"),
        source=source,
        order=0,
    )
    counties = {}
    for order, row in enumerate(doc["counties"], start=1):
        counties[row["code"]] = _division(
            row["code"],
            name=row["name"],
            kind=row["kind"],
            parent=city,
            seat=row["seat"],
            admin_code=row.get("admin_code"),
            source=source,
            order=order,
        )
    for bureau in doc["city_bureaus"]:
        Organisation.objects.update_or_create(
            name=bureau["name"],
            defaults={
                "short_name": bureau["short_name"],
                "kind": Organisation.Kind.CITY_BUREAU,
                "division": city,
            },
        )
    for code, gov in doc["county_governments"].items():
        Organisation.objects.update_or_create(
            name=gov["name"],
            defaults={
                "short_name": gov["short_name"],
                "kind": Organisation.Kind.COUNTY_GOVERNMENT,
                "division": counties[code],
            },
        )
    old, new = audit.diff(before, _state(city.code))
    if new:
        audit.record(
            actor=None,
            actor_name=_("command line"),
            action="reference.load",
            obj=city,
            division_code=city.code,
            data={"c": str(city), "n": len(new)},
            before=old,
            after=new,
        )
    return city


def _state(city_code: str) -> dict:
    """The city's divisions and bodies as {key: fields}, to audit what a load changed."""
    divisions = Division.objects.filter(code=city_code) | Division.objects.filter(
        parent__code=city_code
    )
    state = {
        f"division:{d.code}": audit.model_snapshot(
            d, ["name", "kind", "admin_code", "seat_lat", "seat_lon", "sort_order"]
        )
        for d in divisions
    }
    for org in Organisation.objects.filter(division__in=divisions):
        state[f"organisation:{org.name}"] = audit.model_snapshot(
            org, ["short_name", "kind", "division"]
        )
    return state
