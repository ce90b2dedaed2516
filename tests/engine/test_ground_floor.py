"""A floor on ground given by layers is a floor on the ground (zone method, 地带法), not an
outside wall: each 2 m zone's R0 (= 1/K of data/ground_zones.csv: 0.47, 0.23, 0.12, 0.07) plus
Σ d/(λ·α) of the insulating layers (λ < 1.16 W/(m·K)); no GB 50176 surface resistances."""

# ruff: noqa: SIM300 — ruff takes the standard's capitalised symbols (K) for constants

from __future__ import annotations

import copy
import json

import pytest

from jigai.engine import EngineInputError, apply_measures, assess, default_data, parse_building
from jigai.engine.ground import zone_areas

from .conftest import EXAMPLES, TAIYUAN

DATA = default_data()
REL = 1e-9
# XPS 50 mm: λ 0.030, α 1.10 → R = 0.05/0.033 = 1.5151515152; cement mortar 20 mm: λ 0.93 < 1.16
# → R = 0.02/0.93 = 0.0215053763; reinforced concrete λ 1.74 ≥ 1.16 → nothing (it is in R0)
R_XPS = 0.05 / (0.030 * 1.10)
R_MORTAR = 0.02 / 0.93


def block_4storey():
    doc = json.loads((EXAMPLES / "block_4storey_heated_stair.json").read_text(encoding="utf-8"))
    return copy.deepcopy(doc["before"])


def floor_of(b):
    return next(e for e in b.elements if e.id == "floor")


def test_zone_areas_of_36_by_12():
    # zone 1: 432 − 32 × 8 = 176; zone 2: 256 − 28 × 4 = 144; zone 3: 112 − 24 × 0 = 112; rest 0
    assert zone_areas(36, 12, (2, 2, 2, float("inf"))) == (176, 144, 112, 0)
    # 30 × 20: 600 − 26 × 16 = 184; 416 − 22 × 12 = 152; 264 − 18 × 8 = 120; core 18 × 8 = 144
    assert zone_areas(30, 20, (2, 2, 2, float("inf"))) == (184, 152, 120, 144)


def test_block_ground_floor_by_layers_uses_the_zone_method():
    """36 × 12 floor, layers concrete 100 mm + XPS 50 mm + mortar 20 mm:
    R_added = 1.5151515152 + 0.0215053763 = 1.5366568915
    K = [176/(1/0.47 + R) + 144/(1/0.23 + R) + 112/(1/0.12 + R)] / 432
      = [176/3.6643164234 + 144/5.8844829784 + 112/9.8699902248] / 432 = 0.1940959579
    (engine 0.1.0 took the layers as an outside wall, R_i 0.11 + R_e 0.04: K 0.5733523633)
    q_Hd (太原 pinned, Δt 19.1) = 0.1940959579 × 432 × 19.1 / 1728 = 0.9268081990"""
    spec = block_4storey()
    spec["constructions"]["floor"] = {
        "layers": [
            {"material": "reinforced_concrete", "d": 0.10},
            {"material": "xps", "d": 0.05},
            {"material": "cement_mortar", "d": 0.02},
        ]
    }
    b = parse_building(spec, "before", DATA)
    R = R_XPS + R_MORTAR
    K = (176 / (1 / 0.47 + R) + 144 / (1 / 0.23 + R) + 112 / (1 / 0.12 + R)) / 432
    assert floor_of(b).K == pytest.approx(K, rel=REL)
    assert floor_of(b).K == pytest.approx(0.19409595789586287, rel=REL)
    assert [z[0] for z in floor_of(b).ground] == [176, 144, 112, 0]
    assert assess(b, TAIYUAN).terms["q_Hd"] == pytest.approx(K * 432 * 19.1 / 1728, rel=REL)
    # a floor on ground has no position (no surface resistances)
    spec["constructions"]["floor"]["position"] = "wall"
    with pytest.raises(EngineInputError) as exc:
        parse_building(spec, "before", DATA)
    assert exc.value.field == "before.constructions.floor.position"


def test_block_ground_floor_given_K_or_nothing():
    spec = block_4storey()
    assert floor_of(parse_building(spec, "b", DATA)).K == pytest.approx(129.28 / 432, rel=REL)
    spec["constructions"]["floor"] = {"K": 0.25, "delta_K": 0.05}
    f = floor_of(parse_building(spec, "b", DATA))
    assert f.K == pytest.approx(0.30, rel=REL) and f.ground is None
    spec["constructions"]["floor"] = {"delta_K": 0.05}
    with pytest.raises(EngineInputError) as exc:
        parse_building(spec, "b", DATA)
    assert exc.value.field == "b.constructions.floor"


