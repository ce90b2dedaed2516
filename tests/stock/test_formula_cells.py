"""Every writer of the building table neutralises text that a spreadsheet would run as a
formula (one guard: ``stock.schema.neutralise``): the survey export and the stock tables."""

from __future__ import annotations

import csv
import io

import numpy as np
from openpyxl import load_workbook

from jigai.buildings.excel import write_table as survey_write
from jigai.stock.io import write_table as stock_write
from jigai.stock.schema import neutralise

EVIL = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tx", "正常文字"]
SAFE = ['\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)", "'\tx", "正常文字"]


def test_the_guard():
    assert [neutralise(v) for v in EVIL] == SAFE
    assert neutralise(-2) == -2 and neutralise(None) is None  # numbers stay numbers


def test_survey_export_xlsx():
    data = survey_write("t", ["a"], [[v] for v in EVIL])
    ws = load_workbook(io.BytesIO(data)).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == SAFE


def test_stock_tables_xlsx_and_csv(tmp_path):
    cols = {"name": np.array(EVIL, dtype=object), "n": np.arange(len(EVIL))}
    x = stock_write(cols, tmp_path / "o.xlsx")
    ws = load_workbook(x).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == SAFE
    c = stock_write(cols, tmp_path / "o.csv")
    rows = list(csv.reader(c.read_text(encoding="utf-8").splitlines()))
    assert [r[0] for r in rows[1:]] == SAFE
    assert [int(r[1]) for r in rows[1:]] == list(range(len(EVIL)))
