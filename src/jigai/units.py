"""Areas as the plan writes them: the task table is in 万m² (10⁴ m²), the database in whole m²."""

from __future__ import annotations

from decimal import Decimal

M2_PER_10K = 10_000


def to_10k_m2(area_m2: int) -> Decimal:
    """m² → 万m² for display (exact: areas are whole m²)."""
    return Decimal(area_m2) / M2_PER_10K  # exact, e.g. 322400 → 32.24, 2000000 → 200
