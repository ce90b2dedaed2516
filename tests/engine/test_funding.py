"""Funding split by the plan's words (阳政办发〔2023〕36号 二（二）4): the province pays
22.81 yuan/m² capped only at the package cost, the owners at most 80 yuan/m² and at most the
package's window lines, the county the rest — integer fen, parts add up to the cost."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jigai.engine.funding import (
    OWNERS_BY_RATE,
    OWNERS_BY_REST,
    OWNERS_BY_WINDOWS,
    OWNERS_NONE,
    RULE,
    FundingRates,
    split_funding,
    split_funding_arrays,
    window_line_fen,
)
from jigai.engine.measures import default_catalogue


def _shares(s):
    return (s.provincial_fen, s.owners_fen, s.county_fen)


# A 1,000.00 m² residential building: provincial 22.81 × 1000 = 22,810.00 yuan = 2,281,000 fen;
# owners at most 80 × 1000 = 80,000.00 yuan = 8,000,000 fen.


def test_windows_only():
    # one window line of 150,000.00 yuan: C = W = 15,000,000 fen
    lines = [("win_pvc_lowe", 15_000_000)]
    w = window_line_fen(lines, default_catalogue())
    assert w == 15_000_000
    s = split_funding(15_000_000, floor_area_m2="1000", residential=True, window_fen=w)
    # P = min(2,281,000, 15,000,000) = 2,281,000
    # O = min(8,000,000, W 15,000,000, C − P 12,719,000) = 8,000,000 (the rate bounds it)
    # K = 15,000,000 − 2,281,000 − 8,000,000 = 4,719,000
    assert _shares(s) == (2_281_000, 8_000_000, 4_719_000)
    assert (s.owners_limit, s.provincial_capped, s.window_fen) == (OWNERS_BY_RATE, False, w)
    assert s.rule == RULE == "owners_windows"
    assert s.clause == "阳政办发〔2023〕36号 二（二）4（1）"


def test_walls_and_roof_only_owners_pay_nothing():
    # walls 90,000.00 + roof 30,000.00 yuan: no window line, so W = 0
    lines = [("wall_eps_80", 9_000_000), ("roof_xps_80", 3_000_000)]
    w = window_line_fen(lines, default_catalogue())
    assert w == 0
    s = split_funding(12_000_000, floor_area_m2="1000", residential=True, window_fen=w)
    # P = 2,281,000; O = min(8,000,000, 0, 9,719,000) = 0; K = 12,000,000 − 2,281,000 = 9,719,000
    assert _shares(s) == (2_281_000, 0, 9_719_000)
    assert s.owners_limit == OWNERS_BY_WINDOWS


def test_full_package_owners_pay_the_windows():
    lines = [
        ("wall_eps_80", 9_000_000),
        ("roof_xps_80", 3_000_000),
        ("win_pvc_lowe", 5_500_000),
        ("bc_rw_50", 1_200_000),
        ("door_insulated", 100_000),
        ("fire_band_floor", 200_000),
    ]
    w = window_line_fen(lines, default_catalogue())
    assert w == 5_500_000  # only the window line
    total = sum(f for _, f in lines)
    assert total == 19_000_000
    s = split_funding(total, floor_area_m2="1000", residential=True, window_fen=w)
    # P = 2,281,000; O = min(8,000,000, W 5,500,000, 16,719,000) = 5,500,000
    # K = 19,000,000 − 2,281,000 − 5,500,000 = 11,219,000
    assert _shares(s) == (2_281_000, 5_500_000, 11_219_000)
    assert s.owners_limit == OWNERS_BY_WINDOWS


def test_package_cheaper_than_the_provincial_subsidy():
    # windows 15,000.00 + walls 5,000.00 yuan = 2,000,000 fen < the subsidy's 2,281,000
    s = split_funding(2_000_000, floor_area_m2="1000", residential=True, window_fen=1_500_000)
    # P = min(2,281,000, 2,000,000) = 2,000,000 — capped at the cost, not scaled in proportion
    # O = min(8,000,000, 1,500,000, 2,000,000 − 2,000,000 = 0) = 0; K = 0
    assert _shares(s) == (2_000_000, 0, 0)
    assert s.provincial_capped and s.owners_limit == OWNERS_BY_REST


def test_package_a_little_dearer_than_the_subsidy_owners_pay_what_is_left():
    # C = 3,000,000 with windows 2,500,000: P = 2,281,000; C − P = 719,000
    # O = min(8,000,000, 2,500,000, 719,000) = 719,000; K = 0
    s = split_funding(3_000_000, floor_area_m2="1000", residential=True, window_fen=2_500_000)
    assert _shares(s) == (2_281_000, 719_000, 0)
    assert not s.provincial_capped and s.owners_limit == OWNERS_BY_REST


def test_public_building_is_the_county():
    s = split_funding(123_456, floor_area_m2="1800", residential=False, window_fen=50_000)
    assert _shares(s) == (0, 0, 123_456)
    assert s.owners_limit == OWNERS_NONE and s.window_fen == 50_000
    assert s.clause == "阳政办发〔2023〕36号 二（二）4（2）"


def test_rates_and_clauses_are_programme_data():
    r = FundingRates(
        provincial_fen_per_m2=3000,
        owners_fen_per_m2=5000,
        programme_year=2024,
        source="某政办发〔2024〕1号",
        clause_residential="三（一）",
    )
    s = split_funding(
        1_000_000, floor_area_m2="100.5", residential=True, window_fen=900_000, rates=r
    )
    # P = 30.00 × 100.5 = 3,015.00 yuan; O = min(50.00 × 100.5 = 5,025.00 yuan, 9,000, rest)
    assert (s.provincial_fen, s.owners_fen, s.county_fen) == (301_500, 502_500, 196_000)
    assert s.clause == "某政办发〔2024〕1号 三（一）"


def test_rounding_half_up_to_the_fen():
    s = split_funding(10_000_000, floor_area_m2="0.50", residential=True, window_fen=0)
    assert s.provincial_fen == 1141  # 2281 × 0.5 = 1140.5 → 1141
    # the area is taken to 0.01 m² half-up: 1.005 m² → 1.01 m²; 2281 × 1.01 = 2303.81 → 2304
    s = split_funding(10_000, floor_area_m2=1.005, residential=True, window_fen=0)
    assert s.provincial_fen == 2304
    a = split_funding_arrays(np.array([10_000]), np.array([1.005]), np.array([True]), [0])
    assert a["provincial_fen"][0] == 2304


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        split_funding(-1, floor_area_m2="1", residential=True, window_fen=0)
    with pytest.raises(ValueError):
        split_funding(1.5, floor_area_m2="1", residential=True, window_fen=0)
    with pytest.raises(ValueError, match="window lines"):
        split_funding(100, floor_area_m2="1", residential=True, window_fen=101)
    with pytest.raises(ValueError, match="window lines"):
        split_funding(100, floor_area_m2="1", residential=True, window_fen=-1)
    with pytest.raises(ValueError):
        split_funding_arrays(np.array([100]), np.array([1.0]), np.array([True]), np.array([101]))


def test_lines_not_in_the_catalogue_are_not_windows():
    cat = default_catalogue()
    lines = [{"id": "facade_paint", "fen": 70}, {"id": "win_pvc_clear", "fen": 30}]
    assert window_line_fen(lines, cat) == 30


def _packages():
    """(cost C, window lines W ≤ C, floor area [m², 0.001 m² steps], residential)."""
    return st.integers(0, 10**10).flatmap(
        lambda c: st.tuples(
            st.just(c),
            st.integers(0, c),
            st.integers(1, 10**8).map(lambda a: a / 1000),
            st.booleans(),
        )
    )


@given(st.lists(_packages(), min_size=1, max_size=30))
def test_shares_respect_the_plan_and_arrays_equal_scalar(rows):
    total = np.array([r[0] for r in rows], dtype=np.int64)
    window = np.array([r[1] for r in rows], dtype=np.int64)
    area = np.array([r[2] for r in rows])
    res = np.array([r[3] for r in rows])
    arr = split_funding_arrays(total, area, res, window)
    for i, (c, w, a, r) in enumerate(rows):
        s = split_funding(c, floor_area_m2=a, residential=r, window_fen=w)
        assert (
            arr["provincial_fen"][i],
            arr["owners_fen"][i],
            arr["county_fen"][i],
            arr["window_fen"][i],
            arr["provincial_capped"][i],
            arr["owners_limit"][i],
        ) == (
            s.provincial_fen,
            s.owners_fen,
            s.county_fen,
            s.window_fen,
            s.provincial_capped,
            s.owners_limit,
        )
        assert s.provincial_fen + s.owners_fen + s.county_fen == c
        assert min(s.provincial_fen, s.owners_fen, s.county_fen) >= 0
        area_centi = Decimal(str(a)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        eighty = int((8000 * area_centi).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
        subsidy = int((2281 * area_centi).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
        assert s.owners_fen <= w and s.owners_fen <= eighty
        if r:
            assert s.provincial_fen == min(subsidy, c)  # never scaled down in proportion
            assert s.owners_fen == min(eighty, w, c - s.provincial_fen)
        else:
            assert (s.provincial_fen, s.owners_fen) == (0, 0)
