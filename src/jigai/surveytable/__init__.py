"""The survey table (楼栋调查表), Django-free: its columns (``schema``), the one reader
(``reader.read``: .xlsx, .csv, .parquet), the one vectorised validator (``validate.validate``),
the one safe writer (``writer.save``) and the template (``template.template``). The web
import, ``jigai import_buildings``, ``jigai export_buildings`` and ``jigai stock`` all go
through here, so a cell means the same whichever way it comes in.

    table = load(path_or_bytes, name="盂县.xlsx")   # TableRejected lists every problem
"""

from __future__ import annotations

from jigai.surveytable.problems import Problem, TableRejected
from jigai.surveytable.reader import NO_LIMITS, Limits, RawTable, read
from jigai.surveytable.validate import Table, validate

__all__ = [
    "Limits",
    "Problem",
    "RawTable",
    "Table",
    "TableRejected",
    "load",
    "read",
    "validate",
]


def load(
    source, *, name: str = "", max_bytes: int | None = None, limits: Limits = NO_LIMITS
) -> Table:
    """Read and validate a survey table (a path, or uploaded bytes named ``name``)."""
    return validate(read(source, name=name, max_bytes=max_bytes, limits=limits))
