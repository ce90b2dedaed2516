"""Survey import throughput: a 10,000-row workbook (synthetic Yangquan stock)
validated and written into an empty database, then the same file again.

    .venv/bin/python benchmarks/survey_import.py [--rows 10000]

Prints the wall time of each phase (read, validate, write + screen) and rows/s.
"""

import argparse
import time

from _platform import setup_django, survey_workbook


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    from jigai import surveytable
    from jigai.accounts.models import User
    from jigai.buildings import importer

    admin = User.objects.get(username="zjj_admin")
    data = survey_workbook(args.rows)
    print(f"database: {connection.vendor}; workbook: {args.rows} rows, {len(data) / 1e6:.1f} MB")
    for attempt in ("first import", "same file again"):
        t0 = time.perf_counter()
        raw = surveytable.load(data, name="bench.xlsx", max_bytes=settings.IMPORT_MAX_BYTES)
        t1 = time.perf_counter()
        job = importer.start(data, "bench.xlsx", actor=admin)
        job = importer.run(job)
        t2 = time.perf_counter()
        print(
            f"{attempt:>16}: {job.status}, created {job.created}, updated {job.updated}, "
            f"unchanged {job.unchanged}; read {t1 - t0:.2f} s, full import {t2 - t1:.2f} s "
            f"({len(raw) / (t2 - t1):,.0f} rows/s)"
        )


if __name__ == "__main__":
    main()
