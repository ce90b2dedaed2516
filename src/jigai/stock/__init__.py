"""Building stocks: typology defaults for survey gaps, the survey row → engine input mapping,
the stock runner (the least-cost package of every building of a table, on Dask when it
outgrows one process) and a synthetic stock generator. Pure Python + numpy (no Django); the
table itself — its columns, reader, validator and writer — is ``jigai.surveytable``."""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
