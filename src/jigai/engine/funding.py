"""Funding split of a retrofit package by the programme's rules (integer fen).

阳政办发〔2023〕36号 (资金来源; shared DOMAIN.md §6): residential buildings — provincial subsidy
22.81 yuan per m² of floor area, owners 80 yuan per m² (for the new windows), the county the
rest; public buildings — the county. The rates are parameters of a programme year.

Fixed shares are ``rate [fen/m²] × floor area [m²]`` rounded half-up to the fen, with the floor
area taken to 0.01 m² (``jigai.money.fen_for_area``).

**Cap rule** (a package cheaper than provincial + owners' fixed shares): both fixed shares are
scaled down in proportion to their uncapped amounts so that they add up exactly to the
package cost (largest-remainder rounding, ties to the provincial share), and the county pays
nothing; the split is flagged ``capped``. Neither payer is favoured, no share is negative, and
the parts always add up to the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from jigai.money import fen_for_area, split_largest_remainder, yuan_to_fen

CAP_RULE = "proportional"


@dataclass(frozen=True)
class FundingRates:
    """Fixed shares of residential retrofits [fen per m² of floor area]; 2023 defaults."""

    provincial_fen_per_m2: int = yuan_to_fen("22.81")
    owners_fen_per_m2: int = yuan_to_fen("80.00")
    programme_year: int = 2023
    source: str = "阳政办发〔2023〕36号 资金来源 (DOMAIN.md §6)"


@dataclass(frozen=True)
class FundingSplit:
    """Who pays what [fen]: provincial + owners + county == total, always."""

    total_fen: int
    provincial_fen: int
    owners_fen: int
    county_fen: int
    capped: bool
    residential: bool
    rule: str = CAP_RULE

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _area_centi(floor_area_m2) -> int:
    """Floor area in 0.01 m², half-up (Decimal; floats go through their shortest repr)."""
    d = Decimal(str(floor_area_m2)) * 100
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_funding(
    total_fen: int,
    *,
    floor_area_m2,
    residential: bool,
    rates: FundingRates | None = None,
) -> FundingSplit:
    """Split a package's cost [fen] into provincial, owners' and county shares (see module
    docstring for the cap rule). ``floor_area_m2`` [m²] as Decimal, str, int or float."""
    if isinstance(total_fen, bool) or int(total_fen) != total_fen or total_fen < 0:
        raise ValueError(f"total must be a non-negative whole number of fen, got {total_fen!r}")
    total_fen = int(total_fen)
    rates = rates or FundingRates()
    if not residential:
        return FundingSplit(total_fen, 0, 0, total_fen, False, False)
    area = Decimal(_area_centi(floor_area_m2)) / 100
    if area < 0:
        raise ValueError("floor area must not be negative")
    prov = fen_for_area(rates.provincial_fen_per_m2, area)
    own = fen_for_area(rates.owners_fen_per_m2, area)
    if prov + own <= total_fen:
        return FundingSplit(total_fen, prov, own, total_fen - prov - own, False, True)
    if prov + own == 0:
        return FundingSplit(total_fen, 0, 0, total_fen, False, True)
    p2, o2 = split_largest_remainder(total_fen, [prov, own])
    return FundingSplit(total_fen, p2, o2, 0, True, True)


def split_funding_arrays(
    total_fen: np.ndarray,
    floor_area_m2: np.ndarray,
    residential: np.ndarray,
    *,
    rates: FundingRates | None = None,
) -> dict[str, np.ndarray]:
    """``split_funding`` for N packages at once (int64 arrays; identical results)."""
    rates = rates or FundingRates()
    total = np.asarray(total_fen, dtype=np.int64)
    res = np.asarray(residential, dtype=bool)
    centi = np.floor(np.asarray(floor_area_m2, dtype=float) * 100.0 + 0.5).astype(np.int64)
    # rate × area, half-up to the fen, in integers: (rate·centi + 50) // 100
    prov = np.where(res, (rates.provincial_fen_per_m2 * centi + 50) // 100, 0)
    own = np.where(res, (rates.owners_fen_per_m2 * centi + 50) // 100, 0)
    capped = res & (prov + own > total)
    for i in np.nonzero(capped)[0]:
        prov[i], own[i] = split_largest_remainder(int(total[i]), [int(prov[i]), int(own[i])])
    county = total - prov - own
    return {
        "provincial_fen": prov,
        "owners_fen": own,
        "county_fen": county,
        "funding_capped": capped,
    }
