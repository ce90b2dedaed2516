"""Validating a survey table: the one validator of the web import, ``jigai import_buildings``
and ``jigai stock``, column by column on whole arrays.

Each cell is read the same way whatever the entry point and the file format:
- a number may carry a thousands separator (``1,200.5``); it must be finite, within the
  column's range, and whole in an integer column (``3.0`` is 3, ``3.5`` is refused);
- a yes/no cell is one of ``schema.YES_WORDS`` / ``schema.NO_WORDS`` (是/否, ✓/×, 1/0, 1.0/0.0,
  true/false, as typed or as the spreadsheet stores it);
- a choice is its code or its Chinese label;
- a text is stripped; a whole number typed into a text cell reads without ``.0`` (楼号 3);
- a required cell may not be empty.
Across rows: no two rows are the same building (county, community, number) or carry the
same real-estate unit code, and the consenting households are not more than the households.

Every problem of every row is reported at once (``TableRejected``); nothing is returned
from a table with a problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jigai.surveytable.problems import N_, Problem, TableRejected
from jigai.surveytable.reader import RawTable
from jigai.surveytable.schema import (
    FORMAT_CHARACTERS,
    KEY_COLUMNS,
    KEY_TEXT_COLUMNS,
    NO_WORDS,
    YES_WORDS,
    Column,
    columns,
    normalise_key,
    unguard,
)


@dataclass
class Table:
    """A valid survey table as typed arrays under the schema's keys.

    Numbers are float arrays with NaN for an empty cell (an integer column that is required
    and complete is int64); yes/no cells are objects True/False/None; choices are codes ("" if
    empty); texts are str. Every schema column is present (all empty if the file lacks it)."""

    columns: dict[str, np.ndarray]
    rows: np.ndarray  # each row's number in the file
    headers: dict[str, str]  # key → the column's header in the file
    source: str

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict]:
        """Rows as dicts of plain Python values: int/float/bool/str, None when empty."""
        plain = {}
        for col in columns():
            values = self.columns[col.key]
            if col.kind in ("int", "decimal"):
                cast = int if col.kind == "int" else float
                plain[col.key] = [None if v != v else cast(v) for v in values.tolist()]
            else:
                plain[col.key] = [None if v in (None, "") else v for v in values.tolist()]
        keys = list(plain)
        return [dict(zip(keys, vals, strict=True)) for vals in zip(*plain.values(), strict=True)]


def _text(value) -> str:
    """A cell as the user typed (an exported cell's formula guard taken off)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unguard(value.strip())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return _text(value.item())
    return str(value)


def validate(raw: RawTable) -> Table:
    """Typed columns of ``raw``, or ``TableRejected`` listing every problem."""
    n = len(raw)
    problems: list[Problem] = []
    out: dict[str, np.ndarray] = {}
    rows = raw.rows

    def report(mask, col: Column, message: str, values=lambda i: {}):
        header = raw.headers[col.key]
        for i in np.flatnonzero(mask):
            problems.append(Problem(int(rows[i]), header, message, values(i)))

    texts: dict[str, np.ndarray] = {}
    for col in columns():
        if col.key not in raw.cells:
            numeric = col.kind in ("int", "decimal")
            out[col.key] = np.full(n, np.nan) if numeric else np.full(n, None, dtype=object)
            if col.kind == "choice":
                out[col.key] = np.full(n, "", dtype=object)
            continue
        text = np.array([_text(v) for v in raw.cells[col.key]], dtype=object)
        if col.kind in ("text", "choice"):
            hidden = np.fromiter(
                (FORMAT_CHARACTERS.search(t) is not None for t in text), dtype=bool, count=n
            )
            report(
                hidden,
                col,
                N_("“%(v)s” holds an invisible character (%(c)s): delete it and import again"),
                lambda i, t=text: {
                    "v": FORMAT_CHARACTERS.sub("", t[i]),
                    "c": ", ".join(
                        sorted({f"U+{ord(ch):04X}" for ch in FORMAT_CHARACTERS.findall(t[i])})
                    ),
                },
            )
            if col.key in KEY_TEXT_COLUMNS:
                text = np.array([normalise_key(t) for t in text], dtype=object)
        texts[col.key] = text
        blank = text == ""
        if col.required:
            report(blank, col, N_("required"))
        cell = lambda i, t=text: {"v": t[i]}  # noqa: E731
        if col.kind in ("int", "decimal"):
            v = np.array(
                pd.to_numeric(
                    pd.Series(text, dtype=object).str.replace(",", "", regex=False).where(~blank),
                    errors="coerce",
                ),
                dtype=float,
            )
            bad = ~blank & ~np.isfinite(v)
            report(bad, col, N_("“%(v)s” is not a number"), cell)
            v[bad] = np.nan
            if col.kind == "int":
                frac = ~blank & ~bad & (v != np.floor(v))
                report(frac, col, N_("“%(v)s” is not a whole number"), cell)
            ok = ~blank & ~bad
            outside = ok & (
                (v < col.minimum if col.minimum is not None else False)
                | (v > col.maximum if col.maximum is not None else False)
            )
            report(
                outside,
                col,
                N_("%(v)s is outside %(a)g–%(b)g"),
                lambda i, t=text, c=col: {"v": t[i], "a": c.minimum, "b": c.maximum},
            )
            complete = col.required and col.kind == "int" and not (blank | bad).any()
            out[col.key] = v.astype(np.int64) if complete else v
        elif col.kind == "bool":
            low = np.array([t.lower() for t in text], dtype=object)
            yes = np.isin(low, list(YES_WORDS))
            no = np.isin(low, list(NO_WORDS))
            report(~blank & ~yes & ~no, col, N_("“%(v)s” is not 是 or 否"), cell)
            out[col.key] = np.where(yes, True, np.where(no, False, None)).astype(object)
        elif col.kind == "choice":
            to_code = {v: v for v, _label in col.choices} | {label: v for v, label in col.choices}
            codes = np.array([to_code.get(t, None if t else "") for t in text], dtype=object)
            labels = "、".join(label for _v, label in col.choices)
            report(
                codes == None,  # noqa: E711 (elementwise)
                col,
                N_("“%(v)s” is not one of: %(c)s"),
                lambda i, t=text, c=labels: {"v": t[i], "c": c},
            )
            codes[codes == None] = ""  # noqa: E711
            out[col.key] = codes
        else:
            if col.max_length:
                long = np.fromiter((len(t) for t in text), dtype=np.int64, count=n)
                report(
                    long > col.max_length,
                    col,
                    N_("longer than %(n)d characters"),
                    lambda i, c=col: {"n": c.max_length},
                )
            out[col.key] = text
    problems += _across_rows(raw, out, texts)
    if problems:
        raise TableRejected(problems, source=raw.source)
    return Table(out, rows, raw.headers, raw.source)


def _first_of_duplicates(keys: pd.DataFrame, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows (indices) repeating an earlier row's key, and the index of that earlier row."""
    frame = keys[usable]
    repeat = frame.duplicated(keep="first").to_numpy()
    first = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    first_index = pd.Series(frame.index.to_numpy()).groupby(first).transform("first").to_numpy()
    return frame.index.to_numpy()[repeat], first_index[repeat]


def _across_rows(raw: RawTable, out: dict, texts: dict) -> list[Problem]:
    problems = []
    rows = raw.rows
    if all(k in texts for k in KEY_COLUMNS):
        keys = pd.DataFrame({k: texts[k] for k in KEY_COLUMNS})
        usable = np.all([texts[k] != "" for k in KEY_COLUMNS], axis=0)
        for i, j in zip(*_first_of_duplicates(keys, usable), strict=True):
            problems.append(
                Problem(
                    int(rows[i]),
                    raw.headers["building_no"],
                    N_("the same building as row %(r)d"),
                    {"r": int(rows[j])},
                )
            )
    if "bdc_code" in texts:
        codes = pd.DataFrame({"bdc_code": texts["bdc_code"]})
        for i, j in zip(*_first_of_duplicates(codes, texts["bdc_code"] != ""), strict=True):
            problems.append(
                Problem(
                    int(rows[i]),
                    raw.headers["bdc_code"],
                    N_("the same code as row %(r)d"),
                    {"r": int(rows[j])},
                )
            )
    if "consent_households" in texts and "households" in texts:
        more = out["consent_households"] > out["households"]  # NaN compares False
        for i in np.flatnonzero(more):
            problems.append(
                Problem(
                    int(rows[i]),
                    raw.headers["consent_households"],
                    N_("more consenting households than households"),
                )
            )
    return problems
