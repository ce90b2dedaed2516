"""The survey pipeline end to end: a synthetic Yangquan survey of N rows imported (as
``jigai import_buildings`` does: ``importer.start`` + ``importer.run``), screened and assessed
into an empty platform database; and the stock runner on the same rows, with the ratio.

    .venv/bin/python benchmarks/survey_pipeline.py [--rows 10000 50000]

Each size runs in a fresh process and database (SQLite in a temp folder, or DATABASE_URL).
Import time excludes the screening that ``importer.run`` does at its end, which is timed on
its own; assessment is ``assessment.assess_buildings`` on every building. The stock runner
(``stock.runner.optimise_table``, one process) optimises the same rows in one climate (阳泉)
and stores nothing; the platform assesses each county in its own climate and stores every
record (inputs, terms, package, Pareto front, funding, limit check).
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

from _platform import setup_django, survey_workbook


def run_one(n: int) -> None:
    setup_django()
    from django.db import connection

    from jigai.accounts.models import User
    from jigai.buildings import importer
    from jigai.buildings.assessment import assess_buildings
    from jigai.buildings.models import Assessment, Building
    from jigai.engine import climate_for_city
    from jigai.programmes.services import current_programme
    from jigai.stock.runner import RunOptions, optimise_table
    from jigai.stock.synthetic import generate

    admin = User.objects.get(username="zjj_admin")
    data = survey_workbook(n)
    screen_time = []
    screen_imported = importer._screen_imported

    def timed_screen(plan, actor):
        t = time.perf_counter()
        screen_imported(plan, actor)
        screen_time.append(time.perf_counter() - t)

    importer._screen_imported = timed_screen
    t0 = time.perf_counter()
    job = importer.run(importer.start(data, "bench.xlsx", actor=admin), data)
    t1 = time.perf_counter()
    assert job.status == "done", job.errors[:3]
    programme = current_programme()
    counts = assess_buildings(programme, Building.objects.all(), actor=admin)
    t2 = time.perf_counter()
    assert Assessment.objects.filter(is_current=True).count() == n
    screen = screen_time[0] if screen_time else 0.0
    total = t2 - t0
    cols = generate(n, seed=2023)
    opts = RunOptions(
        climate=climate_for_city("阳泉"),
        threshold=float(programme.min_improvement),
        rates=programme.funding_rates,
        policy=programme.package_policy,
    )
    t3 = time.perf_counter()
    optimise_table(cols, opts, progress=False)
    stock = time.perf_counter() - t3
    print(
        f"{n:>7} rows ({connection.vendor}): import {t1 - t0 - screen:6.1f} s, "
        f"screen {screen:5.1f} s, assess {t2 - t1:6.1f} s ({(t2 - t1) / n * 1e3:.2f} ms/bld), "
        f"total {total:6.1f} s | stock runner {stock:5.1f} s, assess/stock {(t2 - t1) / stock:.1f}× "
        f"| {dict(counts)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.rows[0])
        return
    for n in args.rows:  # a fresh process and database per size
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--one", "--rows", str(n)], check=True
        )


if __name__ == "__main__":
    main()
