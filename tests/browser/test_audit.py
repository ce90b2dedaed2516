"""The audit administrator filters the trail (htmx) and verifies the chain."""

import pytest

pytestmark = pytest.mark.browser


def test_audit_admin_filters_and_verifies(login, server):
    page = login("auditadmin")
    page.wait_for_url(server + "/audit/")
    rows = page.locator("[data-testid=audit-table] tbody tr")
    assert rows.count() >= 3
    page.select_option("select[name=action]", "programme.load")
    page.wait_for_url("**action=programme.load**")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=audit-table] tbody tr').length === 1"
    )
    assert "programme.load" in rows.first.inner_text()
    page.click("form[action$='/audit/verify/'] button")
    result = page.locator("[data-testid=verify-result] .ok")
    assert result.count() == 1
