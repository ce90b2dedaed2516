"""The building list pages through an indexed order instead of sorting every building."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jigai.buildings.models import Building


def _key(b):
    return (b.division_id, b.community_id, b.building_no)


@pytest.mark.parametrize(
    ("username", "query"),
    [("zjj_admin", {}), ("yx_officer", {}), ("zjj_admin", {"county": "gaoxin"})],
)
def test_pages_follow_county_community_number(client_as, username, query):
    client = client_as(username)
    first = client.get("/buildings/", query)
    second = client.get("/buildings/", {**query, "page": "2"})
    shown = [*first.context["page"].object_list, *second.context["page"].object_list]
    visible = Building.objects.for_user(first.wsgi_request.user)
    if query:
        visible = visible.filter(division__code=query["county"])
    # the expected order, sorted here in Python from every visible building
    expected = sorted(visible, key=_key)[:100]
    assert [b.pk for b in shown] == [b.pk for b in expected]
    assert first.context["page"].paginator.count == visible.count()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
@pytest.mark.parametrize("query", [{}, {"county": "yuxian"}, {"county": "yuxian", "page": "9"}])
def test_page_query_reads_the_index_without_sorting(client_as, query):
    with CaptureQueriesContext(connection) as q:
        client_as("zjj_admin").get("/buildings/", query)
    page_sql = next(
        x["sql"]
        for x in q.captured_queries
        if "LIMIT 50" in x["sql"] and "buildings_building" in x["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + page_sql)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "building_list_order" in plan
    assert "TEMP B-TREE" not in plan
