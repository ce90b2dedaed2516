"""The dashboard's task table as each role sees it."""

import re

from jigai.dashboard.services import progress_table


def _rows(html):
    return re.findall(r'<tr class="(mine)?" data-county="(\w+)">(.*?)</tr>', html, re.S)


def test_progress_table_values(programme, user):
    table = progress_table(programme, user("zjj_admin"))
    assert [r.division.name for r in table.rows] == [
        "平定县",
        "盂县",
        "城区",
        "矿区",
        "郊区",
        "高新区",
    ]
    assert [r.total.target_m2 for r in table.rows] == [
        45_000,
        1_219_200,
        134_600,
        70_000,
        250_000,
        531_200,
    ]
    assert [c.target_m2 for c in table.totals] == [322_400, 1_677_600, 250_000]
    assert table.grand_total.target_m2 == 2_250_000
    # nothing started yet: all zero, 0 % where there is a target, no % where there is none
    assert all(r.total.in_progress_m2 == 0 and r.total.completed_m2 == 0 for r in table.rows)
    assert table.rows[1].cells[2].completed_fraction == 0
    assert table.rows[0].cells[0].completed_fraction is None
    assert table.chart_data()["targets"][1] == [27.79, 69.13, 25.0]


def test_dashboard_for_the_city_lists_every_county_with_links(client_as, programme):
    response = client_as("zjj_admin").get("/dashboard/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "阳泉市2023年既有建筑能效提升工程实施方案" in html
    rows = _rows(html)
    assert [code for _mine, code, _ in rows] == [
        "pingding",
        "yuxian",
        "chengqu",
        "kuangqu",
        "jiaoqu",
        "gaoxin",
    ]
    assert not any(mine for mine, _c, _ in rows)
    assert html.count(f"/dashboard/programmes/{programme.pk}/counties/") == 6
    yu = dict((code, body) for _m, code, body in rows)["yuxian"]
    assert re.findall(r"<td>([^<]*)</td>", yu)[:4] == ["27.79", "0.00", "0.00", "0.0%"]
    assert "121.92" in yu and "225.00" in html  # county total, city total


def test_county_officer_sees_own_row_highlighted_and_no_other_details(client_as, programme):
    html = client_as("yx_officer").get("/dashboard/").content.decode()
    rows = _rows(html)
    assert [code for mine, code, _ in rows if mine] == ["yuxian"]
    links = re.findall(rf"/dashboard/programmes/{programme.pk}/counties/(\w+)/", html)
    assert links == ["yuxian"]


def test_dashboard_switches_to_english(client_as, programme):
    client = client_as("zjj_admin")
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    html = client.get("/dashboard/").content.decode()
    assert '<html lang="en">' in html
    assert "Task table and progress" in html


def test_dashboard_is_chinese_by_default(client_as, programme):
    html = client_as("zjj_admin").get("/dashboard/").content.decode()
    assert '<html lang="zh-hans">' in html
