"""Template filters for the units users read: 万m², yuan, percentages."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django import template

from jigai.core import personal
from jigai.money import format_yuan
from jigai.units import to_10k_m2

register = template.Library()


@register.filter
def wan_m2(area_m2) -> str:
    """m² → 万m² with two decimals (the task table's unit)."""
    if area_m2 in (None, ""):
        return "–"
    return f"{to_10k_m2(int(area_m2)):.2f}"


@register.filter
def yuan(fen) -> str:
    return "–" if fen in (None, "") else format_yuan(int(fen))


@register.filter
def pct(fraction) -> str:
    if fraction in (None, ""):
        return "–"
    if isinstance(fraction, Fraction):
        fraction = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    return f"{Decimal(fraction) * 100:.1f}%"


@register.filter
def has_cap(caps, name) -> bool:
    return name in caps


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def room(label, view) -> str:
    """A room number as ``view`` (a project's personal view) lets it be seen: whole, masked
    (3-2-***) or not at all."""
    rooms = getattr(view, "rooms", "masked")
    if rooms == "full":
        return label or ""
    return personal.mask_room(label) if rooms == "masked" else ""


@register.filter
def owner(due, view) -> str:
    """A household's owner as ``view`` lets it be seen: the name whole, or masked (张**)."""
    return due.owner_name if getattr(view, "names", False) else due.owner_masked
