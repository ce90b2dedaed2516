"""block_from_row: one building-table row → the engine's block; and its vectorised twin."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from jigai.engine import EngineInputError, StockArrays, assess, default_data, expand_block
from jigai.engine.climate import climate_for_city
from jigai.stock import synthetic
from jigai.stock.engine_input import (
    block_from_row,
    fill_gaps_columns,
    stairwells,
    stock_arrays_from_columns,
)
from jigai.stock.typology import fill_gaps

DATA = default_data()

ROW = {
    "county": "盂县",
    "street": "秀水街道",
    "community": "建设小区",
    "community_renovation": True,
    "building_no": "3号楼",
    "use": "residential",
    "year_built": 1988,
    "structure": "brick_concrete",
    "storeys": 6,
    "height_m": 17.4,
    "floor_area_m2": 3024.0,
    "length_m": 48.0,
    "depth_m": 10.5,
    "storey_height_m": 2.8,
    "azimuth_deg": 180,
    "wwr_front": 0.30,
    "wwr_back": 0.20,
    "wwr_sides": 0.0,
    "wall_type": "brick370",
    "roof_type": "slab_slag",
    "window_type": "steel_single",
    "floor_type": "basement_ceiling",
    "stairwell_heated": False,
    "heating": "central",
}


def test_full_row_maps_every_field():
    block, assumed = block_from_row(ROW)
    assert assumed == []
    assert block["format"] == "block" and block["building_type"] == "residential"
    assert (block["length"], block["depth"], block["storeys"]) == (48.0, 10.5, 6)
    assert block["wwr"] == {"front": 0.30, "back": 0.20, "left": 0.0, "right": 0.0}
    assert block["stairwell"] == {
        "heated": False,
        "count": 4,
        "width": 2.7,
        "wwr": 0.10,
        "door_area": 2.1,
    }
    assert block["floor"] == "unheated_basement_with_windows"
    assert block["constructions"]["window"] == {"type": "steel_single"}
    assert block["constructions"]["wall"]["layers"][1]["material"] == "solid_clay_brick"
    b = expand_block(block, "row", DATA)
    assert pytest.approx(3024.0) == b.A0
    assert assess(b, climate_for_city("阳泉")).q_H > 20


def test_text_values_and_blanks_are_filled_and_listed():
    row = {k: ("" if v is None else str(v)) for k, v in ROW.items()}
    for k in ("wall_type", "storey_height_m", "length_m", "stairwell_heated", "wwr_sides"):
        row[k] = ""
    row["floor_area_m2"] = Decimal("3024.00")
    row["depth_m"] = float("nan")  # a pandas empty cell
    row["stairwell_heated"] = None
    block, assumed = block_from_row(row)
    assert set(assumed) == {
        "wall_type",
        "storey_height_m",
        "depth_m",
        "stairwell_heated",
        "wwr_sides",
        "length_m",
    }
    assert block["length"] == pytest.approx(3024.0 / (10.5 * 6))
    assert block["constructions"]["wall"]["layers"][1]["d"] == 0.37  # pre-1996 default brick370


def test_public_building_ground_floor():
    row = dict(
        ROW, use="school", floor_type="ground_slab", stairwell_heated="是", year_built="1999"
    )
    block, _ = block_from_row(row)
    assert block["building_type"] == "public"
    assert block["floor"] == "ground" and "floor" not in block["constructions"]
    assert block["stairwell"]["heated"] is True
    expand_block(block, "row", DATA)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"use": "castle"}, "use"),
        ({"use": None}, "use"),
        ({"storeys": "six"}, "storeys"),
        ({"storeys": 2.5}, "storeys"),
        ({"depth_m": -3}, "depth_m"),
        ({"wall_type": "mud"}, "wall_type"),
        ({"roof_type": "thatch"}, "roof_type"),
        ({"window_type": "stained_glass"}, "window_type"),
        ({"stairwell_heated": "maybe"}, "stairwell_heated"),
        ({"length_m": None, "floor_area_m2": None}, "floor_area_m2"),
        ({"year_built": "1988.5"}, "year_built"),
    ],
)
def test_bad_values_name_the_column(change, field):
    with pytest.raises(EngineInputError) as exc:
        block_from_row(dict(ROW, **change))
    assert exc.value.field == field


def test_stairwells_fit_short_blocks():
    assert stairwells(3.0, True) == (1, 1.5)
    assert stairwells(52.0, True) == (4, 2.7)
    assert stairwells(45.0, False) == (2, 3.0)


def test_vectorised_equals_row_by_row():
    cols = synthetic.generate(240, seed=7)
    rng = np.random.default_rng(3)
    for k in (
        "storey_height_m",
        "depth_m",
        "wall_type",
        "window_type",
        "roof_type",
        "stairwell_heated",
        "wwr_sides",
        "length_m",
        "floor_type",
        "azimuth_deg",
    ):
        a = np.array(cols[k], dtype=object)
        a[rng.random(240) < 0.25] = None
        cols[k] = a
    cols["azimuth_deg"] = np.array([np.nan if v is None else v for v in cols["azimuth_deg"]])
    buildings, assumed_rows = [], []
    for row in synthetic.rows(cols):
        block, assumed = block_from_row(row)
        buildings.append(expand_block(block, "row", DATA))
        assumed_rows.append(set(assumed))
    ref = StockArrays.from_buildings(buildings, data=DATA)
    got, assumed = stock_arrays_from_columns(cols, data=DATA)
    for f in ("F", "K", "shgc", "b", "A0", "V0", "V_factor", "N_ach", "t_n", "q_IH"):
        np.testing.assert_allclose(getattr(got, f), getattr(ref, f), rtol=1e-12, atol=1e-12)
    assert np.array_equal(np.isnan(got.eps), np.isnan(ref.eps))
    for i, s in enumerate(assumed_rows):
        assert {k for k, m in assumed.items() if m[i]} == s


def test_fill_gaps_columns_equals_fill_gaps():
    cols = synthetic.generate(50, seed=1)
    cols["wall_type"] = np.array([None] * 25 + list(cols["wall_type"][25:]), dtype=object)
    filled, assumed = fill_gaps_columns(cols)
    for i, row in enumerate(synthetic.rows(cols)):
        ref, names = fill_gaps(row)
        assert filled["wall_type"][i] == ref["wall_type"]
        assert {k for k, m in assumed.items() if m[i]} == set(names)
