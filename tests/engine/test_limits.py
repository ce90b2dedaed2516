"""The advisory limit table: read once, and its rows checked against the limits in force."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from jigai.engine import assess_retrofit, default_data, parse_building, tables
from jigai.engine.limits import check_limits, find_limit, limit_class

from .conftest import TAIYUAN, YANGQUAN, load_example


def test_retrofit_assessment_reads_no_table_after_the_first(monkeypatch):
    """The limit table (and every shipped table) is parsed once per process, not per
    element: after a first assessment, a second one parses no CSV at all."""
    r = load_example("walkup_brick_6storey.json")
    assess_retrofit(r, YANGQUAN)
    calls = []
    real = tables._read_csv

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "_read_csv", counting)
    res = assess_retrofit(r, YANGQUAN)
    assert calls == []
    # the check itself still ran: 11 retrofitted elements (4 walls + stairwell wall, 3 windows,
    # the entrance doors, roof, basement ceiling) + the shape factor
    assert len(res.limits) == 12


# ---------------------------------------------------------------------------------------
# the rows in force (GB 55015-2021 where it differs from JGJ 26-2018)


@pytest.mark.parametrize(
    ("zone", "element", "storeys", "wwr", "K_max"),
    [
        ("2A", "roof", 6, 0.0, 0.25),  # GB 55015-2021; JGJ 26-2018 and engine 0.1.0: 0.30
        ("2A", "roof", 3, 0.0, 0.25),
        ("2A", "wall", 6, 0.0, 0.45),
        ("2A", "wall", 2, 0.0, 0.35),
        ("2A", "basement_ceiling", 6, 0.0, 0.50),
        ("2A", "floor_over_outdoor", 3, 0.0, 0.35),
        ("2A", "window", 6, 0.0, 2.2),
        ("2A", "window", 6, 0.30, 2.2),  # 窗墙面积比 ≤ 0.30
        ("2A", "window", 6, 0.35, 2.0),  # 0.30 < 窗墙面积比 ≤ 0.50
        ("2A", "window", 3, 0.25, 1.8),
        ("2A", "window", 3, 0.45, 1.5),
        ("2A", "skylight", 6, 0.0, 1.8),
        ("2A", "flat_door", 6, 0.0, 2.0),  # 户门, not 单元外门
        ("2A", "shape_factor", 3, 0.0, 0.57),  # engine 0.1.0: JGJ 26-2010's 0.52
        ("2A", "shape_factor", 4, 0.0, 0.33),
        ("2B", "roof", 6, 0.0, 0.30),
        ("2B", "wall", 6, 0.0, 0.45),
        ("1C", "roof", 6, 0.0, 0.20),
        ("1C", "wall", 6, 0.0, 0.40),
        ("1C", "shape_factor", 2, 0.0, 0.55),
    ],
)
def test_limits_in_force(zone, element, storeys, wwr, K_max):
    row = find_limit(zone, element, storeys, wwr)
    assert float(row["K_max"]) == K_max
    assert row["standard"] == "GB 55015-2021" and row["table_row"]


@pytest.mark.parametrize(
    ("zone", "element", "storeys", "wwr", "kw"),
    [
        ("2A", "window", 6, 0.55, {}),  # above the table's WWR range
        ("2A", "entrance_door", 6, 0.0, {}),  # 单元外门: no K limit
        ("2A", "floor_on_ground", 6, 0.0, {}),
        ("1A", "wall", 6, 0.0, {}),  # zone not in the table
        ("1C", "window", 6, 0.2, {}),  # 1C windows not entered
        ("2A", "wall", 6, 0.0, {"building_type": "public"}),
    ],
)
def test_no_row_means_no_limit(zone, element, storeys, wwr, kw):
    assert find_limit(zone, element, storeys, wwr, **kw) is None


def test_every_row_cites_standard_table_and_row_honestly():
    text = resources.files("jigai.engine").joinpath("data", "envelope_limits.csv").read_text()
    rows = list(csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#")))
    assert len(rows) == 39
    for r in rows:
        assert r["standard"] == "GB 55015-2021" and r["table_row"], r["key"]
        assert "GB 55015-2021" in r["source"] and "Table" in r["source"], r["key"]
        # nothing was checked against the printed text: no row may claim it was
        assert r["confidence"] in ("corroborated—check", "recalled—check"), r["key"]
        assert r["building_type"] == "residential"


def test_walkup_retrofit_limits():
    """Walk-up after retrofit (6 storeys, zone 2A): walls K 0.3896 ≤ 0.45 ok; roof + XPS 100 mm
    K = 1/(1/1.26 + 0.10/0.033) = 0.2615094340 > 0.25 → exceeds the GB 55015-2021 limit (it
    met JGJ 26-2018's 0.30); windows K 1.9 ≤ 2.2 (front WWR 0.30) ok; basement ceiling 0.7680 >
    0.50 exceeds; the stairwell entrance doors have no K limit (not 户门); shape factor
    2469.6/8467.2 = 0.2916666667 ≤ 0.33 ok."""
    r = load_example("walkup_brick_6storey.json")
    lim = {x["id"]: x for x in assess_retrofit(r, YANGQUAN).limits}
    assert lim["wall-front"]["K_max"] == 0.45 and lim["wall-front"]["ok"] is True
    assert lim["roof"]["K_max"] == 0.25 and lim["roof"]["ok"] is False
    assert lim["roof"]["K"] == pytest.approx(1 / (1 / 1.26 + 0.10 / 0.033), rel=1e-12)
    assert lim["roof"]["table_row"].startswith("Table 3.1.8-4")
    assert lim["win-front"]["K_max"] == 2.2 and lim["win-front"]["ok"] is True
    assert lim["win-front"]["wwr"] == pytest.approx(0.30)
    assert lim["floor"]["K_max"] == 0.50 and lim["floor"]["ok"] is False
    door = lim["stair-door"]
    assert door["class"] == "entrance_door" and door["K_max"] is None and door["ok"] is None
    assert "户门" in door["source"] and "单元外门" in door["source"]
    sf = lim["shape_factor"]
    assert sf["K"] == pytest.approx(2469.6 / 8467.2) and sf["K_max"] == 0.33 and sf["ok"] is True


def test_low_rise_shape_factor_uses_057():
    """A 2-storey block 12 × 10 m, storey 2.8 m: F0 = 2 × (12 + 10) × 5.6 + 120 = 366.4 m²,
    V0 = 120 × 5.6 = 672 m³, S = 0.5452380952: meets 0.57 (GB 55015-2021; JGJ 26-2018), would
    have 'exceeded' JGJ 26-2010's 0.52 used by engine 0.1.0."""
    spec = {
        "format": "block",
        "length": 12,
        "depth": 10,
        "storeys": 2,
        "storey_height": 2.8,
        "floor": "ground",
        "constructions": {
            "wall": {"K": 1.5},
            "roof": {"K": 1.0},
            "window": {"type": "steel_single"},
        },
    }
    b = parse_building(spec, "b", default_data())
    sf = check_limits(b, b, "2A")[-1]
    assert sf["K"] == pytest.approx(366.4 / 672, rel=1e-12)
    assert sf["K_max"] == 0.57 and sf["ok"] is True


def test_public_building_gets_no_residential_limits():
    r = load_example("public_office_detailed.json")
    res = assess_retrofit(r, TAIYUAN)
    assert res.limits and all(x["K_max"] is None and x["ok"] is None for x in res.limits)
    assert all("public buildings" in x["source"] for x in res.limits)


def test_limit_class_of_every_kind():
    r = load_example("block_4storey_heated_stair.json")
    b = r.before
    classes = {e.id: limit_class(b, e) for e in b.elements}
    assert classes["wall-front"] == "wall" and classes["win-front"] == "window"
    assert classes["stair-door"] == "entrance_door" and classes["floor"] == "floor_on_ground"
    assert classes["roof"] == "roof"
