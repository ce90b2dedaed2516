from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jigai.money import (
    MoneyError,
    fen_for_area,
    fen_to_yuan,
    format_yuan,
    split_largest_remainder,
    yuan_to_fen,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("22.81", 2281), ("80", 8000), ("1,234.5", 123450), ("0.01", 1), ("-3.20", -320)],
)
def test_yuan_to_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("bad", ["22.815", "abc", "", "NaN", "Infinity"])
def test_yuan_to_fen_refuses(bad):
    with pytest.raises(MoneyError):
        yuan_to_fen(bad)


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        yuan_to_fen(22.81)


def test_display():
    assert format_yuan(123456789) == "1,234,567.89"
    assert fen_to_yuan(2281) == Decimal("22.81")


def test_rate_times_area():
    # 22.81 yuan/m² × 6,480.5 m² = 147,820.205 yuan → 14,782,020.5 fen → half-up 14,782,021
    assert fen_for_area(2281, "6480.5") == 14_782_021


def test_split_example():
    # 100 fen in thirds: 33.33… each; the first part takes the left-over fen (tie → earlier).
    assert split_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    # 10 fen as 2281 : 8000 : 3719 (of 14,000): exact 1.629, 5.714, 2.656; floors 1+5+2 = 8;
    # the 2 fen left go to the largest remainders, .714 then .656.
    assert split_largest_remainder(10, [2281, 8000, 3719]) == [1, 6, 3]
    assert split_largest_remainder(-100, [1, 1, 1]) == [-34, -33, -33]


def test_split_refuses_bad_weights():
    with pytest.raises(ValueError):
        split_largest_remainder(100, [])
    with pytest.raises(ValueError):
        split_largest_remainder(100, [0, 0])
    with pytest.raises(ValueError):
        split_largest_remainder(100, [1, -1])


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12).filter(
        any
    ),
)
def test_split_adds_up_and_is_fair(total, weights):
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    weight_sum = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = Decimal(total) * w / weight_sum
        assert abs(Decimal(part) - exact) < 1  # never more than one fen from its exact share
        if w == 0:
            assert part == 0