def test_insulating_a_zoned_ground_floor_adds_to_every_zone():
    """The uninsulated 36 × 12 floor + XPS 50 mm as a retrofit measure:
    K = [176/(1/0.47 + 1.5151515152) + 144/(1/0.23 + 1.5151515152)
         + 112/(1/0.12 + 1.5151515152)] / 432 — the same as the floor given with that layer,
    and lower than the mean-K shortcut 1/(1/0.2992592593 + 1.5151515152) = 0.2057."""
    b = parse_building(block_4storey(), "b", DATA)
    m = [{"measure": "add_insulation", "elements": "floor", "material": "xps", "thickness": 0.05}]
    after = apply_measures(b, m, "m", DATA)
    K = (176 / (1 / 0.47 + R_XPS) + 144 / (1 / 0.23 + R_XPS) + 112 / (1 / 0.12 + R_XPS)) / 432
    assert floor_of(after).K == pytest.approx(K, rel=REL)
    spec = block_4storey()
    spec["constructions"]["floor"] = {"layers": [{"material": "xps", "d": 0.05}]}
    assert floor_of(parse_building(spec, "b", DATA)).K == pytest.approx(K, rel=REL)
    assert K < 1 / (1 / (129.28 / 432) + R_XPS)


def _detailed(floor):
    return {
        "format": "detailed",
        "storeys": 1,
        "A0": 600.0,
        "V0": 1800.0,
        "elements": [
            {"id": "w", "kind": "wall", "orientation": "S", "area": 300, "K": 0.5},
            {"id": "r", "kind": "roof", "area": 600, "K": 0.3},
            {"id": "f", "kind": "floor", "faces": "ground", "area": 600, **floor},
        ],
    }


def test_detailed_ground_floor_by_layers_needs_length_and_depth():
    with pytest.raises(EngineInputError) as exc:
        parse_building(_detailed({"layers": [{"material": "xps", "d": 0.05}]}), "b", DATA)
    assert exc.value.field == "b.elements[2].length" and "zone method" in exc.value.message
    with pytest.raises(EngineInputError) as exc:
        parse_building(
            _detailed({"layers": [{"material": "xps", "d": 0.05}], "length": 30, "depth": 25}),
            "b",
            DATA,
        )
    assert exc.value.field == "b.elements[2].length" and "750" in exc.value.message


def test_detailed_ground_floor_by_layers_by_hand():
    """30 × 20 = 600 m²: zones 184, 152, 120, 144 m² (see test_zone_areas_of_36_by_12).
    Uninsulated: K = (184·0.47 + 152·0.23 + 120·0.12 + 144·0.07)/600 = 145.92/600 = 0.2432.
    XPS 50 mm: K = [184/(1/0.47 + R) + 152/(1/0.23 + R) + 120/(1/0.12 + R) + 144/(1/0.07 + R)]
    / 600 with R = 1.5151515152 → 0.1628897930."""
    b = parse_building(_detailed({"length": 30, "depth": 20}), "b", DATA)
    assert b.elements[2].K == pytest.approx(145.92 / 600, rel=REL)
    b = parse_building(
        _detailed({"layers": [{"material": "xps", "d": 0.05}], "length": 30, "depth": 20}),
        "b",
        DATA,
    )
    R = R_XPS
    K = (
        184 / (1 / 0.47 + R) + 152 / (1 / 0.23 + R) + 120 / (1 / 0.12 + R) + 144 / (1 / 0.07 + R)
    ) / 600
    assert b.elements[2].K == pytest.approx(K, rel=REL)
    assert K == pytest.approx(0.16288979296408784, rel=REL)
    # a given K stays the mean K, no dimensions needed
    b = parse_building(_detailed({"K": 0.3}), "b", DATA)
    assert b.elements[2].K == 0.3 and b.elements[2].ground is None


def test_length_and_depth_only_on_a_floor_on_ground():
    d = _detailed({"K": 0.3})
    d["elements"][0]["length"] = 10
    with pytest.raises(EngineInputError) as exc:
        parse_building(d, "b", DATA)
    assert exc.value.field == "b.elements[0].length"


def test_detailed_floor_over_outdoor_by_layers_uses_outdoor_surface_resistance():
    """架空楼板, reinforced concrete 120 mm: R_i 0.11 + R_e 0.04 (GB 50176, outdoor air below)
    K = 1/(0.15 + 0.12/1.74) = 4.5653... (engine 0.1.0 used a basement ceiling's R_e 0.06)."""
    d = _detailed({"K": 0.3})
    d["elements"][2] = {
        "id": "f",
        "kind": "floor",
        "faces": "outdoor",
        "area": 600,
        "layers": [{"material": "reinforced_concrete", "d": 0.12}],
    }
    b = parse_building(d, "b", DATA)
    assert b.elements[2].K == pytest.approx(1 / (0.11 + 0.04 + 0.12 / 1.74), rel=REL)
