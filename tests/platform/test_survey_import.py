"""The survey's Excel import: validate every row first, write all or nothing."""

import io

import pytest
from django.http import HttpResponse
from openpyxl import load_workbook

from jigai.audit.models import AuditEntry
from jigai.buildings import importer, services
from jigai.buildings.models import Assessment, Building, Community, ImportJob
from jigai.stock.synthetic import generate, rows
from jigai.surveytable.schema import columns
from jigai.surveytable.template import template
from jigai.surveytable.writer import save, survey_sheet

HEADERS = [c.header for c in columns()]


def _rows(n=5, seed=7):
    """n synthetic rows for 城区 (its demo street offices exist)."""
    out = []
    for row in rows(generate(400, seed=seed)):
        if row["county"] == "城区":
            row["community"] = "测试" + row["community"]
            row.update(
                community_renovation=False,
                safety_grade="A",
                remaining_life_years=30,
                in_demolition_area=False,
                energy_efficient=False,
            )
            out.append(row)
        if len(out) == n:
            return out
    raise AssertionError("not enough rows")


def _state():
    return (
        Building.objects.count(),
        Community.objects.count(),
        AuditEntry.objects.count(),
        sorted(Building.objects.values_list("pk", "version")),
    )


def _import(data, user):
    job = importer.start(data, "survey.xlsx", actor=user)
    return importer.run(job)


def _workbook(mutate=None, data_rows=None):
    data = save(survey_sheet(data_rows if data_rows is not None else _rows()))
    if mutate is None:
        return data
    wb = load_workbook(io.BytesIO(data))
    mutate(wb.active)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_template_has_every_column_and_a_help_sheet():
    wb = load_workbook(io.BytesIO(template()))
    assert wb.sheetnames == ["楼栋调查表", "填表说明"]
    assert [c.value for c in wb["楼栋调查表"][1]] == HEADERS
    assert wb["楼栋调查表"].max_row == 1
    help_rows = list(wb["填表说明"].iter_rows(min_row=2, values_only=True))
    assert len(help_rows) == len(HEADERS)
    use = next(r for r in help_rows if r[0] == "建筑用途")
    assert use[1] == "是" and "居住建筑" in use[4]
    assert len(wb["楼栋调查表"].data_validations.dataValidation) >= 5


def test_good_file_imports_and_the_same_file_again_changes_nothing(user):
    admin = user("zjj_admin")
    data = _workbook()
    before = Building.objects.count()
    job = _import(data, admin)
    assert (job.status, job.total_rows, job.created, job.updated, job.unchanged) == (
        "done",
        5,
        5,
        0,
        0,
    )
    assert Building.objects.count() == before + 5
    entry = AuditEntry.objects.filter(action="survey.create").order_by("-seq").first()
    assert len(entry.after["buildings"]) == 5
    # the chain went on: the imported buildings are screened and assessed, no other action
    imported = Building.objects.filter(community__name__startswith="测试")
    assert Assessment.objects.filter(building__in=imported, is_current=True).count() == 5
    assert [(s["key"], s["done"], s["total"]) for s in job.steps] == [
        ("validate", 0, 0),
        ("write", 5, 5),
        ("screen", job.steps[2]["total"], job.steps[2]["total"]),
        ("assess", 5, 5),
    ]
    assert job.steps[2]["total"] == Building.objects.filter(division__code="chengqu").count()
    state = _state()
    job = _import(data, admin)
    assert (job.status, job.created, job.updated, job.unchanged) == ("done", 0, 0, 5)
    # only the screening and assessment runs' entries are new; no building changed, and the
    # 5 buildings' inputs are unchanged, so none is assessed again
    assert _state()[:2] == state[:2] and _state()[3] == state[3]
    assert list(AuditEntry.objects.order_by("-seq").values_list("action", flat=True)[:2]) == [
        "survey.assess",
        "survey.screen",
    ]
    assert AuditEntry.objects.order_by("-seq").first().after == {"unchanged": 5}


