"""Figures cached per state of the data (jigai.audit.stamp): computed once while nothing
changes, computed again after any change (every change writes an audit entry), never shared
between readers who see different counties."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from jigai.audit import stamp
from jigai.audit.models import AuditEntry
from jigai.buildings import mapgrid, services
from jigai.buildings.models import Building

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def caching():
    with override_settings(CACHES=LOCMEM):
        cache.clear()
        yield
        cache.clear()


def test_computed_once_per_state(db, caching):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert [stamp.cached("t", ("a",), compute) for _ in range(3)] == [1, 1, 1]
    assert stamp.cached("t", ("b",), compute) == 2  # other parts: another key
    AuditEntry.objects.count()  # reading changes nothing
    assert stamp.cached("t", ("a",), compute) == 1
    from jigai.audit import services as audit

    audit.record(actor=None, actor_name="test", action="demo.load", data={"n": 0})
    assert stamp.head() == AuditEntry.objects.order_by("-seq").first().seq
    assert stamp.cached("t", ("a",), compute) == 3


def test_pages_follow_a_change_and_counties_never_share(client_as, user, programme, caching):
    yx = client_as("yx_officer")
    first = yx.get("/buildings/", {"status": "eligible", "page": 2})
    n = Building.objects.filter(
        division__code="yuxian", screenings__programme=programme, screenings__status="eligible"
    ).count()
    assert first.context["page"].paginator.count == n > 50
    assert [b.division.code for b in first.context["page"]] == ["yuxian"] * 50
    assert yx.get("/buildings/summary/").context["totals"][0][0] == n
    # another county's officer gets their own figures, not 盂县's cached ones
    cq = client_as("cq_officer")
    assert {b.division.code for b in cq.get("/buildings/").context["page"]} == {"chengqu"}
    summary = cq.get("/buildings/summary/").context
    assert [r["code"] for r in summary["rows"]] == ["chengqu"]
    # a change (an exclusion re-screened through the service, audited) shows at once
    from jigai.buildings.eligibility import screen

    b = Building.objects.filter(division__code="yuxian", screenings__status="eligible").first()
    Building.objects.filter(pk=b.pk).update(in_demolition_area=True)
    screen(programme, Building.objects.filter(pk=b.pk), actor=user("zjj_admin"))
    yx = client_as("yx_officer")
    again = yx.get("/buildings/", {"status": "eligible", "page": 2})
    assert again.context["page"].paginator.count == n - 1
    assert yx.get("/buildings/summary/").context["totals"][0][0] == n - 1
    data = mapgrid.map_data(user("yx_officer"), programme, mapgrid.View(zoom=0))
    assert (
        data["total"] == Building.objects.filter(division__code="yuxian", lat__isnull=False).count()
    )


def test_a_page_is_a_slice_of_the_cached_order(user, programme, caching):
    officer = user("yx_officer")
    filters = services.Filters(status="eligible")
    pages = [services.building_page(officer, programme, filters, k) for k in (1, 2, 3)]
    ids = [b.pk for p in pages for b in p.object_list]
    expected = list(
        services.building_list(officer, programme, filters)
        .order_by(*services.LIST_ORDER)
        .values_list("pk", flat=True)[:150]
    )
    assert ids == expected and len(set(ids)) == 150


def test_a_status_filter_is_ordered_once_per_state(client_as, caching):
    """SQLite orders a status-filtered list with a sort (the screening index leads); it runs
    on the first view only: every later page, however deep, is a slice of the kept order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("zjj_admin")
    sorts = []
    for page in (1, 2, 19, 1):
        with CaptureQueriesContext(connection) as q:
            response = client.get("/buildings/", {"status": "eligible", "page": page})
        assert response.context["page"].number == page
        sorts.append(sum('SELECT "buildings_building"."id" AS "pk"' in x["sql"] for x in q))
    assert sorts == [1, 0, 0, 0]
