"""The measure catalogue: programme data parsed exactly to fen, bad rows named."""

from __future__ import annotations

import pytest

from jigai.engine.measures import (
    PACKAGE_GROUPS,
    CatalogueError,
    CombustionClass,
    CostUnit,
    MeasureGroup,
    default_catalogue,
    load_catalogue,
)

HEADER = (
    "id,group,name_zh,material,thickness_m,window,N_after,delta_K,combustion_class,"
    "fire_integrity_h,unit,unit_area_m2,cost_yuan,life_years,source,confidence\n"
)


def _write(tmp_path, rows, name="cat.csv", header=HEADER):
    p = tmp_path / name
    p.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return p


def test_shipped_catalogue_covers_the_groups():
    cat = default_catalogue()
    for g in MeasureGroup:
        assert any(m.group is g for m in cat.measures), g
    walls = {m.material for m in cat.options(MeasureGroup.WALL)}
    assert {"eps", "graphite_eps", "rock_wool"} <= walls
    assert len(cat.options(MeasureGroup.WINDOW)) >= 4
    assert cat.by_id("wall_eps_80").cost_fen == 14500  # 145.00 yuan exactly
    assert cat.by_id("wall_rw_100").combustion_class is CombustionClass.A
    assert cat.by_id("win_alu_lowe_fr05").fire_integrity_h == 0.5
    assert cat.by_id("door_insulated").unit is CostUnit.EACH
    # air-tightness has no JGJ 26 credit (N fixed): listed, not enumerated
    assert [m.id for m in cat.not_enumerated] == ["airtight_sealing"]
    assert cat.n_packages == 14 * 6 * 3 * 5 * 3 * 1
    assert len(PACKAGE_GROUPS) == 6
    for m in cat.measures:
        assert m.source and m.confidence and m.life_years > 0


def test_cost_in_fen_column_and_override_by_id(tmp_path):
    ov = _write(
        tmp_path,
        [
            'wall_eps_80,wall,EPS 80,eps,0.08,,,0,B1,,m2,,123.45,25,"programme 2024",given-by-project,',
            'airtight_sealing,airtightness,气密,,,,0.4,,,,m2_floor,,6.00,10,"measured",assumption,',
            "wall_fg_80,wall,x,foam_glass,0.08,,,0,A,,m2,,1,1,s,assumption,false",
        ],
        header=HEADER.rstrip("\n") + ",enabled\n",
    )
    cat = load_catalogue(overrides=[ov])
    assert cat.by_id("wall_eps_80").cost_fen == 12345
    assert cat.by_id("wall_eps_80").confidence == "given-by-project"
    assert cat.by_id("airtight_sealing").N_after == 0.4
    assert cat.not_enumerated == ()
    with pytest.raises(KeyError):
        cat.by_id("wall_fg_80")
    assert cat.digest != default_catalogue().digest
    fen = _write(
        tmp_path,
        ['wall_x,wall,x,eps,0.05,,,0,B1,,m2,,1234,25,"s",assumption'],
        name="fen.csv",
        header=HEADER.replace("cost_yuan", "cost_fen"),
    )
    assert load_catalogue(overrides=[fen]).by_id("wall_x").cost_fen == 1234


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ('w,wall,x,eps,0.08,,,0,B1,,m2,,-5.00,25,"s",assumption', "cost_yuan", "negative"),
        (
            'w,wall,x,eps,0.08,,,0,B4,,m2,,5.00,25,"s",assumption',
            "combustion_class",
            "unknown class",
        ),
        (
            'w,wall,x,eps,0.08,,,0,B1,,m2,,5.001,25,"s",assumption',
            "cost_yuan",
            "fractions of a fen",
        ),
        ('w,wall,x,cork,0.08,,,0,B1,,m2,,5.00,25,"s",assumption', "material", "unknown material"),
        ('w,wall,x,eps,0,,,0,B1,,m2,,5.00,25,"s",assumption', "thickness_m", "> 0"),
        ('w,roofs,x,eps,0.1,,,0,B1,,m2,,5.00,25,"s",assumption', "group", "not one of"),
        ('w,window,x,,,velux,,,,0,m2,,5.00,25,"s",assumption', "window", "unknown window"),
        ('w,wall,x,eps,0.08,,,0,B1,,m2,,5.00,25,"s",sure', "confidence", "not one of"),
        ('w,wall,x,eps,0.08,,,0,,,m2,,5.00,25,"s",assumption', "combustion_class", "needs a class"),
        ('w,door,x,,,insulated_door,,,,0,each,,5.00,25,"s",assumption', "unit_area_m2", "area"),
    ],
)
def test_bad_rows_name_line_and_column(tmp_path, row, column, words):
    p = _write(tmp_path, [row])
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(overrides=[p])
    assert f"{p}:2 (w):{column}" in exc.value.field
    assert words in exc.value.message


def test_missing_columns_and_files(tmp_path):
    p = _write(tmp_path, [], header="id,group,name_zh\n")
    with pytest.raises(CatalogueError, match="missing column"):
        load_catalogue(overrides=[p])
    with pytest.raises(CatalogueError, match="no such file"):
        load_catalogue(tmp_path / "nope.csv")
    only_walls = _write(tmp_path, ['w,wall,x,eps,0.08,,,0,B1,,m2,,5.00,25,"s",assumption'])
    with pytest.raises(CatalogueError, match="fire_barrier_floor"):
        load_catalogue(only_walls)
