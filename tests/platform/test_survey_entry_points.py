"""The same survey cells through every entry point of the survey table — the web upload (and
the worker that runs its job), ``jigai import_buildings`` and ``jigai stock optimise`` — as a
workbook and as a CSV: each accepts the same cells with the same meaning and refuses the same
cells with the same row, column and message. All go through ``jigai.surveytable``.

Disagreements settled here (before, two readers and two validators):
- "✓"/"√"/"×" were refused by ``jigai stock``; "1.0"/"0.0" were refused by the import;
- "1,200.5" was refused by the import;
- a whole number typed into a text column (楼号 3) read "3.0" in ``jigai stock``;
- an unknown column was refused by the import and ignored by ``jigai stock``;
- ``jigai stock`` took the same building twice, and more consenting households than
  households;
- the import took only the template's headers with units; ``jigai stock`` also keys and
  headers without units;
- the import read only .xlsx, ``jigai stock`` also CSV and Parquet; an empty table was an
  import of nothing in one and an error in the other;
- messages differed ("missing (required)" / "required", "1.5 > 0.95" / "outside 0–0.95").
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from jigai.buildings.models import Building, ImportJob
from jigai.jobs.models import JobBase
from jigai.stock.cli import main as jigai
from jigai.stock.engine_input import _bool
from jigai.stock.synthetic import generate, rows
from jigai.surveytable.schema import NO_WORDS, YES_WORDS, columns, neutralise
from jigai.surveytable.writer import Sheet, column_sheet, save, survey_sheet

HEADER = {c.key: c.header for c in columns()}

# (column, cell as typed, the value stored)
ACCEPTED = [
    ("in_demolition_area", "✓", True),
    ("in_demolition_area", "√", True),
    ("in_demolition_area", "1.0", True),
    ("in_demolition_area", "TRUE", True),
    ("in_demolition_area", "×", False),
    ("in_demolition_area", "0.0", False),
    ("in_demolition_area", "no", False),
    ("floor_area_m2", "1,200.5", Decimal("1200.50")),
    ("storeys", "5.0", 5),
    ("building_no", 3, "3"),
    ("use", "residential", "residential"),
    ("use", "居住建筑", "residential"),
    ("safety_grade", " B ", "B"),
]
# (column, cell as typed, the message)
REFUSED = [
    ("in_demolition_area", "maybe", "“maybe” is not 是 or 否"),
    ("in_demolition_area", "对", "“对” is not 是 or 否"),
    ("storeys", "5.5", "“5.5” is not a whole number"),
    ("storeys", "six", "“six” is not a number"),
    ("floor_area_m2", "inf", "“inf” is not a number"),
    ("wwr_front", "1.5", "1.5 is outside 0–0.95"),
    (
        "use",
        "castle",
        "“castle” is not one of: 居住建筑、办公建筑、学校、医院、商业建筑、其他公共建筑",
    ),
    ("floor_area_m2", "", "required"),
    ("consent_households", "5000", "more consenting households than households"),
]


def _rows(n: int) -> list[dict]:
    """n rows of 城区 (its demo street offices exist) that pass the screening's checks."""
    out = []
    for row in rows(generate(400, seed=5)):
        if row["county"] == "城区":
            row.update(community="入口" + row["community"], building_no=f"{len(out) + 1}号楼")
            row.update(households=40, consent_households=30)
            out.append(row)
        if len(out) == n:
            return out
    raise AssertionError("not enough rows")


def _table(cells: list[tuple[str, object]]) -> list[list]:
    """Header (template headers) and one row per cell, the cell typed as given."""
    data = _rows(len(cells))
    sheet = survey_sheet(data)
    body = [list(r) for r in sheet.iter_rows()]
    keys = [c.key for c in columns()]
    for i, (key, cell) in enumerate(cells):
        body[i][keys.index(key)] = cell
    return [sheet.header, *body]


def _file(grid: list[list], fmt: str) -> bytes:
    sheet = Sheet("楼栋调查表", grid[0], grid[1:])
    if fmt == ".xlsx":
        return save(sheet)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in r] for r in grid])
    return buffer.getvalue().encode("utf-8")


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def _web(client, data: bytes, name: str) -> ImportJob:
    """Upload as the page does; the job runs (tests run tasks at once) and is returned."""
    response = client.post("/buildings/import/", {"file": SimpleUploadedFile(name, data)})
    job = ImportJob.objects.order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == f"/buildings/import/{job.pk}/"
    return job


