"""The survey in headless Chromium: a county officer imports a workbook (the job
runs in the background, the page polls its progress), finds the buildings, and
sees them on the offline map."""

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _workbook(tmp_path):
    from jigai.stock.synthetic import generate, rows
    from jigai.surveytable.writer import save, survey_sheet

    picked = []
    for row in rows(generate(400, seed=11)):
        if row["county"] == "城区":
            row["community"] = "浏览器测试小区"
            row["building_no"] = f"{len(picked) + 1}号楼"
            picked.append(row)
        if len(picked) == 4:
            break
    path = tmp_path / "城区调查.xlsx"
    path.write_bytes(save(survey_sheet(picked)))
    return path


def test_county_officer_imports_and_finds_buildings(login, server, tmp_path):
    page = login("cq_officer")
    page.goto(server + "/buildings/import/")
    with page.expect_download() as download:
        page.click("[data-testid=template]")
    assert download.value.suggested_filename == "jigai-survey-template.xlsx"
    page.set_input_files("input[type=file]", str(_workbook(tmp_path)))
    page.click("button[type=submit]")
    page.wait_for_selector("#job[data-status=done]", timeout=30_000)
    assert "4" in page.inner_text("[data-testid=job-counts]")
    page.goto(server + "/buildings/?community=浏览器测试")
    rows = page.locator("[data-testid=building-table] tbody tr")
    assert rows.count() == 4
    assert set(
        page.locator("[data-testid=building-table] tbody td:first-child").all_inner_texts()
    ) == {"城区"}
    # filtering by eligibility through htmx keeps the county scope
    page.goto(server + "/buildings/")
    page.select_option("select[name=status]", "excluded")
    page.wait_for_url("**status=excluded**")
    statuses = page.locator("[data-testid=building-table] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.status)"
    )
    assert statuses and set(statuses) == {"excluded"}
    page.goto(server + "/buildings/map/")
    page.wait_for_selector("#map[data-ready='1'] canvas")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "survey-map-county-officer.png"))


def test_bad_workbook_is_rejected_with_a_report(login, server, tmp_path):
    from openpyxl import load_workbook

    path = _workbook(tmp_path)
    wb = load_workbook(path)
    wb.active["K3"] = "六层"  # 地上层数 is column K
    wb.save(path)
    page = login("cq_officer")
    page.goto(server + "/buildings/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("button[type=submit]")
    page.wait_for_selector("#job[data-status=rejected]", timeout=30_000)
    assert "六层" in page.inner_text("[data-testid=job-errors]")
    with page.expect_download() as download:
        page.click("[data-testid=error-report]")
    assert download.value.suggested_filename.endswith("-errors.xlsx")
