"""SHGC is never silently 0: a window given by K takes the SHGC of its type, or is refused
naming the field; doors stay opaque."""

from __future__ import annotations

import copy
import json

import pytest

from jigai.engine import EngineInputError, default_data, parse_building, parse_retrofit
from jigai.engine.building import ElementKind
from jigai.engine.cli import main

from .conftest import EXAMPLES

DATA = default_data()


def walkup():
    return json.loads((EXAMPLES / "walkup_brick_6storey.json").read_text(encoding="utf-8"))


def windows_of(b):
    return [e for e in b.elements if e.kind is ElementKind.WINDOW]


def test_replace_windows_by_K_alone_is_refused_naming_the_field():
    doc = walkup()
    doc["measures"] = [{"measure": "replace_windows", "K": 2.5}]
    with pytest.raises(EngineInputError) as exc:
        parse_retrofit(doc, DATA)
    assert exc.value.field == "measures[0].shgc"
    assert "shgc" in exc.value.message and "window type" in exc.value.message


def test_replace_windows_K_alone_via_cli_exits_2_and_prints_nothing(capsys, tmp_path):
    doc = walkup()
    doc["measures"] = [
        {"measure": "add_insulation", "elements": "walls", "material": "eps", "thickness": 0.08},
        {"measure": "replace_windows", "K": 2.5},
    ]
    f = tmp_path / "r.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    rc = main(["assess", str(f)])
    out, err = capsys.readouterr()
    assert rc == 2 and out == ""
    assert "measures[1].shgc" in err


def test_replace_windows_K_with_type_keeps_the_type_shgc():
    doc = walkup()
    doc["measures"] = [{"measure": "replace_windows", "window": "pvc_double_clear", "K": 2.5}]
    after = parse_retrofit(doc, DATA).after
    wins = windows_of(after)
    assert len(wins) == 3  # front, back and stairwell windows
    for w in wins:
        assert w.K == 2.5  # the given K replaces the type's 2.7
        assert w.shgc == DATA.window("pvc_double_clear").shgc > 0


def test_replace_windows_K_and_shgc_are_used_as_given():
    doc = walkup()
    doc["measures"] = [{"measure": "replace_windows", "K": 2.5, "shgc": 0.6}]
    for w in windows_of(parse_retrofit(doc, DATA).after):
        assert (w.K, w.shgc) == (2.5, 0.6)


@pytest.mark.parametrize(
    ("measure", "field"),
    [
        ({"measure": "replace_windows", "K": 2.5, "shgc": 1.2}, "measures[0].shgc"),
        ({"measure": "replace_windows", "shgc": 0.5}, "measures[0].K"),
        ({"measure": "replace_windows", "window": "velux"}, "measures[0].type"),
        (
            {"measure": "replace_windows", "elements": "doors", "K": 2, "shgc": 0.5},
            "measures[0].elements",
        ),
        ({"measure": "replace_doors", "door": "insulated_door", "shgc": 0.3}, "measures[0].shgc"),
        ({"measure": "replace_doors"}, "measures[0].K"),
        ({"measure": "replace_doors", "elements": "windows", "K": 2.0}, "measures[0].elements"),
    ],
)
def test_bad_window_and_door_measures_are_refused(measure, field):
    doc = walkup()
    doc["measures"] = [measure]
    with pytest.raises(EngineInputError) as exc:
        parse_retrofit(doc, DATA)
    assert exc.value.field == field


def test_replace_doors_by_K_alone_is_fine():
    doc = walkup()
    doc["measures"] = [{"measure": "replace_doors", "K": 1.8}]
    after = parse_retrofit(doc, DATA).after
    doors = [e for e in after.elements if e.kind is ElementKind.DOOR]
    assert [d.K for d in doors] == [1.8] and doors[0].shgc == 0.0


