"""Engine throughput: building assessments per second, vectorised vs the single-building loop.

    python benchmarks/engine_throughput.py [--sizes 10000 100000 1000000] [--loop-sample 2000]

For each stock size N the stock (struct of arrays) is built once from a few hundred random
block-shorthand buildings with randomised K values and per-building climates; the timed part
is ``assess_stock`` (every term, seasonal figures). The loop figure times ``assess`` on a
sample of Building objects and extrapolates to N. Peak memory is the tracemalloc peak of the
assessment call (numpy reports its buffers to tracemalloc) and the size of the stock arrays.
BLAS is pinned to one thread so that the figures are for one core.

The first line is the time of one ``assess_retrofit`` (q_H before and after, η and the
advisory limit check) of the walk-up example ``examples/walkup_brick_6storey.json`` — the
platform's per-building call.
"""

# ruff: noqa: E402 — BLAS threads must be pinned before numpy is imported
from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import time
import tracemalloc
from dataclasses import replace
from importlib import resources

import numpy as np

from jigai.engine import (
    StockArrays,
    assess,
    assess_retrofit,
    assess_stock,
    climate_for_city,
    default_data,
    expand_block,
    parse_retrofit,
)
from jigai.engine.vector import ClimateArrays, climate_arrays


def retrofit_assessment_ms(repeats: int = 500) -> float:
    """Mean time of one ``assess_retrofit`` of the walk-up example [ms] (best of 3 runs)."""
    data = default_data()
    text = (
        resources.files("jigai.engine")
        .joinpath("examples", "walkup_brick_6storey.json")
        .read_text(encoding="utf-8")
    )
    retrofit = parse_retrofit(json.loads(text), data)
    climate = climate_for_city("阳泉")
    assess_retrofit(retrofit, climate, data=data)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(repeats):
            assess_retrofit(retrofit, climate, data=data)
        best = min(best, (time.perf_counter() - t0) / repeats)
    return best * 1e3


def random_blocks(n: int, rng: np.random.Generator):
    data = default_data()
    out = []
    for _ in range(n):
        spec = {
            "format": "block",
            "length": float(rng.uniform(15, 90)),
            "depth": float(rng.uniform(9, 16)),
            "storeys": int(rng.integers(2, 8)),
            "storey_height": 2.8,
            "azimuth": float(rng.uniform(0, 360)),
            "wwr": {k: float(rng.uniform(0, 0.4)) for k in ("front", "right", "back", "left")},
            "floor": str(rng.choice(["ground", "unheated_basement_with_windows"])),
            "constructions": {
                "wall": {"K": float(rng.uniform(0.3, 2.0))},
                "roof": {"K": float(rng.uniform(0.25, 1.5))},
                "window": {"K": float(rng.uniform(1.5, 6.4)), "shgc": 0.6},
                "floor": {"K": float(rng.uniform(0.5, 3.5))},
            },
            "stairwell": {"heated": bool(rng.integers(0, 2)), "count": 2, "width": 2.6},
        }
        out.append(expand_block(spec, "b", data))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--loop-sample", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(2023)
    data = default_data()
    base_buildings = random_blocks(300, rng)
    base = StockArrays.from_buildings(base_buildings, data=data)
    climate = climate_for_city("阳泉")

    # single-building loop on a sample
    sample = [base_buildings[i] for i in rng.integers(0, len(base_buildings), args.loop_sample)]
    assess(sample[0], climate, data=data)
    t0 = time.perf_counter()
    for b in sample:
        assess(b, climate, data=data)
    loop_rate = len(sample) / (time.perf_counter() - t0)

    print(f"engine throughput (one core; numpy {np.__version__})")
    print(
        f"one assess_retrofit (walk-up example, with limit check): {retrofit_assessment_ms():.3f} ms"
    )
    print(f"single-building loop: {loop_rate:,.0f} assessments/s (sample of {len(sample)})")
    hdr = f"{'N':>10} {'vector [/s]':>14} {'time [s]':>9} {'loop est. [s]':>14} {'speed-up':>9} {'peak assess [MB]':>17} {'stock [MB]':>11}"
    print(hdr)
    for n in args.sizes:
        idx = rng.integers(0, base.n, n)
        stock = base.take(idx)
        stock = replace(stock, K=stock.K * rng.uniform(0.8, 1.2, stock.K.shape))
        ca = climate_arrays(climate, n)
        ca = ClimateArrays(ca.t_e + rng.uniform(-2, 2, n), ca.Z, np.array(ca.I))
        stock_mb = (
            sum(
                getattr(stock, f).nbytes
                for f in (
                    "F",
                    "K",
                    "eps",
                    "shgc",
                    "b",
                    "A0",
                    "V0",
                    "V_factor",
                    "N_ach",
                    "t_n",
                    "q_IH",
                )
            )
            / 1e6
        )
        assess_stock(
            stock.take(np.arange(min(n, 1000))),
            ClimateArrays(ca.t_e[:1000], ca.Z[:1000], ca.I[:1000]),
            data=data,
        )
        best = float("inf")
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            assess_stock(stock, ca, data=data)
            best = min(best, time.perf_counter() - t0)
        tracemalloc.start()
        assess_stock(stock, ca, data=data)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rate = n / best
        print(
            f"{n:>10,} {rate:>14,.0f} {best:>9.3f} {n / loop_rate:>14.1f} {rate / loop_rate:>9.0f} "
            f"{peak / 1e6:>17.1f} {stock_mb:>11.1f}"
        )
        del stock


if __name__ == "__main__":
    main()
