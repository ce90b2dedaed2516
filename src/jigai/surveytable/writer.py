"""Writing tables safely: the one writer of survey tables, exports and result tables.

A :class:`Sheet` is a header and its rows (or its columns). :func:`save` writes it as .xlsx,
.csv or .parquet — to a path atomically (a temporary file renamed into place, so a failed run
leaves nothing behind) or to bytes — with every text that Excel, WPS or LibreOffice would
take for a formula neutralised (``schema.neutralise``; CSV files too, since they are opened in
a spreadsheet as often as workbooks). :func:`survey_sheet` lays rows out as the survey
template (Chinese headers, choice labels, 是/否), so an export can be edited and imported
again; :func:`column_sheet` writes arrays under their keys (the stock runner's results).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jigai.surveytable.reader import SHEET, format_of
from jigai.surveytable.schema import Column, columns, neutralise


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: Iterable[Sequence] | None = None
    columns: dict[str, np.ndarray] | None = None  # instead of rows: arrays under the header

    def iter_rows(self):
        if self.rows is not None:
            return iter(self.rows)
        arrays = [np.asarray(self.columns[h]).tolist() for h in self.header]
        return zip(*arrays, strict=True)


def plain(value):
    """A cell value as a spreadsheet takes it: numpy scalars unwrapped, NaN empty, formulas
    neutralised."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return neutralise(value)


def survey_cell(col: Column, value):
    """A value as the survey template shows it: 是/否, a choice's label, a number."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    if col.kind == "bool":
        return "是" if value else "否"
    if col.choices:
        return dict(col.choices).get(str(value), value)
    if col.kind == "decimal":
        return float(value)
    if col.kind == "int":
        return int(value)
    return value


def survey_sheet(rows: Iterable[dict]) -> Sheet:
    """Rows ({column key: value}) in the survey template's layout."""
    cols = columns()
    return Sheet(
        SHEET,
        [c.header for c in cols],
        ([survey_cell(c, row.get(c.key)) for c in cols] for row in rows),
    )


def survey_columns_sheet(table: dict[str, np.ndarray]) -> Sheet:
    """Arrays under the schema's keys (as the stock generator makes them) in the template's
    layout."""
    keys = [c.key for c in columns() if c.key in table]
    arrays = [np.asarray(table[k]).tolist() for k in keys]
    return survey_sheet(
        dict(zip(keys, values, strict=True)) for values in zip(*arrays, strict=True)
    )


def column_sheet(table: dict[str, np.ndarray], title: str = "results") -> Sheet:
    return Sheet(title, list(table), columns=table)


def save(sheet: Sheet, target: str | Path | None = None, *, fmt: str = ".xlsx") -> bytes | Path:
    """Write ``sheet`` to ``target`` (format by its suffix) atomically and return the path;
    with no target, return the bytes of format ``fmt``."""
    if target is None:
        buffer = io.BytesIO()
        _WRITERS[fmt](sheet, buffer)
        return buffer.getvalue()
    path = Path(target)
    writer = _WRITERS[format_of(path)]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            writer(sheet, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _xlsx(sheet: Sheet, f) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)  # rows streamed: a large export stays fast
    ws = book.create_sheet(sheet.title)
    ws.append([plain(h) for h in sheet.header])
    for row in sheet.iter_rows():
        ws.append([plain(v) for v in row])
    book.save(f)


def _csv(sheet: Sheet, f) -> None:
    import csv

    text = io.TextIOWrapper(f, encoding="utf-8", newline="", write_through=True)
    out = csv.writer(text)
    out.writerow([plain(h) for h in sheet.header])
    for row in sheet.iter_rows():
        out.writerow(["" if (v := plain(x)) is None else v for x in row])
    text.detach()


def _parquet(sheet: Sheet, f) -> None:
    import pandas as pd

    if sheet.columns is not None:
        frame = pd.DataFrame({h: np.asarray(sheet.columns[h]) for h in sheet.header})
    else:
        frame = pd.DataFrame(list(sheet.iter_rows()), columns=sheet.header)
    frame.to_parquet(f, index=False)


_WRITERS = {".xlsx": _xlsx, ".csv": _csv, ".parquet": _parquet}