def test_changed_row_updates_with_an_audit_entry(user):
    admin = user("zjj_admin")
    data_rows = _rows()
    _import(_workbook(data_rows=data_rows), admin)
    data_rows[2]["households"] = data_rows[2]["households"] + 3
    data_rows[2]["safety_grade"] = "C"
    job = _import(_workbook(data_rows=data_rows), admin)
    assert (job.created, job.updated, job.unchanged) == (0, 1, 4)
    b = Building.objects.get(
        community__name=data_rows[2]["community"], building_no=data_rows[2]["building_no"]
    )
    assert (b.safety_grade, b.version) == ("C", 2)
    entry = AuditEntry.objects.filter(action="survey.update").order_by("-seq").first()
    assert entry.object_id == str(b.pk)
    assert entry.before == {"households": data_rows[2]["households"] - 3, "safety_grade": "A"}
    assert entry.after == {"households": data_rows[2]["households"], "safety_grade": "C"}
    # and the screening now excludes it
    assert b.screenings.get().status == "excluded"


def _set(cell, value):
    def mutate(ws):
        ws[cell] = value

    return mutate


COL = {c.header: i for i, c in enumerate(columns())}


def _letter(header):
    from openpyxl.utils import get_column_letter

    return get_column_letter(COL[header] + 1)


@pytest.mark.parametrize(
    ("mutate", "row", "column", "message"),
    [
        (_set(f"{_letter('地上层数')}3", "六"), 3, "地上层数", "“六” is not a number"),
        (_set(f"{_letter('建成年份')}4", 1850), 4, "建成年份", "1850 is outside 1900–2100"),
        (_set(f"{_letter('楼号')}2", None), 2, "楼号", "required"),
        (_set(f"{_letter('建筑用途')}5", "别墅"), 5, "建筑用途", "“别墅” is not one of"),
        (_set(f"{_letter('县区')}2", "阳曲县"), 2, "县区", "unknown county/district “阳曲县”"),
        (
            _set(f"{_letter('街道（乡镇）')}3", "不存在街道"),
            3,
            "街道（乡镇）",
            "unknown street office “不存在街道” in 城区",
        ),
        (
            _set(f"{_letter('纳入老旧小区改造')}4", "也许"),
            4,
            "纳入老旧小区改造",
            "“也许” is not 是 or 否",
        ),
        (_set(f"{_letter('同意改造户数')}2", 100000), 2, "同意改造户数", "outside"),
        (_set(f"{_letter('地上层数')}6", "=2+4"), 0, "", "holds a formula"),
    ],
    ids=[
        "type",
        "range",
        "missing",
        "choice",
        "unknown county",
        "unknown street",
        "bool",
        "range2",
        "formula",
    ],
)
def test_bad_cell_rejects_the_whole_file(user, mutate, row, column, message):
    before = _state()
    job = _import(_workbook(mutate), user("zjj_admin"))
    assert job.status == ImportJob.Status.REJECTED
    assert any(
        message in e["message"] and (row == 0 or e["row"] == row) and column in e["column"]
        for e in job.errors
    ), job.errors
    assert _state() == before


def test_duplicates_inside_the_file(user):
    data_rows = _rows()
    data_rows[3]["community"], data_rows[3]["building_no"] = (
        data_rows[1]["community"],
        data_rows[1]["building_no"],
    )
    data_rows[4]["bdc_code"] = data_rows[0]["bdc_code"] = "140302001001GB00001F00010001"
    before = _state()
    job = _import(_workbook(data_rows=data_rows), user("zjj_admin"))
    messages = sorted((e["row"], e["message"]) for e in job.errors)
    assert messages == [(5, "the same building as row 3"), (6, "the same code as row 2")]
    assert _state() == before


def test_real_estate_code_held_by_another_building(user):
    admin = user("zjj_admin")
    data_rows = _rows()
    data_rows[0]["bdc_code"] = "140302001001GB00001F00010001"
    _import(_workbook(data_rows=data_rows[:1]), admin)
    other = _rows(seed=8)[:1]
    other[0]["bdc_code"] = "140302001001GB00001F00010001"
    before = _state()
    job = _import(_workbook(data_rows=other), admin)
    assert job.errors[0]["message"].startswith("already recorded for ")
    assert _state() == before


