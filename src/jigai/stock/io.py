"""Reading and writing building tables (CSV, Parquet, xlsx) in the schema of
``jigai.stock.schema.columns()``.

Headers are the column keys; an xlsx (the survey template) may use the Chinese headers
(``建筑高度[m]`` or ``建筑高度``) and the Chinese labels of choices and 是/否. Every row is
validated before anything is used; problems raise ``TableError`` naming the file, the row
(CSV/xlsx: the line/row number with the header as 1; Parquet: the row from 1) and the column.
Writes go to a temporary file renamed into place, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from jigai.engine.errors import EngineInputError
from jigai.stock.schema import NO_WORDS, YES_WORDS, Column, columns, neutralise

SUFFIXES = (".csv", ".parquet", ".xlsx")
MAX_ERRORS = 20


class TableError(EngineInputError):
    """Bad table: ``problems`` lists (row, column, message); row 0 = the whole file."""

    def __init__(self, path: str, problems: list[tuple[int, str, str]], *, row_label="row"):
        self.problems = problems
        shown = problems[:MAX_ERRORS]
        lines = [
            f"{path}:{row_label} {r}:{c}: {m}" if r else f"{path}:{c}: {m}" for r, c, m in shown
        ]
        more = len(problems) - len(shown)
        if more > 0:
            lines.append(f"… and {more} more problem(s)")
        super().__init__(path, "\n".join(lines))

    def __str__(self) -> str:
        return self.message


def _suffix(path: Path) -> str:
    s = path.suffix.lower()
    if s not in SUFFIXES:
        raise EngineInputError(
            str(path), f"unknown table format {s!r}; use .csv, .parquet or .xlsx"
        )
    return s


def _read_raw(path: Path):
    import pandas as pd

    s = _suffix(path)
    if not path.is_file():
        raise EngineInputError(str(path), "no such file")
    try:
        if s == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"), "line"
        if s == ".parquet":
            return pd.read_parquet(path), "row"
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb["楼栋调查表"] if "楼栋调查表" in wb.sheetnames else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [("" if h is None else str(h).strip()) for h in next(it, ())]
        data = [r for r in it if any(v not in (None, "") for v in r)]
        wb.close()
        df = pd.DataFrame(data, columns=header if data else None, dtype=object)
        if not data:
            df = pd.DataFrame(columns=header)
        return df, "row"
    except (ValueError, OSError, KeyError, StopIteration) as exc:
        raise EngineInputError(str(path), f"cannot read the table: {exc}") from None


def _header_map(df_columns, cols: tuple[Column, ...]) -> dict[str, str]:
    """key → the table's header for it (key, Chinese header with unit, or without)."""
    names = {str(c).strip(): c for c in df_columns}
    out = {}
    for col in cols:
        for cand in (col.key, col.header, col.header_zh):
            if cand in names:
                out[col.key] = names[cand]
                break
    return out


