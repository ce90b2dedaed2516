"""Personal data, written once: the inventory of personal fields and how they are masked.

The inventory (``core/data/personal_fields.yaml``) names every model field that holds, or
looks as if it holds, information about a person: its category, why it is kept and which
roles see it unmasked. Pages show phone numbers, names and room numbers masked
(``138****5678``, ``张**``, ``3-2-***``) except to those roles, within their own scope (the
caller says whether the record is in the viewer's scope: this layer knows no scope). Showing
a value unmasked is logged by the app that shows it (rate-limited per user, record and day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

INVENTORY = Path(__file__).parent / "data" / "personal_fields.yaml"

# A field whose name matches this looks personal and must be in the inventory.
LOOKS_PERSONAL = re.compile(
    r"phone|mobile|(^|_)tel($|_)|id_?card|id_?number|identity|passport|owner|household|room"
    r"|contact|e_?mail|first_name|last_name|real_name|full_name|address|birth|gender"
    r"|bank|username|actor_name|person"
)


@dataclass(frozen=True)
class PersonalField:
    model: str  # app_label.Model
    field: str
    category: str
    purpose: str
    unmasked_roles: frozenset[str]
    mask: str = ""  # "phone" | "name" | "room" | "" (shown as it is to whoever sees the page)


@cache
def _data() -> dict:
    return yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))


@cache
def inventory() -> dict[tuple[str, str], PersonalField]:
    """(model label, field name) → its entry."""
    out = {}
    for row in _data()["fields"]:
        entry = PersonalField(
            model=row["model"],
            field=row["field"],
            category=row["category"],
            purpose=row["purpose"],
            unmasked_roles=frozenset(row.get("unmasked_roles") or ()),
            mask=row.get("mask", ""),
        )
        out[(entry.model, entry.field)] = entry
    return out


def household_money_roles() -> frozenset[str]:
    """Roles that see amounts per household or owner (not contractors)."""
    return frozenset(_data()["household_money_roles"])


def room_roles() -> frozenset[str]:
    """Roles that see room numbers at all, masked or not (not contractors)."""
    return frozenset(_data()["room_roles"])


# --------------------------------------------------------------------------- masks
def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; a shorter number keeps only its last two digits."""
    value = (value or "").strip()
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * (len(value) - 2) + value[-2:] if len(value) > 2 else "*" * len(value)


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***: the family name's first character only."""
    name = (name or "").strip()
    return name[0] + "*" * (len(name) - 1) if name else ""


_LAST_PART = re.compile(r"^(.*[-－—/_ 栋幢单元号])([^-－—/_ 栋幢单元号]+)$")


def mask_room(label: str) -> str:
    """3-2-301 → 3-2-***, 2单元502 → 2单元***: the building and staircase stay, the room
    goes; a label without parts keeps its first character (A12 → A**)."""
    label = (label or "").strip()
    match = _LAST_PART.match(label)
    if match:
        return match.group(1) + "*" * len(match.group(2))
    return label[:1] + "*" * (len(label) - 1) if label else ""


MASKS = {"phone": mask_phone, "name": mask_name, "room": mask_room}


def sees_unmasked(roles, model: str, field: str, *, in_scope: bool) -> bool:
    """Whether a user holding ``roles`` sees ``model.field`` of a record unmasked."""
    entry = inventory()[(model, field)]
    return in_scope and bool(entry.unmasked_roles & set(roles))


def shown(value: str, roles, model: str, field: str, *, in_scope: bool) -> str:
    """The value as this user sees it on screen: whole, or masked."""
    entry = inventory()[(model, field)]
    if not entry.mask or sees_unmasked(roles, model, field, in_scope=in_scope):
        return value or ""
    return MASKS[entry.mask](value)
