"""The web surface in headless Chromium: a community name imported from a survey
table is shown as text, never run as markup (stored XSS in the map tooltip), and the
main pages load under the Content-Security-Policy without a single violation."""

import pytest

pytestmark = pytest.mark.browser

PAYLOAD = "<img src=x onerror=window.__xss=1>"
SPOT = (113.9001, 37.8001)  # lon, lat: a spot of 城区 where the demo has no building


def _workbook(tmp_path):
    from jigai.stock.synthetic import generate, rows
    from jigai.surveytable.writer import save, survey_sheet

    for row in rows(generate(400, seed=11)):
        if row["county"] == "城区":
            row.update(community=PAYLOAD, building_no="1号楼", lon=SPOT[0], lat=SPOT[1])
            break
    path = tmp_path / "xss.xlsx"
    path.write_bytes(save(survey_sheet([row])))
    return path


def _console(page):
    seen = []
    page.on("console", lambda m: seen.append(f"{page.url}: {m.text}"))
    return seen


def test_community_name_in_map_tooltip_is_text_not_markup(login, server, tmp_path):
    page = login("cq_officer")
    seen = _console(page)
    page.goto(server + "/buildings/import/")
    page.set_input_files("input[type=file]", str(_workbook(tmp_path)))
    page.click("button[type=submit]")
    page.wait_for_selector("#job[data-status=done]", timeout=30_000)
    # zoomed in on the imported building: one point, shown one by one
    w, s = SPOT[0] - 0.001, SPOT[1] - 0.001
    bbox = f"{w},{s},{SPOT[0] + 0.001},{SPOT[1] + 0.001}"
    page.goto(f"{server}/buildings/map/?zoom=8&bbox={bbox}")
    page.wait_for_selector("#map[data-ready='1'] canvas")
    assert page.get_attribute("#map", "data-mode") == "points"
    x, y = page.evaluate(
        """([lon, lat]) => {
             const chart = echarts.getInstanceByDom(document.getElementById("map"));
             const box = document.getElementById("map").getBoundingClientRect();
             const [px, py] = chart.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [lon, lat]);
             return [box.left + px, box.top + py];
           }""",
        list(SPOT),
    )
    tooltip = None
    for dx, dy in ((0, 0), (1, 0), (0, 1), (-1, 0), (0, -1)):
        page.mouse.move(x + dx, y + dy)
        page.wait_for_timeout(400)
        texts = page.evaluate(
            "() => [...document.querySelectorAll('#map div')]"
            ".filter(d => d.style.display !== 'none' && d.textContent.includes('号楼'))"
            ".map(d => d.textContent)"
        )
        if texts:
            tooltip = texts[-1]
            break
    assert tooltip is not None, "the point's tooltip did not show"
    # no handler ran, no element was made of the name: it is shown as the text it is
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate("() => document.querySelectorAll('#map img').length") == 0
    assert PAYLOAD + "1号楼" in tooltip
    assert not [m for m in seen if "Content Security Policy" in m], seen


def test_escaping_of_every_tooltip_text(login, server):
    """map.js's tooltip, called directly on a crafted building and a crafted cell."""
    page = login("zjj_admin")
    page.goto(server + "/buildings/map/")
    page.wait_for_selector("#map[data-ready='1']")
    html = page.evaluate(
        """() => jigaiMap.tooltipHtml([113, 38, "eligible", "<b onmouseover=x>&'\\"", 7],
                                      {}, [], {buildings: "b", area: "a"})"""
    )
    assert html == "&lt;b onmouseover=x&gt;&amp;&#39;&quot;"
    cell = page.evaluate(
        """() => jigaiMap.tooltipHtml([113, 38, 2, 1500, [1, 1]],
                                      {x: "<i>x</i>", y: "y"}, ["x", "y"],
                                      {buildings: "<s>b</s>", area: "a"})"""
    )
    assert cell == "2 &lt;s&gt;b&lt;/s&gt;, a 1,500<br>&lt;i&gt;x&lt;/i&gt;: 1<br>y: 1"


MAIN_PAGES = [
    "/dashboard/",
    "/buildings/",
    "/buildings/map/",
    "/buildings/summary/",
    "/projects/",
    "/audit/",
    "/programmes/",
]


@pytest.mark.parametrize("username", ["zjj_admin", "auditadmin"])
def test_main_pages_have_no_csp_violation(login, server, page, username):
    seen = _console(page)
    violations = []
    page.on("pageerror", lambda e: violations.append(str(e)))
    login(username)
    page.wait_for_load_state("networkidle")
    for path in MAIN_PAGES:
        response = page.goto(server + path)
        page.wait_for_load_state("networkidle")
        if response.status != 200:
            continue
        assert "script-src 'self'" in response.headers["content-security-policy"]
        if path == "/dashboard/":
            page.wait_for_selector("#chart[data-ready='1'] canvas")
            page.hover("#chart canvas", position={"x": 200, "y": 200})  # axis tooltip
            page.wait_for_timeout(300)
        if path == "/buildings/map/":
            page.wait_for_selector("#map[data-ready='1'] canvas")
            page.hover("#map canvas", position={"x": 300, "y": 300})
            page.wait_for_timeout(300)
    # a project's page, reached through the list (when an earlier test made one)
    page.goto(server + "/projects/")
    link = page.locator("main table a[href*='/projects/']").first
    if link.count():
        link.click()
        page.wait_for_load_state("networkidle")
    blocked = [m for m in seen if "Content Security Policy" in m]
    assert not blocked, "\n".join(blocked)
    assert not violations, violations
