"""Funding split (阳政办发〔2023〕36号): integer fen, parts add up, the cap rule."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jigai.engine.funding import FundingRates, split_funding, split_funding_arrays


def test_residential_fixed_shares_and_county_rest():
    s = split_funding(40_000_000, floor_area_m2=Decimal("3024.00"), residential=True)
    assert s.provincial_fen == 6_897_744  # 22.81 × 3024
    assert s.owners_fen == 24_192_000  # 80 × 3024
    assert s.county_fen == 40_000_000 - 6_897_744 - 24_192_000
    assert not s.capped


def test_public_is_county():
    s = split_funding(123_456, floor_area_m2="1800", residential=False)
    assert (s.provincial_fen, s.owners_fen, s.county_fen) == (0, 0, 123_456)


def test_cheaper_than_fixed_shares_is_capped_proportionally():
    # fixed shares 2281 + 8000 fen for 1 m²; total 5000 fen
    s = split_funding(5000, floor_area_m2="1", residential=True)
    assert s.capped and s.county_fen == 0
    assert s.provincial_fen + s.owners_fen == 5000
    assert s.provincial_fen == 1109  # 5000 × 2281/10281 = 1109.3
    assert s.owners_fen == 3891


def test_rates_are_parameters():
    r = FundingRates(provincial_fen_per_m2=3000, owners_fen_per_m2=5000, programme_year=2024)
    s = split_funding(1_000_000, floor_area_m2="100.5", residential=True, rates=r)
    assert (s.provincial_fen, s.owners_fen) == (301_500, 502_500)


def test_rounding_half_up_to_the_fen():
    s = split_funding(10_000_000, floor_area_m2="0.50", residential=True)
    assert s.provincial_fen == 1141  # 1140.5 → 1141


def test_bad_total():
    with pytest.raises(ValueError):
        split_funding(-1, floor_area_m2="1", residential=True)
    with pytest.raises(ValueError):
        split_funding(1.5, floor_area_m2="1", residential=True)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**10),
            st.integers(1, 10**8).map(lambda c: c / 100),
            st.booleans(),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_arrays_equal_scalar_and_parts_add_up(rows):
    total = np.array([r[0] for r in rows], dtype=np.int64)
    area = np.array([r[1] for r in rows])
    res = np.array([r[2] for r in rows])
    arr = split_funding_arrays(total, area, res)
    for i, (t, a, r) in enumerate(rows):
        s = split_funding(t, floor_area_m2=a, residential=r)
        assert (arr["provincial_fen"][i], arr["owners_fen"][i], arr["county_fen"][i]) == (
            s.provincial_fen,
            s.owners_fen,
            s.county_fen,
        )
        assert arr["funding_capped"][i] == s.capped
        assert s.provincial_fen + s.owners_fen + s.county_fen == t
        assert min(s.provincial_fen, s.owners_fen, s.county_fen) >= 0
