"""Loading of the engine's data tables (CSV files with ``source`` and ``confidence``).

Every number of the standards used by the engine lives in ``jigai/engine/data/*.csv``;
each row carries the ``source`` it was taken from and a ``confidence``:

- ``verified`` — checked against the printed text of the cited source;
- ``project-method`` — as stated in the project's method page (ENERGY_METHOD.md), which
  restates the standard; not re-checked against the printed text;
- ``corroborated—check`` — agrees with an independent transcription of the cited table (named
  in the source), not checked against the printed text;
- ``recalled—check`` — a standard's value recalled by the author, not verified;
- ``estimate—check`` — an engineering estimate, not from a standard;
- ``assumption`` — a programme or modelling assumption;
- ``given-by-project`` — supplied by the project (e.g. climate normals quoted in its brief).

A project may override any table with its own CSV of the same columns (rows with the
same key replace the shipped rows; new keys are added).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

from .errors import EngineInputError

CONFIDENCE_LEVELS = (
    "verified",
    "project-method",
    "corroborated—check",
    "recalled—check",
    "estimate—check",
    "assumption",
    "given-by-project",
)


def _read_csv(text: str, origin: str, required: Iterable[str]) -> list[dict[str, str]]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    fields = reader.fieldnames or []
    missing = [c for c in (*required, "source", "confidence") if c not in fields]
    if missing:
        raise EngineInputError(origin, f"missing column(s) {', '.join(missing)}")
    rows = []
    for i, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            raise EngineInputError(f"{origin}:{i}", "wrong number of columns")
        if row["confidence"] not in CONFIDENCE_LEVELS:
            raise EngineInputError(
                f"{origin}:{i}",
                f"confidence {row['confidence']!r} is not one of {', '.join(CONFIDENCE_LEVELS)}",
            )
        if not row["source"].strip():
            raise EngineInputError(f"{origin}:{i}", "empty source")
        rows.append({k: v.strip() for k, v in row.items()})
    return rows


@cache
def _shipped(name: str) -> str:
    return resources.files("jigai.engine").joinpath("data", name).read_text(encoding="utf-8")


@cache
def _shipped_rows(name: str, required: tuple[str, ...]) -> tuple[dict[str, str], ...]:
    """The parsed rows of a shipped table, read and checked once per process."""
    return tuple(_read_csv(_shipped(name), f"data/{name}", required))


def load_table(
    name: str, *, key: str, required: Iterable[str] = (), override: str | Path | None = None
) -> dict[str, dict[str, str]]:
    """Rows of shipped table ``data/<name>``, keyed by column ``key``.

    ``override`` is a project CSV of the same columns whose rows replace or extend the
    shipped ones. The shipped file is parsed once per process (the rows returned are
    copies, so a caller may change them); an override file is read at every call.
    """
    req = (key, *required)
    table = {r[key]: dict(r) for r in _shipped_rows(name, req)}
    if override is not None:
        p = Path(override)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise EngineInputError(str(p), f"cannot read override table: {exc}") from exc
        for r in _read_csv(text, p.name, req):
            table[r[key]] = r
    return table


def as_float(row: dict[str, str], col: str, origin: str) -> float:
    """Column ``col`` of ``row`` as a float, with a clear error naming the row."""
    try:
        return float(row[col])
    except (KeyError, ValueError) as exc:
        raise EngineInputError(f"{origin}.{col}", f"not a number: {row.get(col)!r}") from exc
