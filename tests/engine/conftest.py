"""Engine tests need no Django. Shared fixtures: pinned climates and example paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jigai.engine import Climate, ClimateKind, ClimateProvenance, default_data, parse_retrofit

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "jigai" / "engine" / "examples"


def pinned_climate(name, *, t_e, Z, I_H, I_S, I_E, I_W, I_N, zone="2A") -> Climate:
    """A climate with fixed numbers, so that reference cases do not move when the data
    table is corrected; the numbers are those of data/climate.csv at the time of writing."""
    return Climate(
        name=name,
        zone=zone,
        HDD18=0.0,
        CDD26=0.0,
        Z=Z,
        t_e=t_e,
        I_H=I_H,
        I_S=I_S,
        I_E=I_E,
        I_W=I_W,
        I_N=I_N,
        provenance=ClimateProvenance(ClimateKind.ESTIMATED, "test pin", "estimate—check"),
    )


# data/climate.csv rows as of engine 0.1.0 (阳泉: estimate—check; 太原: recalled—check)
YANGQUAN = pinned_climate("阳泉 pinned", t_e=-0.2, Z=122, I_H=106, I_S=117, I_E=61, I_W=59, I_N=35)
TAIYUAN = pinned_climate("太原 pinned", t_e=-1.1, Z=127, I_H=108, I_S=118, I_E=62, I_W=60, I_N=36)


@pytest.fixture(scope="session")
def data():
    return default_data()


def load_example(name: str):
    return parse_retrofit(json.loads((EXAMPLES / name).read_text(encoding="utf-8")), default_data())


@pytest.fixture(autouse=True)
def messages_in_english():
    """Override the platform's autouse fixture (tests/conftest.py), which needs Django:
    engine tests must run without it."""
    yield
