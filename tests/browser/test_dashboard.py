"""The dashboard in headless Chromium, as a county officer and as the city."""

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_county_officer_dashboard(login, server):
    page = login("yx_officer")
    page.wait_for_url(server + "/dashboard/")
    assert "周盂县" in page.inner_text("[data-testid=who]")
    # own row highlighted, and only that one
    mine = page.locator("tr.mine")
    assert mine.count() == 1
    assert mine.get_attribute("data-county") == "yuxian"
    assert "121.92" in mine.inner_text()
    # other counties are listed without links to their details
    assert page.locator("tr[data-county=chengqu] a").count() == 0
    assert page.locator("tfoot").inner_text().count("225.00") == 1
    # the ECharts chart has drawn on its canvas
    page.wait_for_selector("#chart[data-ready='1'] canvas")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-county-officer.png"), full_page=True)
    # open the county page through the link
    page.click("tr.mine a")
    page.wait_for_selector("[data-testid=county-row]")
    assert "盂县" in page.locator("h1").inner_text()
    assert "121.92" in page.locator("[data-testid=county-row] tfoot").inner_text()
    # another county's page answers 404
    other = page.goto(page.url.replace("/yuxian/", "/chengqu/"))
    assert other.status == 404


def test_city_admin_sees_every_county_and_can_switch_to_english(login, server):
    page = login("zjj_admin")
    page.wait_for_url(server + "/dashboard/")
    assert page.locator("tr[data-county] a").count() == 6
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("html[lang=en]")
    assert "Task table and progress" in page.inner_text("main")


def test_wrong_password_five_times_locks_only_that_name(login, server, page):
    for _ in range(5):
        login("kq_officer", "Wrong#Pass1")
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist").count() == 1
    login("kq_officer")  # the right password is refused while locked
    assert "/accounts/login/" in page.url
    login("jq_officer")  # a colleague is not affected
    page.wait_for_url(server + "/dashboard/")
