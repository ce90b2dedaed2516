"""``jigai stock optimise`` assesses each county's buildings in the county's climate of the
programme (climate_city + county_climates), as the platform does; ``--climate CITY`` keeps one
climate for every county; a bad ``--climates`` file is refused and nothing is written."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import yaml

from jigai.engine import (
    apply_measures,
    assess,
    climate_for_city,
    climate_from_normals_station,
    default_data,
    expand_block,
)
from jigai.engine.climate import (
    CountyClimateRowError,
    UnknownClimateError,
    county_climate_ref,
    load_programme_climates,
)
from jigai.engine.fire import FireContext
from jigai.engine.measures import default_catalogue
from jigai.engine.optimiser import optimise_building
from jigai.engine.policy import shipped_policy
from jigai.stock import synthetic
from jigai.stock.cli import main
from jigai.stock.engine_input import block_from_row
from jigai.stock.runner import RunOptions, climate_label, optimise_table
from jigai.surveytable import load
from jigai.surveytable.writer import column_sheet, save

YU = climate_from_normals_station("yuxian")
CITY = climate_for_city("阳泉")


def _programme_doc() -> dict:
    text = resources.files("jigai").joinpath("programmes/data/yangquan-2023.yaml").read_text()
    return yaml.safe_load(text)


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """A residential building twice, in 盂县 and in 城区 (identical survey columns)."""
    table = synthetic.generate(40, seed=7)
    i = int(np.nonzero(table["use"] == "residential")[0][0])
    cols = {k: np.asarray(v)[[i, i]].copy() for k, v in table.items()}
    cols["county"] = np.array(["盂县", "城区"], dtype=object)
    path = tmp_path_factory.mktemp("twins") / "twins.csv"
    save(column_sheet(cols), path)
    return path


def _run(tmp_path, src, *extra) -> tuple[pd.DataFrame, dict, str]:
    out = tmp_path / "res.csv"
    assert main(["stock", "optimise", str(src), "--out", str(out), "--no-progress", *extra]) == 0
    prov = json.loads((tmp_path / "res_provenance.json").read_text(encoding="utf-8"))
    return pd.read_csv(out), prov, str(out)


def _engine_row(src, i: int):
    """Row ``i`` of the table as the engine's single building."""
    cols = load(src).columns
    row = {k: (v[i].item() if hasattr(v[i], "item") else v[i]) for k, v in cols.items()}
    block, _assumed = block_from_row(row)
    fire = FireContext(residential=row["use"] == "residential", height_m=float(row["height_m"]))
    return expand_block(block, "row", default_data()), fire


def test_yu_and_chengqu_twins_get_their_own_climate(tmp_path, twins, capsys):
    res, prov, _out = _run(tmp_path, twins)
    stdout = capsys.readouterr().out
    assert res["county"].tolist() == ["盂县", "城区"]
    assert res["climate"].tolist() == [
        "盂县 (月平均气候值 1991-2020) (estimated_normals)",
        "阳泉 (阳泉) (estimated)",
    ]
    assert res["climate"].tolist() == [climate_label(YU), climate_label(CITY)]
    data, cat = default_data(), default_catalogue()
    building, fire = _engine_row(twins, 0)
    q = {}
    for i, climate in enumerate((YU, CITY)):
        # before: the engine's single-building assessment in the county's climate
        q[i] = assess(building, climate, data=data).q_H
        assert res["q_H_before_W_m2"][i] == pytest.approx(q[i], abs=1e-9)
        # after: the single-building optimiser's least-cost package, applied and assessed
        o = optimise_building(building, climate, fire=fire, policy=shipped_policy(), data=data)
        pkg = o.least_cost
        assert res["package"][i] == pkg.label and res["cost_fen"][i] == pkg.cost_fen
        after = apply_measures(building, pkg.engine_measures(cat), "p", data)
        after = assess(after, climate, data=data)
        assert res["q_H_after_W_m2"][i] == pytest.approx(after.q_H, abs=1e-9)
        assert res["eta"][i] == pytest.approx(1 - after.q_H / q[i], abs=1e-9)
        # the heat saved uses the county's heating period: 24·Z·Δq_H/1000 · A0 [kWh]
        assert res["heat_saved_kWh"][i] == pytest.approx(
            24 * climate.Z * (q[i] - after.q_H) / 1000 * building.A0, rel=1e-12
        )
    assert q[0] > q[1] + 1  # 盂县 is colder: Z 135 d, t_e −1.63 ℃ against 122 d, −0.2 ℃
    # the provenance and the summary name each county's climate
    assert prov["climate_origin"] == "programmes/data/yangquan-2023.yaml"
    assert prov["climate"]["name"] == "阳泉 (阳泉)"
    yu, cq = prov["county_climates"]["盂县"], prov["county_climates"]["城区"]
    assert (yu["name"], yu["Z"], yu["provenance"]["kind"]) == (YU.name, 135, "estimated_normals")
    assert yu["t_e"] == pytest.approx(-1.6334, abs=1e-4)
    assert (cq["name"], cq["Z"], cq["t_e"], cq["provenance"]["kind"]) == (
        "阳泉 (阳泉)",
        122,
        -0.2,
        "estimated",
    )
    assert list(prov["county_climates"]) == ["平定县", "盂县", "城区", "矿区", "郊区", "高新区"]
    assert "盂县: 1 栋, 1 达标" in stdout
    assert "气候 盂县 (月平均气候值 1991-2020) (estimated_normals)" in stdout
    assert "城区: 1 栋" in stdout and "气候 阳泉 (阳泉) (estimated)" in stdout
    counties = pd.read_csv(tmp_path / "res_counties.csv")
    assert counties["climate"].tolist()[:2] == [climate_label(CITY), climate_label(YU)]


