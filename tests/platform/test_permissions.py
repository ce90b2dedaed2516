"""A county officer sees their own county and gets 404 for another's records.

Every URL × every role is checked by ``test_access_matrix.py`` against ``access_matrix.csv``
(with the privileged roles' second factor)."""

import pytest


@pytest.mark.parametrize(
    "officer", ["pd_officer", "cq_officer", "kq_officer", "jq_officer", "gx_officer"]
)
def test_county_officer_gets_404_for_another_county(client_as, programme, officer):
    from jigai.buildings.models import Building

    client = client_as(officer)
    assert client.get(f"/dashboard/programmes/{programme.pk}/counties/yuxian/").status_code == 404
    building = Building.objects.filter(division__code="yuxian").first()
    assert client.get(f"/buildings/{building.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("officer", "code"),
    [
        ("pd_officer", "pingding"),
        ("yx_officer", "yuxian"),
        ("cq_officer", "chengqu"),
        ("kq_officer", "kuangqu"),
        ("jq_officer", "jiaoqu"),
        ("gx_officer", "gaoxin"),
    ],
)
def test_county_officer_opens_own_county(client_as, programme, officer, code):
    response = client_as(officer).get(f"/dashboard/programmes/{programme.pk}/counties/{code}/")
    assert response.status_code == 200
    assert response.context["division"].code == code
