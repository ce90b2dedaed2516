"""One residential project from creation to closed, in headless Chromium, each
step by the role the plan gives it."""

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _act(page, action, reason=""):
    form = page.locator(f"form[data-action={action}]")
    if reason:
        form.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".messages li.error").count() == 0, page.inner_text(".messages")


def _submit(page, button):
    with page.expect_navigation():
        button.click()


def _stage(page):
    return page.get_attribute("[data-testid=stage]", "data-stage")


def test_residential_project_declaration_to_closed(browser, server):
    def as_user(username):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(server + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "Jigai@2023")
        page.click("button[type=submit]")
        page.wait_for_url(server + "/dashboard/")
        return page

    county = as_user("gx_officer")
    county.goto(server + "/projects/new/")
    county.fill("input[name=name]", "西南舁街道既有住宅能效提升项目")
    county.select_option("select[name=category]", label="单独进行能效提升的居建")
    county.click("button[type=submit]")
    county.wait_for_selector("[data-testid=stage]")
    url = county.url
    options = county.locator("[data-testid=candidates] option")
    county.select_option(
        "[data-testid=candidates]",
        [options.nth(0).get_attribute("value"), options.nth(1).get_attribute("value")],
    )
    _submit(county, county.locator("form[action$='/buildings/'] button"))
    for i in range(2):
        row = county.locator("[data-testid=items] tbody tr").nth(i)
        row.locator("input[name=eta_pct]").fill("52.3")
        row.locator("input[name=cost_fen]").fill("520000.00")
        _submit(county, row.locator("form[action*='design'] button"))
    _act(county, "declare")
    assert _stage(county) == "declared"

    approver = as_user("fgw_approver")
    approver.goto(url)
    _act(approver, "approve")

    county.goto(url)
    tender = county.locator("[data-testid=tender-form]")
    tender.locator("input[name=contract_sum_fen]").fill("1000000.00")
    tender.locator("select[name=contractor]").select_option(index=1)
    _submit(county, tender.locator("button"))
    _act(county, "tender")
    # works cannot start before the owners' money is in place
    _submit(county, county.locator("form[data-action=fund] button"))
    assert county.locator(".messages li.error").count() >= 1
    owners_due = (
        county.locator("[data-testid=funding] tbody tr").nth(1).locator("td").nth(1).inner_text()
    )
    pay = county.locator("[data-testid=pay-form]")
    pay.locator("select[name=ledger]").select_option("owners")
    pay.locator("input[name=amount_fen]").fill(owners_due.replace(",", ""))
    pay.locator("input[name=reference]").fill("YZ-GX-0001")
    pay.locator("select[name=building]").select_option(index=1)
    _submit(county, pay.locator("button"))
    _act(county, "fund")
    _act(county, "start")
    _act(county, "complete")

    inspector = as_user("inspector")
    inspector.goto(url)
    for i in range(2):
        row = inspector.locator("[data-testid=items] tbody tr").nth(i)
        row.locator("input[name=eta_pct]").fill("48.0")
        row.locator("input[name=report]").fill(f"JC-2023-{i}")
        _submit(inspector, row.locator("form[action*='as-built'] button"))
    _act(inspector, "accept")

    auditor = as_user("sjj_auditor")
    auditor.goto(url)
    _act(auditor, "audit", reason="结算审计：工程款支付与合同一致，无异议")

    admin = as_user("zjj_admin")
    admin.goto(url)
    _act(admin, "close")
    assert _stage(admin) == "closed"
    history = admin.locator("[data-testid=history] li")
    assert history.count() >= 14
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "project-closed.png"), full_page=True)
    # the accepted area now counts as completed on the dashboard
    admin.goto(server + "/dashboard/")
    completed = admin.locator("tr[data-county=gaoxin] td").nth(-2).inner_text()
    assert float(completed) > 0
