"""Template filters for the units users read: 万m², yuan, percentages."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django import template

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
