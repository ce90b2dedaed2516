"""Write synthetic EPW files with known answers (used by the tests)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
HEADER_TAIL = [
    "DESIGN CONDITIONS,0",
    "TYPICAL/EXTREME PERIODS,0",
    "GROUND TEMPERATURES,0",
    "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
    "COMMENTS 1,synthetic test file",
    "COMMENTS 2,",
    "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
]


def write_epw(
    path: Path,
    T_daily,
    *,
    G=None,
    B=None,
    D=None,
    lat=37.87,
    lon=113.57,
    tz=8.0,
    elev=742.0,
    diurnal=5.0,
) -> Path:
    """Hourly file from 365 daily means (a zero-mean diurnal sine is added) and optional
    hourly G/B/D arrays (8760 values; default 0)."""
    T_daily = np.asarray(T_daily, dtype=float)
    assert T_daily.size == 365
    zeros = np.zeros(8760)
    G = zeros if G is None else G
    B = zeros if B is None else B
    D = zeros if D is None else D
    lines = [f"LOCATION,Synthetic,SX,CHN,test,999999,{lat},{lon},{tz},{elev}", *HEADER_TAIL]
    k = 0
    for m, nd in enumerate(MONTH_DAYS, start=1):
        for d in range(1, nd + 1):
            doy = sum(MONTH_DAYS[: m - 1]) + d - 1
            for h in range(1, 25):
                t = T_daily[doy] + diurnal * math.sin(2 * math.pi * (h - 0.5) / 24)
                f = [2001, m, d, h, 60, "A7", f"{t:.6f}", "-5.0", "50", "92000", "0", "0", "250"]
                f += [f"{G[k]:.6f}", f"{B[k]:.6f}", f"{D[k]:.6f}"]
                f += ["0", "0", "0", "0", "0", "2.0", "5", "5", "20.0", "77777", "9", "999999999"]
                f += ["0", "0.1", "0", "88", "0.0", "0.0", "0.0"]
                lines.append(",".join(str(x) for x in f))
                k += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def winter_block(cold=-3.0, warm=30.0, start=318, end=68):
    """365 daily means: ``cold`` from day index ``start`` (15 Nov) through ``end`` (10 Mar),
    ``warm`` otherwise."""
    T = np.full(365, warm)
    T[start:] = cold
    T[: end + 1] = cold
    return T
