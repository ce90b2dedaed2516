"""A yes/no cell means the same to every reader of the building table: the web import and
``jigai import_buildings`` (``buildings.importer``), ``jigai stock`` (``stock.io``) and the
engine input (``stock.engine_input``). Before, "✓" was accepted by the import and refused by
``jigai stock``, and "1.0" the other way round."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from jigai.buildings.importer import _convert
from jigai.stock.engine_input import _bool
from jigai.stock.io import TableError, validate_frame
from jigai.stock.schema import NO_WORDS, YES_WORDS, columns

COL = next(c for c in columns() if c.kind == "bool" and c.key == "in_demolition_area")
CELLS = [
    ("是", True),
    ("✓", True),
    ("√", True),
    ("1.0", True),
    ("TRUE", True),
    ("1", True),
    ("否", False),
    ("×", False),
    ("✗", False),
    ("0.0", False),
    ("no", False),
    ("0", False),
]


def _through_stock_table(cell: str):
    row = {c.key: "" for c in columns()}
    row[COL.key] = cell
    df = pd.DataFrame([row]).rename(columns={c.key: c.key for c in columns()})
    try:
        out = validate_frame(df.astype(str), "t.csv")
    except TableError as exc:
        # other (required) columns are empty here: only this column's verdict matters
        mine = [p for p in exc.problems if p[1] == COL.key]
        return ("refused", mine) if mine else ("accepted", None)
    return "accepted", out[COL.key][0]


@pytest.mark.parametrize(("cell", "meaning"), CELLS)
def test_every_reader_reads_the_cell_alike(cell, meaning):
    assert _convert(COL, cell) == (meaning, None)  # web import and import_buildings
    assert _bool({COL.key: cell}, COL.key) is meaning  # engine input
    verdict, _value = _through_stock_table(cell)  # jigai stock
    assert verdict == "accepted"


@pytest.mark.parametrize("cell", ["maybe", "2", "对"])
def test_every_reader_refuses_the_same_cells(cell):
    value, error = _convert(COL, cell)
    assert value is None and error
    assert _through_stock_table(cell)[0] == "refused"


def test_one_definition():
    assert not YES_WORDS & NO_WORDS
    assert {"是", "✓", "1.0"} <= YES_WORDS and {"否", "×", "0.0"} <= NO_WORDS


def test_a_thousands_separator_means_the_same_to_every_reader():
    col = next(c for c in columns() if c.key == "floor_area_m2")
    assert _convert(col, "1,200.5") == (Decimal("1200.5"), None)
    row = {c.key: "" for c in columns()}
    row[col.key] = "1,200.5"
    try:
        validate_frame(pd.DataFrame([row]).astype(str), "t.csv")
    except TableError as exc:
        assert not [p for p in exc.problems if p[1] == col.key]
