"""The survey map aggregates on the server: every visible building counts, at every zoom."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from jigai.accounts.models import Division
from jigai.audit.models import AuditEntry
from jigai.buildings import mapgrid
from jigai.buildings.models import Building, Screening


def _sum_counts(data) -> int:
    if data["mode"] == "points":
        return len(data["points"])
    return sum(c[2] for c in data["cells"])


@pytest.mark.parametrize("username", ["zjj_admin", "yx_officer", "sjj_auditor"])
def test_counts_add_up_to_every_visible_building_at_every_zoom(programme, user, username):
    u = user(username)
    visible = Building.objects.for_user(u)
    n = visible.count()
    assert n > 0
    by_status = dict(
        Screening.objects.filter(programme=programme, building__in=visible)
        .values_list("status")
        .annotate(k=Sum(1))
        .values_list("status", "k")
    )
    area = float(visible.aggregate(a=Sum("floor_area_m2"))["a"])
    for zoom in range(mapgrid.MAX_ZOOM + 1):
        # point_limit=0 forces cells even for the demo's 1,200 buildings
        data = mapgrid.map_data(u, programme, mapgrid.View(zoom=zoom), point_limit=0)
        assert data["mode"] == "cells"
        assert _sum_counts(data) + data["unlocated"] == n == data["total"] + data["unlocated"]
        assert data["cell_deg"] == 0.32 / 2**zoom
        # per status: the cells' columns add up to the screening counts
        for j, status in enumerate(data["statuses"]):
            expected = by_status.get(status, n - sum(by_status.values()))
            assert sum(c[4][j] for c in data["cells"]) == expected
            assert all(sum(c[4]) == c[2] for c in data["cells"])
        assert sum(c[3] for c in data["cells"]) == pytest.approx(
            area, abs=0.01 * len(data["cells"])
        )
    # finer zooms never have fewer markers
    sizes = [
        len(mapgrid.map_data(u, programme, mapgrid.View(zoom=z), point_limit=0)["cells"])
        for z in range(mapgrid.MAX_ZOOM + 1)
    ]
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0]


def _place(buildings, coords):
    for b, (lon, lat) in zip(buildings, coords, strict=True):
        Building.objects.filter(pk=b.pk).update(lon=Decimal(lon), lat=Decimal(lat))


def test_cells_by_hand(programme, user):
    """Three Yu-county buildings moved to a box of their own (100–101 °E, 30–31 °N).
    At zoom 0 (0.32° cells): ⌊100.01/0.32⌋ = ⌊312.53⌋ = 312, ⌊100.02/0.32⌋ = ⌊312.56⌋ = 312,
    ⌊100.33/0.32⌋ = ⌊313.53⌋ = 313; latitudes ⌊30.01/0.32⌋ = ⌊93.78⌋ = 93 for all.
    So two markers: 2 buildings at lon (100.01 + 100.02)/2 = 100.015, and 1 at 100.33."""
    three = list(Building.objects.filter(division__code="yuxian").order_by("pk")[:3])
    _place(three, [("100.01", "30.01"), ("100.02", "30.02"), ("100.33", "30.01")])
    view = mapgrid.View(zoom=0, bbox=(100.0, 30.0, 101.0, 31.0))
    data = mapgrid.map_data(user("zjj_admin"), programme, view, point_limit=0)
    cells = sorted(data["cells"])
    assert [c[2] for c in cells] == [2, 1]
    assert cells[0][0] == pytest.approx(100.015) and cells[0][1] == pytest.approx(30.015)
    assert cells[1][:2] == pytest.approx([100.33, 30.01])
    assert cells[0][3] == pytest.approx(float(three[0].floor_area_m2 + three[1].floor_area_m2))
    assert cells[1][3] == pytest.approx(float(three[2].floor_area_m2))
    # few buildings in view: sent one by one, with their ids
    data = mapgrid.map_data(user("zjj_admin"), programme, view)
    assert data["mode"] == "points"
    assert sorted(p[4] for p in data["points"]) == [b.pk for b in three]
    # a Pingding officer sees none of them
    data = mapgrid.map_data(user("pd_officer"), programme, view, point_limit=0)
    assert data["total"] == 0 and data["cells"] == []


def test_buildings_without_coordinates_are_counted(programme, user):
    yx = Division.objects.get(code="yuxian")
    n = Building.objects.filter(division=yx).count()
    Building.objects.filter(
        pk__in=Building.objects.filter(division=yx).order_by("pk")[:7].values("pk")
    ).update(lat=None)
    data = mapgrid.map_data(user("yx_officer"), programme, mapgrid.View(), point_limit=0)
    assert data["unlocated"] == 7 and data["total"] == n - 7


def test_no_silent_cap(programme, user, client_as):
    """More buildings than the old cap of 20,000 in one county: all counted."""
    template = Building.objects.filter(division__code="pingding").first()
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Building._meta.concrete_fields
        if f.attname not in ("id", "building_no", "bdc_code")
    }
    before = Building.objects.filter(division__code="pingding").count()
    Building.objects.bulk_create(
        [Building(**fields, building_no=f"X{i}") for i in range(20_100)], batch_size=2000
    )
    response = client_as("pd_officer").get("/buildings/map/", {"format": "json", "zoom": "8"})
    data = response.json()
    assert response.status_code == 200 and data["mode"] == "cells"
    assert _sum_counts(data) + data["unlocated"] == before + 20_100
    page = client_as("pd_officer").get("/buildings/map/", HTTP_ACCEPT_LANGUAGE="en")
    shown = page.context["data"]["total"]
    assert shown == before + 20_100 - data["unlocated"]
    assert f"{shown} buildings in view." in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"zoom": "abc"},
        {"zoom": "9"},
        {"zoom": "-1"},
        {"bbox": "1,2,3"},
        {"bbox": "114,38,113,39"},
        {"bbox": "a,b,c,d"},
        {"bbox": "nan,nan,nan,nan"},
    ],
)
def test_bad_zoom_or_box_is_refused_in_the_users_language(client_as, query):
    entries = AuditEntry.objects.count()
    client = client_as("zjj_admin")
    response = client.get("/buildings/map/", {**query, "format": "json"})
    assert response.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["error"])
    english = client.get("/buildings/map/", {**query, "format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"].startswith("The ")
    # the page itself still opens, with the message, at the default zoom
    page = client.get("/buildings/map/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and b"The " in page.content
    assert page.context["data"]["zoom"] == mapgrid.DEFAULT_ZOOM
    assert AuditEntry.objects.count() == entries


def test_json_is_scoped_per_role(client_as, programme):
    for username, code in [("yx_officer", "yuxian"), ("gx_officer", "gaoxin")]:
        data = client_as(username).get("/buildings/map/", {"format": "json", "zoom": "3"}).json()
        n = Building.objects.filter(division__code=code).count()
        assert data["total"] + data["unlocated"] == n
    data = client_as("zjj_admin").get("/buildings/map/", {"format": "json"}).json()
    assert data["total"] + data["unlocated"] == Building.objects.count()
    assert client_as("contractor").get("/buildings/map/", {"format": "json"}).status_code in (
        403,
        404,
    )
