"""Survey imports are bounded before parsing and keys compare as people read them
(issue 11, holes 9 and 13): a zip bomb and an over-long table are refused before their
cells are read; an exported cell's formula guard is taken off on re-import; full-width
digits and brackets are the same key as ASCII ones; invisible format characters are
refused. Nothing is written by a refused file."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from jigai.buildings import importer
from jigai.buildings.models import Building, Community, ImportJob
from jigai.stock.synthetic import generate, rows
from jigai.surveytable import Limits, TableRejected, load, reader
from jigai.surveytable.writer import save, survey_sheet


def _rows(n: int = 3) -> list[dict]:
    out = []
    for row in rows(generate(400, seed=9)):
        if row["county"] == "城区":
            row.update(community="界限" + row["community"], building_no=f"{len(out) + 1}号楼")
            out.append(row)
        if len(out) == n:
            return out
    raise AssertionError


def _state():
    return (
        Building.objects.count(),
        Community.objects.count(),
        sorted(Building.objects.values_list("pk", "version")),
    )


def _import(data: bytes, user, name="s.xlsx") -> ImportJob:
    return importer.run(importer.start(data, name, actor=user))


def _bomb(unpacked_mb: int) -> bytes:
    """A valid survey workbook whose sheet is padded with ``unpacked_mb`` MB of spaces (a
    zip bomb: it compresses about a thousandfold)."""
    data = save(survey_sheet(_rows(2)))
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<sheetData>", b"<sheetData>" + b" " * (unpacked_mb << 20))
            z.writestr(info.filename, body)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_parsed(user, settings, monkeypatch):
    settings.IMPORT_MAX_UNPACKED_BYTES = 20 << 20
    bomb = _bomb(64)
    assert len(bomb) < 200_000  # 64 MB unpacked from under 0.2 MB

    def no_parse(*a, **k):
        raise AssertionError("calamine must not parse a refused workbook")

    import python_calamine

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", no_parse)
    before = _state()
    job = _import(bomb, user("cq_officer"))
    assert job.status == ImportJob.Status.REJECTED
    assert job.errors == [
        {
            "row": 0,
            "column": "",
            "message": "The workbook unpacks to more than 21 MB (67 MB or more): "
            "it is refused before it is read",
        }
    ]
    assert _state() == before


def test_the_same_workbook_under_the_limit_is_read(user, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 20 << 20
    job = _import(_bomb(5), user("cq_officer"))
    assert (job.status, job.created) == ("done", 2)


@pytest.mark.parametrize("fmt", [".xlsx", ".csv", ".parquet"])
def test_too_many_rows_refused_before_parsing(user, settings, tmp_path, fmt):
    settings.IMPORT_MAX_ROWS = 4
    table = {k: [r[k] for r in _rows(5)] for k in _rows(1)[0]}
    path = tmp_path / f"t{fmt}"
    if fmt == ".xlsx":
        path.write_bytes(save(survey_sheet(_rows(5))))
    elif fmt == ".csv":
        pd.DataFrame(table).to_csv(path, index=False)
    else:
        pd.DataFrame(table).to_parquet(path)
    before = _state()
    job = _import(path.read_bytes(), user("cq_officer"), name=path.name)
    assert job.errors == [
        {
            "row": 0,
            "column": "",
            "message": "The table has 5 rows, more than the limit of 4: split it (for "
            "example by county or street) and import the parts",
        }
    ]
    assert _state() == before
    settings.IMPORT_MAX_ROWS = 5
    assert _import(path.read_bytes(), user("cq_officer"), name=path.name).created == 5


def test_limits_apply_to_the_reader_itself(tmp_path):
    data = save(survey_sheet(_rows(3)))
    with pytest.raises(TableRejected, match="3 rows, more than the limit of 2"):
        load(data, name="x.xlsx", limits=Limits(max_rows=2))
    assert len(load(data, name="x.xlsx", limits=Limits(max_rows=3))) == 3
    with pytest.raises(TableRejected, match="more than the limit of 0 MB"):
        reader.read(data, name="x.xlsx", limits=Limits(max_bytes=1000))


def test_export_then_import_changes_nothing_for_guarded_keys(client_as, user):
    """A community "-1号院" is exported as "'-1号院" (formula guard); importing the export
    finds the same community and buildings instead of making duplicates."""
    officer = user("cq_officer")
    data_rows = _rows(3)
    for r in data_rows:
        r["community"] = "-1号院"
    assert _import(save(survey_sheet(data_rows)), officer).created == 3
    community = Community.objects.get(name="-1号院")
    client = client_as("cq_officer")
    client.post("/buildings/export/?community=-1号院")
    from jigai.buildings.models import Job

    job = Job.objects.filter(kind="export").latest("pk")
    exported = job.output.open("rb").read()
    from openpyxl import load_workbook

    cells = [
        r[2]
        for r in load_workbook(io.BytesIO(exported)).active.iter_rows(min_row=2, values_only=True)
    ]
    assert cells == ["'-1号院"] * 3
    before = _state()
    again = _import(exported, officer)
    assert (again.status, again.created, again.updated, again.unchanged) == ("done", 0, 0, 3)
    assert _state() == before
    assert list(Community.objects.filter(name__contains="1号院")) == [community]


def test_full_width_keys_are_the_same_building(user):
    officer = user("cq_officer")
    data_rows = _rows(2)
    data_rows[1]["community"] = "界限(北)小区"
    assert _import(save(survey_sheet(data_rows)), officer).created == 2
    wide = [dict(r) for r in data_rows]
    wide[0]["building_no"] = "１号楼"  # a full-width digit
    wide[1]["community"] = "界限（北）小区"  # full-width brackets
    before = _state()
    job = _import(save(survey_sheet(wide)), officer)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 2)
    assert _state() == before


def test_invisible_characters_are_refused(user):
    officer = user("cq_officer")
    data_rows = _rows(2)
    data_rows[1]["community"] = "界限\u200b小区"
    before = _state()
    job = _import(save(survey_sheet(data_rows)), officer)
    assert job.status == ImportJob.Status.REJECTED
    assert job.errors == [
        {
            "row": 3,
            "column": "小区名称",
            "message": "“界限小区” holds an invisible character (U+200B): delete it and "
            "import again",
        }
    ]
    assert _state() == before
