"""Reading a survey table: the one reader of the web import, ``jigai import_buildings`` and
``jigai stock``.

An .xlsx (the survey template), a .csv (UTF-8, or GB 18030 as Chinese Excel saves it) or a
.parquet file, from a path or from uploaded bytes. Its headers may be the column keys
(``height_m``), the template's headers (``建筑高度[m]``) or those without the unit
(``建筑高度``). The layout is checked before any cell is read as a value, and every layout
problem is reported at once: too large, unreadable, merged cells or formulas (a workbook),
a column that is not the template's, a required column missing, a column twice, no rows.
Rows with every cell empty are skipped; each row keeps the number the user sees.

A workbook's values are read with calamine (python-calamine, Rust): 10⁴ survey rows in about
1 s where openpyxl took 9 s. Formulas and merged cells are found from the sheet's XML; only a
workbook that has formulas is opened with openpyxl, to name each formula's cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jigai.surveytable.problems import N_, Problem, TableRejected
from jigai.surveytable.schema import columns

SHEET = "楼栋调查表"
FORMATS = (".xlsx", ".csv", ".parquet")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")


@dataclass
class RawTable:
    """The cells of a table as written (objects), under the schema's column keys."""

    cells: dict[str, np.ndarray]  # key → raw cell values, one per row
    rows: np.ndarray  # the row (line) number of each row as the user sees it
    headers: dict[str, str]  # key → the column's header in the file
    source: str
    format: str  # ".xlsx", ".csv" or ".parquet"

    def __len__(self) -> int:
        return len(self.rows)


def column_letter(j: int) -> str:
    """A spreadsheet's column letter for the 1-based column ``j`` (1 → A, 27 → AA)."""
    out = ""
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def sniff(data: bytes, name: str = "") -> str:
    """The format of uploaded bytes: by content for a workbook or Parquet, else by name."""
    if data[:4] == b"PK\x03\x04":
        return ".xlsx"
    if data[:4] == b"PAR1":
        return ".parquet"
    suffix = Path(name).suffix.lower()
    return ".csv" if suffix == ".csv" else ".xlsx"


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise TableRejected(
            [
                Problem(
                    0,
                    "",
                    N_("Unknown table format “%(s)s”: use .xlsx, .csv or .parquet"),
                    {"s": suffix},
                )
            ],
            source=str(path),
        )
    return suffix


@dataclass(frozen=True)
class Limits:
    """How large a table may be, checked before its cells are parsed: the file's size, its
    data rows, and (a workbook, which is a zip) the size of its parts once unpacked — so that
    neither a 641 kB "zip bomb" nor 150,000 small rows can exhaust the server's memory."""

    max_bytes: int | None = None
    max_rows: int | None = None
    max_unpacked_bytes: int | None = None


NO_LIMITS = Limits()


def read(
    source: bytes | str | Path,
    *,
    name: str = "",
    max_bytes: int | None = None,
    limits: Limits = NO_LIMITS,
) -> RawTable:
    """The raw cells of a survey table, or ``TableRejected`` with every layout problem."""
    if max_bytes is not None:
        limits = Limits(max_bytes, limits.max_rows, limits.max_unpacked_bytes)
    if isinstance(source, bytes):
        data, label, fmt = source, name, sniff(source, name)
    else:
        path = Path(source)
        label, fmt = name or str(source), format_of(path)
        if not path.is_file():
            raise TableRejected([Problem(0, "", N_("No such file"))], source=label)
        data = path.read_bytes()
    if limits.max_bytes is not None and len(data) > limits.max_bytes:
        raise TableRejected(
            [
                Problem(
                    0,
                    "",
                    N_("The file is %(size).1f MB, more than the limit of %(max).0f MB"),
                    {"size": len(data) / 1e6, "max": limits.max_bytes / 1e6},
                )
            ],
            source=label,
        )
    try:
        grid, first_row, problems = _READERS[fmt](data, limits)
    except TableRejected as exc:
        exc.source = exc.source or label
        raise
    return _table(grid, first_row, problems, label, fmt)


