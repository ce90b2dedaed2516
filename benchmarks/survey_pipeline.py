"""The survey pipeline end to end: a synthetic Yangquan survey of N rows imported as
``jigai import_buildings`` does (``importer.start`` + ``importer.run``: read and validate,
write, screen, assess, one chain) into an empty platform database; and the stock runner on
the same rows, with the ratio.

    .venv/bin/python benchmarks/survey_pipeline.py [--rows 10000 50000]

Each size runs in a fresh process and database (SQLite in a temp folder, or DATABASE_URL).
Each step's time is taken at the job reporter's step boundaries (``Reporter.step`` and
``Reporter.end``); the chain assesses every imported building, so nothing is re-assessed
afterwards. The stock runner (``stock.runner.optimise_table``, one process) optimises the
same rows in one climate (阳泉) and stores nothing; the platform assesses each county in its
own climate and stores every record (inputs, terms, package, Pareto front, funding, limit
check).
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

from _platform import setup_django, survey_workbook


def _time_steps(reporter_class) -> dict[str, list[float]]:
    """Wrap the reporter's step boundaries: {step: [start, end]} in perf_counter seconds."""
    marks: dict[str, list[float]] = {}
    step, end = reporter_class.step, reporter_class.end

    def timed_step(self, key, total=0):
        marks[key] = [time.perf_counter()]
        return step(self, key, total)

    def timed_end(self, key):
        end(self, key)
        marks.setdefault(key, [time.perf_counter()]).append(time.perf_counter())

    reporter_class.step, reporter_class.end = timed_step, timed_end
    return marks


def run_one(n: int) -> None:
    setup_django()
    from django.db import connection

    from jigai.accounts.models import User
    from jigai.buildings import importer
    from jigai.buildings.models import Assessment, ImportJob, Screening
    from jigai.engine import climate_for_city
    from jigai.jobs.progress import Reporter
    from jigai.programmes.services import current_programme
    from jigai.stock.runner import RunOptions, optimise_table
    from jigai.stock.synthetic import generate

    admin = User.objects.get(username="zjj_admin")
    data = survey_workbook(n)
    marks = _time_steps(Reporter)
    t0 = time.perf_counter()
    job = importer.run(importer.start(data, "bench.xlsx", actor=admin))
    total = time.perf_counter() - t0
    assert job.status == ImportJob.Status.DONE, job.errors[:3]
    assert Screening.objects.count() == n
    assert Assessment.objects.filter(is_current=True).count() == n
    steps = {k: marks[k][-1] - marks[k][0] for k in importer.STEPS}
    programme = current_programme()
    opts = RunOptions(
        climate=climate_for_city("阳泉"),
        threshold=float(programme.min_improvement),
        rates=programme.funding_rates,
        policy=programme.package_policy,
    )
    cols = generate(n, seed=2023)
    t1 = time.perf_counter()
    optimise_table(cols, opts, progress=False)
    stock = time.perf_counter() - t1
    assess = steps["assess"]
    print(
        f"{n:>7} rows ({connection.vendor}): read+validate {steps['validate']:5.1f} s, "
        f"write {steps['write']:5.1f} s, screen {steps['screen']:5.1f} s, "
        f"assess {assess:6.1f} s ({assess / n * 1e3:.2f} ms/bld), total {total:6.1f} s "
        f"| stock runner {stock:5.1f} s, assess/stock {assess / stock:.1f}×",
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
