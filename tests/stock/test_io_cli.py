"""Tables in and out, the CLI (no Django), bad input, and identical results on Dask."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jigai.cli import ENGINE_COMMANDS
from jigai.engine.climate import load_programme_climates
from jigai.stock import synthetic
from jigai.stock.cli import main
from jigai.stock.runner import RunOptions, county_totals, optimise_table
from jigai.surveytable import TableRejected, load
from jigai.surveytable.writer import column_sheet, save, survey_columns_sheet

EXAMPLES = (
    Path(__file__).resolve().parents[2] / "src" / "jigai" / "engine" / "examples"
).as_posix()


@pytest.fixture(scope="module")
def small_table():
    return synthetic.generate(60, seed=11)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_round_trip(tmp_path, small_table, suffix):
    sheet = survey_columns_sheet(small_table) if suffix == ".xlsx" else column_sheet(small_table)
    got = load(save(sheet, tmp_path / f"s{suffix}")).columns
    for k in ("county", "use", "wall_type", "building_no"):
        assert got[k].tolist() == [str(v) for v in small_table[k]]
    np.testing.assert_allclose(got["floor_area_m2"], small_table["floor_area_m2"])
    assert got["stairwell_heated"].tolist() == small_table["stairwell_heated"].tolist()


def test_xlsx_chinese_labels(tmp_path, small_table):
    df = pd.DataFrame({k: v for k, v in small_table.items()})
    from jigai.surveytable.schema import USE_ZH, columns

    df["use"] = [USE_ZH[u] for u in df["use"]]
    df["in_demolition_area"] = ["是" if v else "否" for v in df["in_demolition_area"]]
    df = df.rename(columns={c.key: c.header for c in columns()})
    df.to_excel(tmp_path / "t.xlsx", index=False, sheet_name="楼栋调查表")
    got = load(tmp_path / "t.xlsx").columns
    assert got["use"].tolist() == small_table["use"].tolist()
    assert got["in_demolition_area"].tolist() == small_table["in_demolition_area"].tolist()


def _csv(tmp_path, table, **changes):
    df = pd.DataFrame(table)
    for (row, col), v in changes.get("cells", {}).items():
        df[col] = df[col].astype(object)
        df.loc[row, col] = v
    df = df.drop(columns=changes.get("drop", []))
    p = tmp_path / "in.csv"
    df.to_csv(p, index=False)
    return p


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (
            {"drop": ["height_m", "use"]},
            "row 1:建筑用途: The required column “建筑用途” is missing",
        ),
        ({"cells": {(4, "storeys"): "six"}}, "row 6:storeys: “six” is not a number"),
        (
            {"cells": {(0, "use"): "castle"}},
            "row 2:use: “castle” is not one of: 居住建筑、办公建筑",
        ),
        ({"cells": {(2, "floor_area_m2"): ""}}, "row 4:floor_area_m2: required"),
        ({"cells": {(3, "wwr_front"): "1.5"}}, "row 5:wwr_front: 1.5 is outside 0–0.95"),
        (
            {"cells": {(1, "stairwell_heated"): "maybe"}},
            "row 3:stairwell_heated: “maybe” is not 是 or 否",
        ),
        (
            {"cells": {(7, "year_built"): "1990.5"}},
            "row 9:year_built: “1990.5” is not a whole number",
        ),
    ],
)
def test_bad_stock_file_names_row_and_column_and_writes_nothing(
    tmp_path, small_table, capsys, changes, words
):
    src = _csv(tmp_path, small_table, **changes)
    out = tmp_path / "out.csv"
    assert main(["stock", "optimise", str(src), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr()
    assert words in err.err and err.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_bad_catalogue_in_cli(tmp_path, capsys):
    ov = tmp_path / "prog.csv"
    ov.write_text(
        "id,group,name_zh,material,thickness_m,combustion_class,unit,cost_yuan,life_years,source,confidence\n"
        "w,wall,x,eps,0.08,B1,m2,-1.00,25,s,assumption\n",
        encoding="utf-8",
    )
    src = tmp_path / "in.csv"
    save(column_sheet(synthetic.generate(5)), src)
    code = main(
        ["stock", "optimise", str(src), "--out", str(tmp_path / "o.csv"), "--programme", str(ov)]
    )
    assert code == 2
    assert f"{ov}:2 (w):cost_yuan: negative cost" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_read_table_errors(tmp_path):
    (tmp_path / "x.txt").write_text("a")
    with pytest.raises(TableRejected, match="Unknown table format “.txt”"):
        load(tmp_path / "x.txt")
    p = tmp_path / "empty.csv"
    pd.DataFrame(synthetic.generate(3)).iloc[:0].to_csv(p, index=False)
    with pytest.raises(TableRejected, match="The table has no buildings"):
        load(p)


def test_optimise_reference_json(capsys):
    assert "optimise" in ENGINE_COMMANDS and "stock" in ENGINE_COMMANDS
    assert (
        main(
            [
                "optimise",
                f"{EXAMPLES}/walkup_brick_6storey.json",
                "--packages",
                "3",
                "--budget",
                "150",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "least-cost package" in out and "Pareto" in out and "funding" in out
    # the 2023 rules (walls, roof and windows) are the default
    assert "wall_eps_60+win_pvc_clear+roof_xps_60" in out
    assert "sha256:" in out and "jigai-engine" in out
    assert main(["optimise", f"{EXAMPLES}/walkup_brick_6storey.json", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    lc = d["least_cost"]
    assert lc["measures"] == ["wall_eps_60", "win_pvc_clear", "roof_xps_60"]
    # lines: wall 204,062.04 + window 167,524.56 + roof 57,960.00 + floor bands 31,590.00
    # + roof-edge band 7,020.00 + façade 58,968.00 = 527,124.60 yuan
    assert lc["cost_fen"] == 52712460
    assert [ln["fen"] for ln in lc["lines"]] == [
        20406204,
        16752456,
        5796000,
        3159000,
        702000,
        5896800,
    ]
    assert main(["optimise", f"{EXAMPLES}/walkup_brick_6storey.json", "--json", "--no-rules"]) == 0
    free = json.loads(capsys.readouterr().out)["least_cost"]
    assert free["measures"] == ["win_pvc_clear", "bc_rw_50"] and free["cost_fen"] == 21540456
    f = d["funding"]
    assert f["provincial_fen"] + f["owners_fen"] + f["county_fen"] == lc["cost_fen"]


def test_commands_do_not_import_django():
    code = (
        "import sys; from jigai.cli import main; "
        f"rc = main(['jigai', 'optimise', '{EXAMPLES}/block_4storey_heated_stair.json', "
        "'--packages', '1']); "
        "assert rc == 0 and 'django' not in sys.modules, rc"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert "least-cost" in r.stdout


def test_optimise_one_row_table_and_errors(tmp_path, capsys):
    one = tmp_path / "one.csv"
    save(column_sheet({k: v[:1] for k, v in synthetic.generate(4, seed=3).items()}), one)
    assert main(["optimise", str(one), "--packages", "2"]) == 0
    assert "least-cost" in capsys.readouterr().out
    many = tmp_path / "many.csv"
    save(column_sheet(synthetic.generate(4, seed=3)), many)
    assert main(["optimise", str(many)]) == 2
    assert "4 buildings" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"before": {"format": "block", "length": -1}}')
    assert main(["optimise", str(bad)]) == 2
    assert "before.length" in capsys.readouterr().err


def test_generate_and_optimise_stock(tmp_path, capsys):
    src = tmp_path / "stock.parquet"
    assert main(["stock", "generate", "--buildings", "300", "--out", str(src)]) == 0
    out = tmp_path / "res.csv"
    assert (
        main(["stock", "optimise", str(src), "--out", str(out), "--budget", "200", "--no-progress"])
        == 0
    )
    res = pd.read_csv(out)
    tot = pd.read_csv(tmp_path / "res_counties.csv")
    prov = json.loads((tmp_path / "res_provenance.json").read_text(encoding="utf-8"))
    assert len(res) == 300 and res["reaches_threshold"].all()
    assert (res["provincial_fen"] + res["owners_fen"] + res["county_fen"] == res["cost_fen"]).all()
    assert (res["eta"] >= 0.30 - 1e-12).all()
    assert tot.iloc[-1]["county"] == "合计"
    assert tot.iloc[-1]["cost_fen"] == res["cost_fen"].sum() == tot.iloc[:-1]["cost_fen"].sum()
    assert tot.iloc[-1]["buildings"] == 300
    assert prov["climate"]["provenance"]["kind"] == "estimated"
    assert set(res["engine_version"]) == {prov["engine_version"]}
    assert "budget_package" in res.columns


def test_dask_gives_identical_results():
    table = synthetic.generate(400, seed=5)
    table["wall_type"] = np.array([None] * 50 + list(table["wall_type"][50:]), dtype=object)
    # each county in its climate of the shipped programme (盂县: its normals), as the CLI runs
    pc = load_programme_climates()
    opts = RunOptions(climate=pc.default, county_climates=tuple((n, c) for n, _r, c in pc.counties))
    local = optimise_table(table, opts, chunk_rows=150, progress=False)
    assert set(local["climate"]) == {
        "阳泉 (阳泉) (estimated)",
        "盂县 (月平均气候值 1991-2020) (estimated_normals)",
    }
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        remote = optimise_table(
            table, opts, scheduler=cluster.scheduler_address, chunk_rows=100, progress=False
        )
    spawned = optimise_table(table, opts, workers=2, processes=False, chunk_rows=90, progress=False)
    for other in (remote, spawned):
        assert set(other) == set(local)
        for k, v in local.items():
            assert np.array_equal(np.asarray(v), np.asarray(other[k])), k
    assert local["assumed_columns"][0].startswith("wall_type")
    t = county_totals(local)
    assert int(t["cost_fen"][-1]) == int(local["cost_fen"].sum())
