"""CLI (``jigai assess`` / ``jigai climate``), bad input and the no-Django guarantee."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest

from jigai.engine.cli import main

from .conftest import EXAMPLES
from .epw_synth import winter_block, write_epw


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def example(name):
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_engine_imports_no_django():
    code = (
        "import jigai.engine, jigai.engine.cli, jigai.engine.vector, jigai.engine.epw, sys; "
        "assert not any(m.startswith('django') for m in sys.modules), 'django imported'; "
        "assert 'pandas' not in sys.modules, 'pandas imported at module import'"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr


def test_assess_prints_every_term_eta_and_verdict(capsys):
    rc, out, err = run(capsys, "assess", str(EXAMPLES / "walkup_brick_6storey.json"))
    assert rc == 0 and err == ""
    for t in ("q_Hq", "q_Hw", "q_Hd", "q_Hmc", "q_Hy", "q_HT", "q_INF", "q_IH", "q_H"):
        assert t in out
    assert "35.441" in out and "7.925" in out  # reference case 1 (test_reference_cases.py)
    assert "η = 1 − q_H,after/q_H,before = 0.7764" in out and "PASS" in out
    assert "provenance: estimated" in out and "estimate—check" in out


def test_assess_json_with_city_option(capsys):
    rc, out, _ = run(
        capsys,
        "assess",
        str(EXAMPLES / "public_office_detailed.json"),
        "--climate",
        "大同",
        "--json",
    )
    assert rc == 0
    d = json.loads(out)
    assert d["climate"]["name"].startswith("大同")
    assert d["climate"]["provenance"]["confidence"] == "recalled—check"
    assert d["before"]["terms"]["q_H"] > d["after"]["terms"]["q_H"]
    assert d["engine_version"].startswith("jigai-engine")


def test_assess_with_epw_and_threshold(capsys, tmp_path):
    epw = write_epw(tmp_path / "w.epw", winter_block())
    rc, out, _ = run(
        capsys,
        "assess",
        str(EXAMPLES / "block_4storey_heated_stair.json"),
        "--epw",
        str(epw),
        "--threshold",
        "0.9",
    )
    assert rc == 0
    assert "derived_epw" in out and "FAIL" in out


def test_climate_commands(capsys, tmp_path):
    rc, out, _ = run(capsys, "climate", "--list")
    assert rc == 0 and "阳泉" in out and "运城" in out and out.count("\n") == 12
    rc, out, _ = run(capsys, "climate", "--city", "阳泉")
    assert rc == 0 and "t_e   = -0.20 ℃" in out and "estimate—check" in out
    epw = write_epw(tmp_path / "w.epw", winter_block())
    rc, out, _ = run(capsys, "climate", "--epw", str(epw))
    assert rc == 0 and "Z     = 116 d" in out and "11-15 → 03-10" in out and "hay_davies" in out
    rc, out, _ = run(capsys, "climate", "--epw", str(epw), "--sky", "isotropic", "--json")
    assert json.loads(out)["provenance"]["kind"] == "derived_epw"
    rc, out, _ = run(capsys, "climate", "--normals", "yuxian")
    assert rc == 0 and "estimated_normals" in out


def test_top_level_dispatcher_routes_to_engine(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from jigai.cli import main; sys.exit(main(['jigai', 'climate', '--list']))",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 0 and "太原" in r.stdout


# ---------------------------------------------------------------------------------------
# bad input: clear message naming the field or line, exit code ≠ 0, nothing written


def _bad(capsys, tmp_path, doc, *extra):
    p = tmp_path / "in.json"
    p.write_text(
        doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8"
    )
    before = set(os.listdir(tmp_path))
    rc, out, err = run(capsys, "assess", str(p), *extra)
    assert rc != 0
    assert out == ""  # nothing printed as a result
    assert set(os.listdir(tmp_path)) == before  # nothing written
    return err


def _office():
    return example("public_office_detailed.json")


def test_missing_area(capsys, tmp_path):
    d = _office()
    del d["before"]["elements"][2]["area"]
    assert "before.elements[2].area: missing" in _bad(capsys, tmp_path, d)


def test_negative_area(capsys, tmp_path):
    d = _office()
    d["before"]["elements"][0]["area"] = -5
    assert "before.elements[0].area: area must be > 0" in _bad(capsys, tmp_path, d)
    d = example("walkup_brick_6storey.json")
    d["before"]["length"] = -48
    assert "before.length: must be > 0" in _bad(capsys, tmp_path, d)


def test_window_larger_than_wall(capsys, tmp_path):
    d = _office()
    d["before"]["elements"][4]["area"] = 500.0  # win-S in wall-S of 432 m²
    err = _bad(capsys, tmp_path, d)
    assert (
        "before.elements[0].area" in err and "window larger than its wall" in err and "win-S" in err
    )
    d = example("walkup_brick_6storey.json")
    d["before"]["wwr"]["front"] = 1.2
    assert "before.wwr.front" in _bad(capsys, tmp_path, d)


def test_unknown_material(capsys, tmp_path):
    d = example("walkup_brick_6storey.json")
    d["before"]["constructions"]["wall"]["layers"][1]["material"] = "adobe"
    err = _bad(capsys, tmp_path, d)
    assert (
        "before.constructions.wall.layers[1].material" in err and "unknown material 'adobe'" in err
    )
    d = example("walkup_brick_6storey.json")
    d["measures"][0]["material"] = "straw"
    assert "measures[0].material" in _bad(capsys, tmp_path, d)


def test_K_not_positive(capsys, tmp_path):
    d = _office()
    d["before"]["elements"][8]["K"] = 0
    assert "before.elements[8].K: K must be > 0" in _bad(capsys, tmp_path, d)
    d = example("block_4storey_heated_stair.json")
    d["after"]["constructions"]["roof"]["K"] = -0.3
    assert "after.constructions.roof.K" in _bad(capsys, tmp_path, d)
    d = _office()
    d["measures"][0]["K"] = -1
    assert "measures[0].K" in _bad(capsys, tmp_path, d)


def test_climate_not_found(capsys, tmp_path):
    err = _bad(capsys, tmp_path, _office(), "--climate", "Atlantis")
    assert "climate.city" in err and "not found" in err
    d = _office()
    del d["climate"]
    assert "no climate" in _bad(capsys, tmp_path, d)


def test_malformed_epw_via_cli(capsys, tmp_path):
    epw = write_epw(tmp_path / "w.epw", winter_block())
    lines = epw.read_text().splitlines()
    lines[20] = "2001,1,1"
    epw.write_text("\n".join(lines))
    err = _bad(capsys, tmp_path, _office(), "--epw", str(epw))
    assert "w.epw:21" in err
    rc, out, err = run(capsys, "climate", "--epw", str(epw))
    assert rc == 2 and out == "" and "w.epw:21" in err


def test_malformed_json_and_other_errors(capsys, tmp_path):
    assert "in.json:3: invalid JSON" in _bad(capsys, tmp_path, '{\n "before": {},\n oops\n}')
    d = _office()
    d["measures"].append({"measure": "paint_it_green"})
    assert "measures[3].measure" in _bad(capsys, tmp_path, d)
    d = _office()
    d["before"]["elements"][4]["host"] = "nowhere"
    assert "before.elements[4].host" in _bad(capsys, tmp_path, d)
    d = copy.deepcopy(_office())
    del d["measures"]
    assert "after: missing" in _bad(capsys, tmp_path, d)
    rc, out, err = run(capsys, "assess", str(tmp_path / "none.json"))
    assert rc == 2 and "cannot read" in err
    rc, out, err = run(capsys, "assess")
    assert rc == 2 and "arguments" in err


@pytest.mark.parametrize("field", ["A0", "V0"])
def test_missing_A0_V0(capsys, tmp_path, field):
    d = _office()
    del d["before"][field]
    assert f"before.{field}: missing" in _bad(capsys, tmp_path, d)


def test_document_climate_epw_relative_path(capsys, tmp_path):
    write_epw(tmp_path / "site.epw", winter_block())
    d = _office()
    d["climate"] = {"epw": "site.epw"}
    p = tmp_path / "doc.json"
    p.write_text(json.dumps(d), encoding="utf-8")
    rc, out, _ = run(capsys, "assess", str(p), "--json")
    assert rc == 0 and json.loads(out)["climate"]["Z"] == 116