def test_block_window_by_K_alone_is_refused():
    doc = walkup()
    b = copy.deepcopy(doc["before"])
    b["constructions"]["window"] = {"K": 2.7}
    with pytest.raises(EngineInputError) as exc:
        parse_building(b, "before", DATA)
    assert exc.value.field == "before.constructions.window.shgc"
    b["constructions"]["window"] = {"type": "wood_single", "K": 4.5}
    wins = windows_of(parse_building(b, "before", DATA))
    assert {(w.K, w.shgc) for w in wins} == {(4.5, DATA.window("wood_single").shgc)}
    # doors given by K alone stay accepted (opaque); a door with an SHGC is refused
    b["constructions"]["door"] = {"K": 3.0}
    assert parse_building(b, "before", DATA).elements
    b["constructions"]["door"] = {"K": 3.0, "shgc": 0.4}
    with pytest.raises(EngineInputError) as exc:
        parse_building(b, "before", DATA)
    assert exc.value.field == "before.constructions.door.shgc"


def _detailed(window):
    return {
        "format": "detailed",
        "storeys": 1,
        "A0": 100.0,
        "V0": 300.0,
        "elements": [
            {"id": "w", "kind": "wall", "orientation": "S", "area": 40.0, "K": 1.0},
            {"id": "win", "kind": "window", "orientation": "S", "area": 8.0, "host": "w", **window},
            {"id": "d", "kind": "door", "orientation": "S", "area": 2.0, "K": 3.0, "host": "w"},
        ],
    }


def test_detailed_window_by_K_alone_is_refused_and_type_gives_shgc():
    with pytest.raises(EngineInputError) as exc:
        parse_building(_detailed({"K": 2.7}), "before", DATA)
    assert exc.value.field == "before.elements[1].shgc"
    b = parse_building(_detailed({"type": "pvc_lowe_double", "K": 1.7}), "before", DATA)
    win = b.elements[1]
    assert (win.K, win.shgc) == (1.7, DATA.window("pvc_lowe_double").shgc)
    b = parse_building(_detailed({"K": 2.7, "shgc": 0.0}), "before", DATA)
    assert b.elements[1].shgc == 0.0  # an explicit 0 (e.g. a fully shaded window) is allowed
    assert b.elements[2].K == 3.0 and b.elements[2].shgc == 0.0


def test_walkup_window_replacement_eta_by_hand():
    """Walk-up (reference case 1, 阳泉 pinned): only the windows replaced, K 2.5.

    Before: q_H = 35.4411598469, of which q_Hmc = 25386.38676/3024 = 8.3949691667.
    After, windows K 2.5 (the entrance doors keep K 5.8), Σ I·F of the windows = 33473.16:
      losses 2.5·375.984·18.2 + 2.5·13.608·12.2 + 5.8·6.3·12.2 = 17968.104
      - given SHGC 0.6 (C = 0.42): q_Hmc = (17968.104 − 14058.7272)/3024 = 1.2927833333,
        q_H = 35.4411598469 − 8.3949691667 + 1.2927833333 = 28.3389740135, η = 0.2003937
      - type pvc_double_clear with K 2.5 (glazing SHGC 0.75, C = 0.525):
        q_Hmc = (17968.104 − 17573.409)/3024 = 0.1305208333, q_H = 27.1767115135, η = 0.2331879
    Engine 0.1.0 took K alone as SHGC 0 (q_Hmc = 17968.104/3024 = 5.9418333333, η ≈ 0.096).
    """
    from jigai.engine import assess_retrofit

    from .conftest import YANGQUAN

    doc = walkup()
    doc["measures"] = [{"measure": "replace_windows", "K": 2.5, "shgc": 0.6}]
    res = assess_retrofit(parse_retrofit(doc, DATA), YANGQUAN)
    assert res.after.terms["q_Hmc"] == pytest.approx((17968.104 - 14058.7272) / 3024, rel=1e-9)
    assert res.eta == pytest.approx(1 - 28.338974013560477 / 35.44115984689381, rel=1e-9)
    doc["measures"] = [{"measure": "replace_windows", "window": "pvc_double_clear", "K": 2.5}]
    res = assess_retrofit(parse_retrofit(doc, DATA), YANGQUAN)
    assert res.after.terms["q_Hmc"] == pytest.approx((17968.104 - 17573.409) / 3024, rel=1e-9)
    assert res.eta == pytest.approx(1 - 27.176711513560476 / 35.44115984689381, rel=1e-9)