def test_one_climate_for_every_county(tmp_path, twins, capsys):
    res, prov, _out = _run(tmp_path, twins, "--climate", "阳泉")
    assert res["climate"].tolist() == ["阳泉 (阳泉) (estimated)"] * 2
    assert res["q_H_before_W_m2"][0] == res["q_H_before_W_m2"][1]
    assert res["eta"][0] == res["eta"][1] and res["package"][0] == res["package"][1]
    building, _fire = _engine_row(twins, 0)
    assert res["q_H_before_W_m2"][0] == pytest.approx(assess(building, CITY).q_H, abs=1e-9)
    assert prov["climate_origin"] == "--climate 阳泉 (one climate for every county)"
    assert {k: v["is_default"] for k, v in prov["county_climates"].items()} == {
        "城区": True,
        "盂县": True,
    }
    assert "气候 阳泉 (阳泉) (estimated)" in capsys.readouterr().out


def test_another_programmes_climates_and_its_default(tmp_path, twins):
    doc = _programme_doc()
    doc["parameters"]["climate_city"] = "太原"
    doc["parameters"]["county_climates"] = [{"county": "盂县", "normals_station": "yuxian"}]
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    res, prov, _out = _run(tmp_path, twins, "--climates", str(plan))
    taiyuan = climate_for_city("太原")
    # 城区 has no entry: the programme's default climate, 太原 (Z 127 d, t_e −1.1 ℃)
    assert res["climate"].tolist() == [climate_label(YU), climate_label(taiyuan)]
    building, _fire = _engine_row(twins, 0)
    assert res["q_H_before_W_m2"][1] == pytest.approx(assess(building, taiyuan).q_H, abs=1e-9)
    assert res["q_H_before_W_m2"][0] == pytest.approx(assess(building, YU).q_H, abs=1e-9)
    assert prov["climate_origin"] == str(plan)
    assert (prov["climate"]["name"], prov["climate"]["Z"]) == ("太原 (太原)", 127)
    assert prov["county_climates"]["城区"]["is_default"] is True
    assert prov["county_climates"]["盂县"]["is_default"] is False