def validate_frame(df, path: str, *, row_label: str = "row", first_row: int = 2):
    """Typed columns (numpy) of a pandas DataFrame in the schema, or ``TableError``."""
    import pandas as pd

    cols = columns()
    hm = _header_map(df.columns, cols)
    missing = [c for c in cols if c.required and c.key not in hm]
    if missing:
        raise TableError(
            path,
            [
                (
                    0,
                    "columns",
                    "missing required column(s): "
                    + ", ".join(f"{c.key} ({c.header})" for c in missing),
                )
            ],
        )
    if len(df) == 0:
        raise TableError(path, [(0, "rows", "no buildings in the table")])
    n = len(df)
    problems: list[tuple[int, str, str]] = []
    out: dict[str, np.ndarray] = {}
    rownum = np.arange(n) + first_row

    def report(mask, col: Column, text, template: str):
        """One problem per offending row; ``template`` may use {v} (the cell's text)."""
        for i in np.nonzero(mask)[0][:MAX_ERRORS]:
            problems.append((int(rownum[i]), col.key, template.format(v=text.iat[i])))

    for col in cols:
        if col.key not in hm:
            out[col.key] = (
                np.full(n, np.nan)
                if col.kind in ("int", "decimal")
                else np.full(n, None, dtype=object)
            )
            continue
        s = df[hm[col.key]]
        raw = s.astype(object).where(s.notna(), None)
        text = raw.map(lambda v: "" if v is None else str(v).strip())
        blank = (text == "").to_numpy()
        if col.required:
            report(blank, col, text, "missing (required)")
        if col.kind in ("int", "decimal"):
            num = pd.to_numeric(
                text.str.replace(",", "", regex=False).where(~blank), errors="coerce"
            )
            v = num.to_numpy(dtype=float)
            bad = ~blank & np.isnan(v)
            report(bad, col, text, "{v!r} is not a number")
            if col.kind == "int":
                frac = ~blank & ~bad & (v != np.floor(v))
                report(frac, col, text, "{v!r} is not a whole number")
            ok = ~blank & ~bad
            if col.minimum is not None:
                report(ok & (v < col.minimum), col, text, f"{{v}} < {col.minimum:g}")
            if col.maximum is not None:
                report(ok & (v > col.maximum), col, text, f"{{v}} > {col.maximum:g}")
            out[col.key] = (
                v.astype(np.int64)
                if col.required and col.kind == "int" and not (blank | bad).any()
                else v
            )
        elif col.kind == "bool":
            low = text.str.lower()
            t = low.isin(YES_WORDS).to_numpy()
            f = low.isin(NO_WORDS).to_numpy()
            report(~blank & ~t & ~f, col, text, "{v!r} is not true/false (是/否)")
            out[col.key] = np.where(t, True, np.where(f, False, None)).astype(object)
        elif col.kind == "choice":
            to_value = {v: v for v, _ in col.choices} | {label: v for v, label in col.choices}
            mapped = text.map(lambda v, tv=to_value: tv.get(v, None if v else ""))
            bad = mapped.isna().to_numpy()
            allowed = ", ".join(v for v, _ in col.choices)
            report(bad, col, text, "{v!r} is not one of " + allowed.replace("{", "{{"))
            out[col.key] = mapped.fillna("").to_numpy(dtype=object)
        else:
            if col.max_length:
                long = text.str.len().to_numpy() > col.max_length
                report(long, col, text, f"longer than {col.max_length} characters")
            out[col.key] = text.to_numpy(dtype=object)
    if problems:
        problems.sort()
        raise TableError(path, problems, row_label=row_label)
    return out


def read_table(path: str | Path) -> dict[str, np.ndarray]:
    """Read and validate a building table (CSV, Parquet or xlsx)."""
    p = Path(path)
    df, label = _read_raw(p)
    first = 2 if p.suffix.lower() in (".csv", ".xlsx") else 1
    return validate_frame(df, str(path), row_label=label, first_row=first)


def write_table(
    cols: dict[str, np.ndarray], path: str | Path, *, chinese_headers: bool = False
) -> Path:
    """Write columns to CSV, Parquet or xlsx (atomically). ``chinese_headers``: the survey
    template's headers (schema columns only)."""
    import pandas as pd

    p = Path(path)
    s = _suffix(p)
    df = pd.DataFrame({k: np.asarray(v) for k, v in cols.items()})
    if chinese_headers:
        names = {c.key: c.header for c in columns()}
        df = df.rename(columns=lambda k: names.get(k, k))
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    os.close(fd)
    try:
        if s == ".csv":  # opened in Excel/WPS as often as an .xlsx: texts neutralised too
            text = df.select_dtypes(include="object").columns
            df[text] = df[text].map(neutralise)
            df.to_csv(tmp, index=False, encoding="utf-8")
        elif s == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("楼栋调查表" if chinese_headers else "results")
            ws.append([str(c) for c in df.columns])
            for row in df.itertuples(index=False, name=None):
                ws.append([neutralise(_plain(v)) for v in row])
            wb.save(tmp)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v
