"""Money as integer fen (分), shown as yuan (元).

SQLite stores Decimal as floating point, so every amount in the database is an
integer number of fen; conversion to and from yuan happens only at the edges.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

FEN_PER_YUAN = 100


class MoneyError(ValueError):
    """An amount that cannot be read as yuan with at most two decimals."""


def yuan_to_fen(yuan: str | int | Decimal) -> int:
    """Parse an amount in yuan ("22.81", "1,234.5", Decimal) into integer fen.

    Refuses fractions of a fen rather than rounding them away silently.
    """
    if isinstance(yuan, float):
        raise MoneyError("amounts must not be floats; pass a string or Decimal")
    text = str(yuan).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"“{yuan}” is not an amount in yuan") from None
    if not value.is_finite():
        raise MoneyError(f"“{yuan}” is not an amount in yuan")
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise MoneyError(f"“{yuan}” has fractions of a fen")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int, *, grouping: bool = True) -> str:
    """12345678 → '123,456.78' (no currency sign)."""
    value = fen_to_yuan(fen)
    return f"{value:,.2f}" if grouping else f"{value:.2f}"


def fen_for_area(rate_fen_per_m2: int, area_m2: Decimal | int | str) -> int:
    """A rate in fen/m² times an area in m², rounded half-up to the fen."""
    amount = Decimal(rate_fen_per_m2) * Decimal(str(area_m2))
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_largest_remainder(total_fen: int, weights: list[int | Decimal | Fraction]) -> list[int]:
    """Split ``total_fen`` in proportion to ``weights`` so the parts add up exactly.

    Hamilton's (largest-remainder) method: every part gets the floor of its
    exact share; the fen left over go one each to the parts with the largest
    remainders (ties to the earlier part). Works for negative totals (a
    reversal splits like the original, mirrored).
    """
    if not weights:
        raise ValueError("nothing to split into")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    fractions = [Fraction(w) for w in weights]
    weight_sum = sum(fractions)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total_fen < 0 else 1
    magnitude = abs(total_fen)
    exact = [magnitude * w / weight_sum for w in fractions]
    parts = [int(e) for e in exact]  # floor: every share is non-negative
    left = magnitude - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


def equal_shares(total_fen: int, n: int) -> list[tuple[int, int]]:
    """``total_fen`` shared by ``n`` equal parties to the fen (largest remainder): as
    (amount [fen], how many parties), largest amount first; [] when ``n`` is 0."""
    if n <= 0:
        return []
    counts: dict[int, int] = {}
    for part in split_largest_remainder(total_fen, [1] * n):
        counts[part] = counts.get(part, 0) + 1
    return sorted(counts.items(), reverse=True)