def _too_many_rows(rows: int, limits: Limits) -> None:
    if limits.max_rows is not None and rows > limits.max_rows:
        raise TableRejected(
            [
                Problem(
                    0,
                    "",
                    N_(
                        "The table has %(n)d rows, more than the limit of %(max)d: "
                        "split it (for example by county or street) and import the parts"
                    ),
                    {"n": rows, "max": limits.max_rows},
                )
            ]
        )


def _unreadable(kind: str, exc: Exception) -> TableRejected:
    message = {
        ".xlsx": N_("Not readable as an Excel (.xlsx) file: %(err)s"),
        ".csv": N_("Not readable as a CSV file: %(err)s"),
        ".parquet": N_("Not readable as a Parquet file: %(err)s"),
    }[kind]
    return TableRejected([Problem(0, "", message, {"err": type(exc).__name__})])


def _read_xlsx(data: bytes, limits: Limits) -> tuple[list[list], int, list[Problem]]:
    from python_calamine import CalamineWorkbook

    try:
        scan = _scan(data, limits)
    except TableRejected:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _unreadable(".xlsx", exc) from exc
    _too_many_rows(scan.rows - 1, limits)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet_name = SHEET if SHEET in book.sheet_names else book.sheet_names[0]
        sheet = book.get_sheet_by_name(sheet_name)
        grid = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except Exception as exc:  # calamine raises many kinds for a non-xlsx file
        raise _unreadable(".xlsx", exc) from exc
    has_formula = scan.formulas
    problems = [
        Problem(
            r0 + 1,
            "",
            N_("Merged cells %(range)s: unmerge them and import again"),
            {"range": f"{column_letter(c0 + 1)}{r0 + 1}:{column_letter(c1 + 1)}{r1 + 1}"},
        )
        for (r0, c0), (r1, c1) in merged
    ]
    if has_formula:
        problems += _formula_cells(data, sheet_name)
    return grid, 1, problems


@dataclass(frozen=True)
class _Scan:
    rows: int  # <row> elements of the largest worksheet
    formulas: bool  # whether a worksheet holds a formula (an <f> element)


def _scan(data: bytes, limits: Limits) -> _Scan:
    """One streamed pass over the workbook's parts before calamine parses it: their unpacked
    size (refused beyond ``limits.max_unpacked_bytes``, counted as unpacked, whatever the zip
    declares), the rows of each worksheet and whether any holds a formula."""
    cap = limits.max_unpacked_bytes
    unpacked, rows, formulas = 0, 0, False
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        declared = sum(i.file_size for i in infos)
        if cap is not None and declared > cap:
            _too_large_unpacked(declared, cap)
        for info in infos:
            sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            here, tail = 0, b""
            with z.open(info) as f:
                while chunk := f.read(1 << 20):
                    unpacked += len(chunk)
                    if cap is not None and unpacked > cap:
                        _too_large_unpacked(unpacked, cap)
                    if sheet:
                        window = tail + chunk
                        formulas = formulas or bool(_FORMULA.search(window))
                        here += len(_ROW.findall(window)) - len(_ROW.findall(tail))
                        tail = chunk[-16:]
            rows = max(rows, here)
    return _Scan(rows, formulas)


def _too_large_unpacked(size: int, cap: int) -> None:
    raise TableRejected(
        [
            Problem(
                0,
                "",
                N_(
                    "The workbook unpacks to more than %(max).0f MB (%(size).0f MB or more): "
                    "it is refused before it is read"
                ),
                {"size": size / 1e6, "max": cap / 1e6},
            )
        ]
    )


def _formula_cells(data: bytes, sheet_name: str) -> list[Problem]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        return [
            Problem(
                cell.row,
                column_letter(cell.column),
                N_("Cell %(cell)s holds a formula: paste it as a value"),
                {"cell": f"{column_letter(cell.column)}{cell.row}"},
            )
            for row in book[sheet_name].iter_rows()
            for cell in row
            if getattr(cell, "data_type", None) == "f"
        ]
    finally:
        book.close()