def _mutate_rows(rows):
    def change(doc):
        doc["parameters"]["county_climates"] = rows(doc["parameters"]["county_climates"])

    return change


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            _mutate_rows(lambda r: [*r[:1], {"county": "盂县", "normals_station": "五台山"}]),
            "parameters.county_climates row 2 (盂县): no climate '五台山' in the engine's tables",
        ),
        (
            _mutate_rows(lambda r: [*r[:3], {"county": "矿区", "city": "拉萨"}]),
            "parameters.county_climates row 4 (矿区): no climate '拉萨' in the engine's tables",
        ),
        (
            _mutate_rows(
                lambda r: [{"county": "平定县", "city": "阳泉", "normals_station": "盂县"}]
            ),
            "parameters.county_climates row 1 (平定县): give exactly one of 'city' or "
            "'normals_station'",
        ),
        (
            _mutate_rows(lambda r: [*r, {"county": "盂县", "city": "阳泉"}]),
            "parameters.county_climates row 7 (盂县): the county appears twice",
        ),
        (
            _mutate_rows(lambda r: [{"city": "阳泉"}]),
            "parameters.county_climates row 1 (?): names no county",
        ),
        (
            _mutate_rows(lambda r: {"盂县": "normals:yuxian"}),
            "parameters.county_climates: must be a list of rows",
        ),
        (
            lambda doc: doc["parameters"].update(climate_city="火星"),
            "parameters.climate_city: no climate '火星' in the engine's tables",
        ),
        (lambda doc: doc.pop("parameters"), "parameters: not a programme file (no parameters)"),
    ],
    ids=[
        "unknown station",
        "unknown city",
        "two climates",
        "twice",
        "no county",
        "not a list",
        "unknown default",
        "no parameters",
    ],
)
def test_a_bad_climates_file_is_refused_and_nothing_written(
    tmp_path, twins, capsys, mutate, expected
):
    doc = _programme_doc()
    mutate(doc)
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "res.csv"
    code = main(["stock", "optimise", str(twins), "--out", str(out), "--climates", str(plan)])
    err = capsys.readouterr()
    assert code == 2 and err.out == ""
    assert err.err.strip() == f"jigai stock optimise: error: {plan}:{expected}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.yaml"]


def test_a_missing_or_unreadable_climates_file_and_both_options(tmp_path, twins, capsys):
    out = tmp_path / "res.csv"
    base = ["stock", "optimise", str(twins), "--out", str(out)]
    missing = tmp_path / "none.yaml"
    assert main([*base, "--climates", str(missing)]) == 2
    assert f"error: {missing}: no such file" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("parameters: [1,\n", encoding="utf-8")
    assert main([*base, "--climates", str(broken)]) == 2
    assert f"error: {broken}: not YAML/JSON" in capsys.readouterr().err
    assert main([*base, "--climates", str(broken), "--climate", "阳泉"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml"]


def test_the_shipped_programmes_climates():
    pc = load_programme_climates()
    assert (pc.default, pc.default_ref, pc.origin) == (
        CITY,
        "city:yangquan",
        "programmes/data/yangquan-2023.yaml",
    )
    assert [(name, ref) for name, ref, _c in pc.counties] == [
        ("平定县", "city:yangquan"),
        ("盂县", "normals:yuxian"),
        ("城区", "city:yangquan"),
        ("矿区", "city:yangquan"),
        ("郊区", "city:yangquan"),
        ("高新区", "city:yangquan"),
    ]
    assert (pc.climate_of("盂县"), pc.climate_of("外县")) == (YU, CITY)
    assert county_climate_ref({"county": "x", "normals_station": "盂县"}) == "normals:yuxian"
    with pytest.raises(UnknownClimateError) as caught:
        county_climate_ref({"county": "x", "city": "拉萨"}, "here")
    assert (caught.value.field, caught.value.value) == ("here", "拉萨")
    with pytest.raises(CountyClimateRowError):
        county_climate_ref({"county": "x", "city": "阳泉", "note": "?"})


def test_run_options_with_county_climates_are_hashable_and_pickle():
    pc = load_programme_climates()
    opts = RunOptions(climate=pc.default, county_climates=tuple((n, c) for n, _r, c in pc.counties))
    assert pickle.loads(pickle.dumps(opts)) == opts
    assert hash(pickle.loads(pickle.dumps(opts))) == hash(opts)
    table = synthetic.generate(30, seed=3)
    one = optimise_table(table, RunOptions(climate=CITY), progress=False)
    per = optimise_table(table, opts, progress=False)
    yu = table["county"] == "盂县"
    assert yu.any() and (~yu).any()
    # only 盂县's rows change: the other counties' entries are the 阳泉 row
    assert np.array_equal(one["q_H_before_W_m2"][~yu], per["q_H_before_W_m2"][~yu])
    assert (per["q_H_before_W_m2"][yu] > one["q_H_before_W_m2"][yu]).all()


def test_reading_the_programmes_climates_imports_no_django(twins, tmp_path):
    out = tmp_path / "res.csv"
    code = (
        "import sys; from jigai.cli import main; "
        f"rc = main(['jigai', 'stock', 'optimise', r'{twins}', '--out', r'{out}', "
        "'--no-progress']); assert rc == 0 and 'django' not in sys.modules, rc"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert "气候 盂县 (月平均气候值 1991-2020)" in r.stdout
    assert pd.read_csv(out)["climate"][0] == climate_label(YU)
