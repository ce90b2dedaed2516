"""Retrofit-package optimiser throughput: every building × every catalogue package.

    python benchmarks/optimise_stock.py [--small 10000] [--large 1000000] [--workers 2]
                                        [--skip-large]

1. ``--small`` synthetic Yangquan buildings in one process: the whole stock runner
   (survey gaps, table → engine arrays, exact enumeration of the full catalogue, funding,
   savings) — target: a city of 10^4 buildings in under 2 s; once without package rules and
   once with the shipped 2023 programme's (limit look-ups, exemptions, what blocks).
2. ``--large`` buildings on a local Dask cluster (``--workers`` processes, one thread each),
   the table cut into chunks of rows and each chunk into blocks of buildings so that no more
   than ~2·10^6 buildings × packages cells are held per worker — target: within 4 GB.

Peak memory is the peak resident set of this process plus all its children (Dask workers and
nannies), sampled every 0.1 s with psutil. BLAS is pinned to one thread per process.
"""

# ruff: noqa: E402 — BLAS threads must be pinned before numpy is imported
from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import contextlib
import threading
import time

import numpy as np
import psutil

from jigai.engine import climate_for_city
from jigai.engine.measures import default_catalogue
from jigai.engine.policy import NO_RULES, shipped_policy
from jigai.stock import synthetic
from jigai.stock.runner import RunOptions, county_totals, optimise_table


class PeakRSS:
    """Peak RSS [bytes] of this process and its children, sampled in a thread."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = psutil.Process()
        total = me.memory_info().rss
        for c in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += c.memory_info().rss
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(self.interval)

    def __enter__(self):
        self.peak = self._sample()
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self._sample())


def run(n: int, *, workers: int | None, chunk_rows: int, policy=NO_RULES) -> dict:
    opts = RunOptions(climate=climate_for_city("阳泉"), policy=policy)
    P = opts.catalogue.n_packages
    t0 = time.perf_counter()
    table = synthetic.generate(n, seed=2023)
    t_gen = time.perf_counter() - t0
    with PeakRSS() as mem:
        t1 = time.perf_counter()
        res = optimise_table(
            table, opts, workers=workers, chunk_rows=chunk_rows, progress=n >= 100_000
        )
        totals = county_totals(res)
        t = time.perf_counter() - t1
    return {
        "n": n,
        "packages": P,
        "generate_s": t_gen,
        "optimise_s": t,
        "buildings_per_s": n / t,
        "cells_per_s": n * P / t,
        "peak_rss_GB": mem.peak / 1e9,
        "reaching": float(np.mean(res["reaches_threshold"])),
        "cost_yuan_total": int(totals["cost_fen"][-1]) // 100,
    }


def show(label: str, r: dict) -> None:
    print(
        f"{label}: {r['n']:,} buildings × {r['packages']:,} packages in {r['optimise_s']:.2f} s "
        f"({r['buildings_per_s']:,.0f} buildings/s, {r['cells_per_s'] / 1e6:,.1f} M "
        f"package evaluations/s); peak RSS {r['peak_rss_GB']:.2f} GB; "
        f"{r['reaching'] * 100:.1f} % reach η ≥ 0.30; total cost {r['cost_yuan_total']:,} yuan "
        f"(stock generated in {r['generate_s']:.1f} s, not timed)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    cat = default_catalogue()
    print(f"catalogue: {len(cat.measures)} rows, {cat.n_packages} packages per building")
    show("in-process, no package rules", run(args.small, workers=None, chunk_rows=args.small))
    show(
        "in-process, 2023 package rules (walls, roof, windows; limit exemptions; façade)",
        run(args.small, workers=None, chunk_rows=args.small, policy=shipped_policy()),
    )
    if not args.skip_large:
        show(
            f"Dask LocalCluster ({args.workers} workers)",
            run(args.large, workers=args.workers, chunk_rows=20_000),
        )


if __name__ == "__main__":
    main()