def _read_csv(data: bytes, limits: Limits) -> tuple[list[list], int, list[Problem]]:
    import csv

    _too_many_rows(data.count(b"\n") - 1, limits)  # a quoted cell may hold a newline: ≥ rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            error = exc
    else:
        raise _unreadable(".csv", error)
    try:
        grid = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _unreadable(".csv", exc) from exc
    return grid, 1, []


def _read_parquet(data: bytes, limits: Limits) -> tuple[list[list], int, list[Problem]]:
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        rows = pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
    except Exception as exc:  # pyarrow raises many kinds for a non-Parquet file
        raise _unreadable(".parquet", exc) from exc
    _too_many_rows(rows, limits)
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise _unreadable(".parquet", exc) from exc
    frame = frame.astype(object).where(frame.notna(), None)
    return [list(frame.columns), *frame.itertuples(index=False, name=None)], 0, []


_READERS = {".xlsx": _read_xlsx, ".csv": _read_csv, ".parquet": _read_parquet}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(grid: list, first_row: int, problems: list[Problem], label: str, fmt: str) -> RawTable:
    """Map the header to the schema's keys and check the layout (every problem at once)."""
    cols = columns()
    by_name = {}
    for col in cols:
        for name in (col.key, col.header, col.header_zh):
            by_name.setdefault(name, col)
    header = [("" if _blank(h) else str(h).strip()) for h in (grid[0] if grid else [])]
    while header and header[-1] == "":
        header.pop()
    header_row = first_row or 0
    keys: list[str | None] = []
    headers: dict[str, str] = {}
    for j, name in enumerate(header, start=1):
        col = by_name.get(name)
        if col is None:
            problems.append(
                Problem(
                    header_row,
                    name,
                    N_(
                        "Column %(letter)s “%(name)s” is not a column of the template (extra column)"
                    ),
                    {"letter": column_letter(j), "name": name},
                )
            )
        elif col.key in headers:
            problems.append(Problem(header_row, name, N_("A column appears twice in the header")))
            col = None
        else:
            headers[col.key] = name
        keys.append(col.key if col else None)
    for col in cols:
        if col.required and col.key not in headers:
            problems.append(
                Problem(
                    header_row,
                    col.header,
                    N_("The required column “%(name)s” is missing"),
                    {"name": col.header},
                )
            )
    width = len(keys)
    body = [
        (i, row)
        for i, row in enumerate(grid[1:], start=1)
        if any(not _blank(v) for v in row[:width])
    ]
    if not body and not problems:
        problems.append(Problem(0, "", N_("The table has no buildings")))
    if problems:
        raise TableRejected(problems, source=label)
    number = first_row if first_row else 0  # a workbook's/CSV's row i is i + 1; Parquet's i
    rows = np.fromiter((i + number for i, _row in body), dtype=np.int64, count=len(body))
    cells = {}
    for j, key in enumerate(keys):
        if key is not None:
            column = np.empty(len(body), dtype=object)
            column[:] = [row[j] if j < len(row) else None for _i, row in body]
            cells[key] = column
    return RawTable(cells, rows, headers, label, fmt)


def from_columns(table: dict[str, np.ndarray], *, source: str = "", first_row: int = 2) -> RawTable:
    """Arrays under the schema's keys (a generated or programmatic table) as raw cells, to be
    validated like a file; row ``first_row`` is the first."""
    keys = [c.key for c in columns() if c.key in table]
    n = len(table[keys[0]]) if keys else 0
    cells = {}
    for k in keys:
        column = np.empty(n, dtype=object)
        column[:] = np.asarray(table[k]).tolist()
        cells[k] = column
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    return RawTable(cells, rows, {k: k for k in keys}, source, "")