def test_county_officer_imports_only_own_county(user):
    before = _state()
    job = _import(_workbook(), user("yx_officer"))  # the rows are 城区's
    assert {e["message"] for e in job.errors} == {"“城区” is outside your area"}
    assert _state() == before


def test_layout_problems(user):
    def merged(ws):
        ws.merge_cells("A2:B2")

    def extra(ws):
        ws.cell(row=1, column=len(HEADERS) + 1, value="备注")

    def missing(ws):
        ws.delete_cols(COL["建筑面积[m²]"] + 1)

    for mutate, expected in [
        (merged, "Merged cells A2:B2"),
        (extra, "“备注” is not a column of the template"),
        (missing, "The required column “建筑面积[m²]” is missing"),
    ]:
        before = _state()
        job = _import(_workbook(mutate), user("zjj_admin"))
        assert job.status == "rejected"
        assert any(expected in e["message"] for e in job.errors), job.errors
        assert _state() == before


def test_file_too_large_or_not_excel(user, settings):
    settings.IMPORT_MAX_BYTES = 30 * 1024 * 1024
    before = _state()
    job = _import(b"\0" * (30 * 1024 * 1024 + 1), user("zjj_admin"))
    assert "more than the limit of 31 MB" in job.errors[0]["message"]
    job = _import(b"name,floor_area\nA,100\n", user("zjj_admin"))
    assert "Not readable as an Excel (.xlsx) file" in job.errors[0]["message"]
    assert _state() == before


