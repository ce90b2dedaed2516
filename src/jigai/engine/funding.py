"""Funding split of a retrofit package by the words of the plan (integer fen).

阳政办发〔2023〕36号 二（二）4 资金来源 (shared DOMAIN.md §6):

(1) 居住建筑 — "按照建筑面积省级补助 22.81 元/m²，房屋所有权人按照 80 元/m² 自筹（用于更换节能
    保温窗户），不足部分由各县（区）按照实际情况进行补助";
(2) 公共建筑 — "由各县（区）按照实际情况进行补助".

Rule ``owners_windows`` (residential), for a package of cost C [fen] with window lines W [fen]
(the package's cost lines whose catalogue group is ``window``) on a floor area A [m²]:

    P = min(p · A, C)              provincial subsidy: rate × floor area, capped only at C
    O = min(o · A, W, C − P)       owners: rate × floor area, but their money pays for the new
                                   windows (用于更换节能保温窗户) — never more than W (0 when no
                                   window is replaced) and never more than what P leaves
    K = C − P − O                  county: the rest (不足部分)

so no share is negative and P + O + K == C to the fen. Nothing is scaled down in proportion:
the plan has no such rule. Public buildings: K = C (the county, with any other source it
records at project level). ``p`` and ``o`` are programme data (``FundingRates``), the
products rounded half-up to the fen with the floor area taken to 0.01 m²
(``jigai.money.fen_for_area``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from jigai.money import fen_for_area, yuan_to_fen

from .measures import Catalogue, MeasureGroup

RULE = "owners_windows"
"""The rule of this module (stored beside every split; the one before it was
``proportional``, which scaled both fixed shares down to a cheap package's cost)."""

OWNERS_BY_RATE = "rate"  # 80 yuan/m² × area was the smallest bound
OWNERS_BY_WINDOWS = "windows"  # the window lines were
OWNERS_BY_REST = "rest"  # what the provincial subsidy left of the cost was
OWNERS_NONE = "public"  # a public building: no owners' share


@dataclass(frozen=True)
class FundingRates:
    """Fixed shares of residential retrofits [fen per m² of floor area] and the clauses that
    set them; 2023 Yangquan defaults."""

    provincial_fen_per_m2: int = yuan_to_fen("22.81")
    owners_fen_per_m2: int = yuan_to_fen("80.00")
    programme_year: int = 2023
    source: str = "阳政办发〔2023〕36号"
    clause_residential: str = "二（二）4（1）"
    clause_public: str = "二（二）4（2）"


@dataclass(frozen=True)
class FundingSplit:
    """Who pays what [fen]: provincial + owners + county == total, always; the package's
    window lines [fen], which bound limited the owners' share, the rule and the clause."""

    total_fen: int
    provincial_fen: int
    owners_fen: int
    county_fen: int
    window_fen: int
    residential: bool
    provincial_capped: bool  # the provincial subsidy reached the package cost
    owners_limit: str  # OWNERS_BY_RATE | OWNERS_BY_WINDOWS | OWNERS_BY_REST | OWNERS_NONE
    rule: str = RULE
    clause: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _area_centi(floor_area_m2) -> int:
    """Floor area in 0.01 m², half-up (Decimal; floats go through their shortest repr)."""
    d = Decimal(str(floor_area_m2)) * 100
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _whole_fen(value, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError(f"{name} must be a non-negative whole number of fen, got {value!r}")
    return int(value)


def _owners_limit(o_fixed: int, window: int, rest: int) -> str:
    if o_fixed <= window and o_fixed <= rest:
        return OWNERS_BY_RATE
    return OWNERS_BY_WINDOWS if window <= rest else OWNERS_BY_REST


def split_funding(
    total_fen: int,
    *,
    floor_area_m2,
    residential: bool,
    window_fen: int,
    rates: FundingRates | None = None,
) -> FundingSplit:
    """Split a package's cost ``total_fen`` [fen] into provincial, owners' and county shares
    by rule ``owners_windows`` (module docstring; 阳政办发〔2023〕36号 二（二）4).

    ``floor_area_m2`` [m²] as Decimal, str, int or float; ``window_fen`` [fen] the sum of the
    package's window lines (0 ≤ window_fen ≤ total_fen)."""
    total = _whole_fen(total_fen, "total")
    window = _whole_fen(window_fen, "window lines")
    if window > total:
        raise ValueError(f"window lines ({window} fen) cannot cost more than the package ({total})")
    rates = rates or FundingRates()
    if not residential:
        return FundingSplit(
            total, 0, 0, total, window, False, False, OWNERS_NONE, RULE, _clause(rates, False)
        )
    area = Decimal(_area_centi(floor_area_m2)) / 100
    if area < 0:
        raise ValueError("floor area must not be negative")
    p_fixed = fen_for_area(rates.provincial_fen_per_m2, area)
    o_fixed = fen_for_area(rates.owners_fen_per_m2, area)
    prov = min(p_fixed, total)  # 4(1): capped only at the package cost
    rest = total - prov
    own = min(o_fixed, window, rest)  # 4(1): 80 yuan/m², for the new windows only
    return FundingSplit(
        total,
        prov,
        own,
        rest - own,
        window,
        True,
        p_fixed >= total and total > 0,
        _owners_limit(o_fixed, window, rest),
        RULE,
        _clause(rates, True),
    )


def _clause(rates: FundingRates, residential: bool) -> str:
    return f"{rates.source} {rates.clause_residential if residential else rates.clause_public}"


_LIMIT_CODES = np.array([OWNERS_BY_RATE, OWNERS_BY_WINDOWS, OWNERS_BY_REST, OWNERS_NONE])


def split_funding_arrays(
    total_fen: np.ndarray,
    floor_area_m2: np.ndarray,
    residential: np.ndarray,
    window_fen: np.ndarray,
    *,
    rates: FundingRates | None = None,
) -> dict[str, np.ndarray]:
    """``split_funding`` for N packages at once (int64 arrays; identical results)."""
    rates = rates or FundingRates()
    total = np.asarray(total_fen, dtype=np.int64)
    window = np.asarray(window_fen, dtype=np.int64)
    res = np.asarray(residential, dtype=bool)
    if (total < 0).any() or (window < 0).any() or (window > total).any():
        raise ValueError("totals and window lines must satisfy 0 ≤ window lines ≤ total")
    # area to 0.01 m² half-up; the rounding to 6 decimals first undoes binary noise
    # (1.005 × 100 = 100.49999…), so that the result equals the Decimal path of the scalar
    area = np.asarray(floor_area_m2, dtype=float)
    centi = np.floor(np.round(area * 100.0, 6) + 0.5).astype(np.int64)
    # rate × area, half-up to the fen, in integers: (rate·centi + 50) // 100
    p_fixed = (rates.provincial_fen_per_m2 * centi + 50) // 100
    o_fixed = (rates.owners_fen_per_m2 * centi + 50) // 100
    prov = np.where(res, np.minimum(p_fixed, total), 0)
    rest = total - prov
    own = np.where(res, np.minimum(np.minimum(o_fixed, window), rest), 0)
    by_rate = (o_fixed <= window) & (o_fixed <= rest)
    limit = np.where(by_rate, 0, np.where(window <= rest, 1, 2))
    return {
        "provincial_fen": prov,
        "owners_fen": own,
        "county_fen": total - prov - own,
        "window_fen": window,
        "provincial_capped": res & (p_fixed >= total) & (total > 0),
        "owners_limit": _LIMIT_CODES[np.where(res, limit, 3)].astype(object),
    }


def window_line_fen(lines, catalogue: Catalogue) -> int:
    """Sum of a package's cost lines [fen] whose catalogue row is of group ``window``.

    ``lines`` are (catalogue id, fen) pairs (``Package.lines``) or ``{"id", "fen"}`` dicts (a
    stored package). A line whose id is not in the catalogue (a programme cost line such as a
    façade item) is not a window line."""
    total = 0
    for line in lines:
        mid, fen = (line["id"], line["fen"]) if isinstance(line, dict) else line
        try:
            group = catalogue.by_id(mid).group
        except KeyError:
            continue
        if group is MeasureGroup.WINDOW:
            total += int(fen)
    return total