def _stock(tmp_path, data: bytes, name: str, capsys) -> tuple[int, str]:
    src = tmp_path / name
    src.write_bytes(data)
    code = jigai(["stock", "optimise", str(src), "--out", str(tmp_path / "o.csv"), "--no-progress"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("fmt", [".xlsx", ".csv"])
def test_every_entry_point_accepts_the_same_cells_alike(
    client_as, tmp_path, capsys, monkeypatch, fmt
):
    monkeypatch.setenv("LANGUAGE", "en")
    data = _file(_table([(k, cell) for k, cell, _v in ACCEPTED]), fmt)
    job = _web(_english(client_as("cq_officer")), data, f"s{fmt}")
    assert (job.status, job.created, job.errors) == (JobBase.Status.DONE, len(ACCEPTED), [])
    sent = _rows(len(ACCEPTED))
    for i, (key, cell, value) in enumerate(ACCEPTED):
        number = value if key == "building_no" else sent[i]["building_no"]
        b = Building.objects.get(community__name=sent[i]["community"], building_no=number)
        assert getattr(b, key) == value, (key, cell)
    # the command reads every cell the same: the file changes nothing it did not already hold
    path = tmp_path / f"again{fmt}"
    path.write_bytes(data)
    call_command("import_buildings", str(path), "--user", "cq_officer")
    n = len(ACCEPTED)
    assert f"{n} rows — 0 created, 0 updated, {n} unchanged" in capsys.readouterr().out
    code, err = _stock(tmp_path, data, f"in{fmt}", capsys)
    assert (code, err) == (0, "")
    with (tmp_path / "o.csv").open(encoding="utf-8") as f:
        assert sum(1 for _ in csv.DictReader(f)) == n


@pytest.mark.parametrize("fmt", [".xlsx", ".csv"])
@pytest.mark.parametrize(
    ("key", "cell", "message"), REFUSED, ids=[r[1] or "empty" for r in REFUSED]
)
def test_every_entry_point_refuses_the_same_cells_alike(
    client_as, tmp_path, capsys, monkeypatch, fmt, key, cell, message
):
    monkeypatch.setenv("LANGUAGE", "en")
    before = (Building.objects.count(), sorted(Building.objects.values_list("pk", "version")))
    grid = _table([("storeys", 6), (key, cell)])
    data = _file(grid, fmt)
    column = HEADER[key]
    job = _web(_english(client_as("cq_officer")), data, f"bad{fmt}")
    assert job.status == JobBase.Status.REJECTED
    assert job.errors == [{"row": 3, "column": column, "message": message}]
    path = tmp_path / f"bad{fmt}"
    path.write_bytes(data)
    with pytest.raises(CommandError) as refused:
        call_command("import_buildings", str(path), "--user", "cq_officer")
    assert f"row 3 {column}: {message}" in str(refused.value)
    code, err = _stock(tmp_path, data, f"in{fmt}", capsys)
    assert code == 2 and f"in{fmt}:row 3:{column}: {message}" in err
    assert not (tmp_path / "o.csv").exists()
    assert (
        Building.objects.count(),
        sorted(Building.objects.values_list("pk", "version")),
    ) == before


def test_duplicates_and_layout_refused_alike_by_stock_and_import(client_as, tmp_path, capsys):
    grid = _table([("storeys", 6), ("storeys", 6), ("storeys", 6)])
    grid[3][[c.key for c in columns()].index("building_no")] = grid[1][
        [c.key for c in columns()].index("building_no")
    ]
    grid[0].append("备注")
    for r in grid[1:]:
        r.append("")
    data = _file(grid, ".xlsx")
    job = _web(_english(client_as("cq_officer")), data, "dup.xlsx")
    assert [e["message"] for e in job.errors] == [
        "Column AI “备注” is not a column of the template (extra column)"
    ]
    code, err = _stock(tmp_path, data, "dup.xlsx", capsys)
    assert code == 2 and "row 1:备注: Column AI “备注” is not a column" in err
    for r in grid:
        r.pop()
    data = _file(grid, ".xlsx")
    job = _web(_english(client_as("cq_officer")), data, "dup.xlsx")
    assert job.errors == [{"row": 4, "column": "楼号", "message": "the same building as row 2"}]
    code, err = _stock(tmp_path, data, "dup.xlsx", capsys)
    assert code == 2 and "dup.xlsx:row 4:楼号: the same building as row 2" in err


def test_messages_in_the_readers_language(client_as, tmp_path, capsys, monkeypatch):
    """The page's user reads Chinese; the command line follows LANGUAGE/LANG."""
    data = _file(_table([("storeys", "six")]), ".xlsx")
    job = _web(client_as("cq_officer"), data, "zh.xlsx")  # Chinese: the default
    assert job.errors == [{"row": 2, "column": "地上层数", "message": "“six”不是有效数字"}]
    monkeypatch.setenv("LANGUAGE", "zh_CN:zh")
    code, err = _stock(tmp_path, data, "zh.xlsx", capsys)
    assert code == 2 and "zh.xlsx:第 2 行:地上层数: “six”不是有效数字" in err


@pytest.mark.parametrize("cell", sorted(YES_WORDS | NO_WORDS))
def test_engine_input_reads_yes_no_as_the_validator(cell):
    assert _bool({"x": cell}, "x") is (cell in YES_WORDS)


EVIL = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tx", "正常文字"]
SAFE = ['\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)", "'\tx", "正常文字"]


def test_the_one_writer_neutralises_formulas_in_every_format(tmp_path):
    assert [neutralise(v) for v in EVIL] == SAFE
    assert neutralise(-2) == -2 and neutralise(None) is None  # numbers stay numbers
    cols = {"name": EVIL, "n": list(range(len(EVIL)))}
    ws = load_workbook(save(column_sheet(cols), tmp_path / "o.xlsx")).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == SAFE
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    text = save(column_sheet(cols), tmp_path / "o.csv").read_text(encoding="utf-8")
    got = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[0] for r in got[1:]] == SAFE and [int(r[1]) for r in got[1:]] == list(range(6))