def test_upload_page_rejects_a_30_mb_file_before_reading(client_as, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    client = client_as("cq_officer")
    before = _state()
    big = SimpleUploadedFile("big.xlsx", b"0" * (30 * 1024 * 1024))
    response = client.post("/buildings/import/", {"file": big})
    assert response.status_code == 302 and response["Location"] == "/buildings/import/"
    assert _state() == before
    assert not ImportJob.objects.filter(file_name="big.xlsx").exists()


def test_upload_page_imports_and_reports(client_as, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as("cq_officer")
    response = client.post(
        "/buildings/import/", {"file": SimpleUploadedFile("ok.xlsx", _workbook())}
    )
    job = ImportJob.objects.order_by("-pk").first()
    assert response["Location"] == f"/buildings/import/{job.pk}/"
    assert (job.status, job.created) == ("done", 5)
    bad = _workbook(_set(f"{_letter('地上层数')}3", "六"))
    client.post("/buildings/import/", {"file": SimpleUploadedFile("bad.xlsx", bad)})
    job = ImportJob.objects.order_by("-pk").first()
    page = client.get(f"/buildings/import/{job.pk}/")
    assert page.status_code == 200 and "六" in page.content.decode()
    report = client.get(f"/buildings/import/{job.pk}/errors/")
    ws = load_workbook(io.BytesIO(report.content)).active
    # the page works in Chinese: the report and the stored messages are in the uploader's language
    assert list(ws.iter_rows(values_only=True)) == [
        ("行号", "列", "问题"),
        (3, "地上层数", job.errors[0]["message"]),
    ]
    assert "六" in job.errors[0]["message"]


def test_export_imports_again_unchanged_and_neutralises_formulas(client_as, user):
    admin = user("zjj_admin")
    data_rows = _rows()
    data_rows[0]["address"] = '=HYPERLINK("http://example.invalid","点我")'
    _import(_workbook(data_rows=data_rows), admin)
    response = _export(client_as("zjj_admin"), "county=chengqu&community=测试")
    wb = load_workbook(io.BytesIO(response.content))
    values = [row for row in wb.active.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 5
    addresses = [v[COL["地址"]] for v in values]
    assert '\'=HYPERLINK("http://example.invalid","点我")' in addresses
    assert all(c.data_type != "f" for row in wb.active.iter_rows() for c in row)
    job = _import(response.content, admin)
    # an export imports again without changing anything (the quote is kept as text)
    assert (job.status, job.created, job.updated, job.unchanged) == ("done", 0, 0, 5)


def _export(client, query: str):
    """Ask for an export of the list as filtered by ``query``: a job (run at once in tests)
    whose page offers its file; return the file's response."""
    from jigai.buildings.models import Job

    response = client.post(f"/buildings/export/?{query}")
    job = Job.objects.filter(kind="export").order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == f"/buildings/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert f'href="/buildings/jobs/{job.pk}/file/"' in page
    job.refresh_from_db()
    assert f"导出楼栋数 {job.result['buildings']}</p>" in page  # labelled, not a raw key
    assert f'href="/buildings/?{job.list_query}">返回楼栋列表' in page.replace("&amp;", "&")
    file = client.get(f"/buildings/jobs/{job.pk}/file/")
    assert file.status_code == 200
    return HttpResponse(b"".join(file.streaming_content))


def test_filtered_list_export_matches_the_list(client_as, user):
    from jigai.audit.models import AuditEntry
    from jigai.buildings.models import Job

    client = client_as("yx_officer")
    page = client.get("/buildings/", {"status": "excluded"})
    count = page.context["page"].paginator.count
    entries = AuditEntry.objects.count()
    response = _export(client, "status=excluded&page=3&nonsense=1")
    job = Job.objects.get(kind="export")
    assert (job.params, job.result, job.division.code) == (
        {"status": "excluded"},
        {"buildings": count},
        "yuxian",
    )
    assert [(s["key"], s["done"], s["total"], s["end"]) for s in job.steps] == [
        ("export", count, count, True)
    ]
    assert AuditEntry.objects.count() == entries  # reading is not a change
    ws = load_workbook(io.BytesIO(response.content)).active
    rows_ = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows_) == count > 0
    assert {r[0] for r in rows_} == {"盂县"}
    # the same filter again while one runs gives that one; the file is the asker's alone
    assert client_as("cq_officer").get(f"/buildings/jobs/{job.pk}/file/").status_code == 404
    assert client_as("zjj_admin").get(f"/buildings/jobs/{job.pk}/file/").status_code == 404


def test_county_officer_list_is_scoped(client_as):
    response = client_as("yx_officer").get("/buildings/")
    assert (
        response.context["page"].paginator.count
        == Building.objects.filter(division__code="yuxian").count()
    )
    assert {b.division.code for b in response.context["page"]} == {"yuxian"}


def test_summary_and_reason_counts(user, programme):
    statuses, rows_, totals = services.summary(user("zjj_admin"), programme)
    assert sum(n for n, _a in totals) == 1200
    assert [r["code"] for r in rows_] == [
        "pingding",
        "yuxian",
        "chengqu",
        "kuangqu",
        "jiaoqu",
        "gaoxin",
    ]
    counts = services.reason_counts(user("zjj_admin"), programme)
    assert set(counts) <= {
        "demolition_area",
        "unsafe",
        "short_life",
        "energy_efficient",
        "missing_safety_grade",
        "missing_remaining_life",
    }
    yx = services.summary(user("yx_officer"), programme)[1]
    assert [r["code"] for r in yx] == ["yuxian"]


def test_commands_export_and_import(db, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = tmp_path / "yx.xlsx"
    call_command(
        "export_buildings", "--user", "yx_officer", "--out", str(out), "--status", "excluded"
    )
    n = Building.objects.filter(division__code="yuxian", screenings__status="excluded").count()
    assert f"wrote {n} buildings" in capsys.readouterr().out
    call_command("import_buildings", str(out), "--user", "yx_officer")
    assert f"{n} rows — 0 created, 0 updated, {n} unchanged" in capsys.readouterr().out
    before = _state()
    with pytest.raises(CommandError, match=f"nothing imported, {n} problem"):
        call_command("import_buildings", str(out), "--user", "cq_officer")
    assert _state() == before
