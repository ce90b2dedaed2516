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
def test_the_order_is_read_off_the_index_and_a_page_by_ids(client_as, query):
    """The order of the filtered list is read off the index (no sort of every building); a
    page is then its 50 buildings by primary key."""
    with CaptureQueriesContext(connection) as q:
        response = client_as("zjj_admin").get("/buildings/", query)
    order_sql = next(
        x["sql"]
        for x in q.captured_queries
        if x["sql"].startswith('SELECT "buildings_building"."id" AS "pk" FROM')
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + order_sql)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "building_list_order" in plan
    assert "TEMP B-TREE" not in plan
    page_sql = next(
        x["sql"]
        for x in q.captured_queries
        if '"buildings_building"."id" IN (' in x["sql"] and "buildings_screening" not in x["sql"]
    )
    assert page_sql.count("%s") == 0 and page_sql.count(",") > 49  # the page's 50 ids
    assert len(response.context["page"].object_list) == 50
