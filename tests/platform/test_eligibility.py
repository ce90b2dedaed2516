"""Eligibility screening by the 2023 rules (阳政办发〔2023〕36号 二（二）1)."""

from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied

from jigai.audit.models import AuditEntry
from jigai.buildings.eligibility import describe, grant_exception, judge, screen
from jigai.buildings.models import Building, EligibilityException, Screening
from jigai.core.errors import BusinessError

S = Screening.Status


def _building(**over):
    fields = dict(
        in_demolition_area=False, safety_grade="A", remaining_life_years=30, energy_efficient=False
    )
    fields.update(over)
    return Building(**fields)


@pytest.mark.parametrize(
    ("over", "status", "rules"),
    [
        ({}, S.ELIGIBLE, []),
        ({"in_demolition_area": True}, S.EXCLUDED, ["demolition_area"]),
        ({"safety_grade": "C"}, S.EXCLUDED, ["unsafe"]),
        ({"safety_grade": "D"}, S.EXCLUDED, ["unsafe"]),
        ({"safety_grade": "B"}, S.ELIGIBLE, []),
        ({"remaining_life_years": 19}, S.EXCLUDED, ["short_life"]),
        ({"remaining_life_years": 20}, S.ELIGIBLE, []),  # "20 年以上" includes 20
        ({"energy_efficient": True}, S.EXCLUDED, ["energy_efficient"]),
        ({"safety_grade": ""}, S.INCOMPLETE, ["missing_safety_grade"]),
        ({"remaining_life_years": None}, S.INCOMPLETE, ["missing_remaining_life"]),
        (
            {"in_demolition_area": True, "energy_efficient": True, "safety_grade": ""},
            S.EXCLUDED,
            ["demolition_area", "energy_efficient", "missing_safety_grade"],
        ),
    ],
)
def test_rules(programme, over, status, rules):
    verdict = judge(_building(**over), programme, has_exception=False)
    assert verdict.status == status
    assert [r["rule"] for r in verdict.reasons] == rules


def _combined_building(**over):
    """A demo residential building of an old-community renovation project, re-surveyed."""
    b = (
        Building.objects.filter(community__old_community_renovation=True, use="residential")
        .order_by("pk")
        .first()
    )
    fields = dict(
        in_demolition_area=False, safety_grade="A", remaining_life_years=30, energy_efficient=False
    )
    fields.update(over)
    Building.objects.filter(pk=b.pk).update(**fields)
    return Building.objects.get(pk=b.pk)


@pytest.mark.parametrize(
    ("over", "status", "reasons"),
    [
        ({}, S.ELIGIBLE, []),
        ({"in_demolition_area": True}, S.EXCLUDED, ["Inside a planned demolition area"]),
        (
            {"safety_grade": "C"},
            S.EXCLUDED,
            ["Safety appraisal grade C (the programme accepts A,B)"],
        ),
        (
            {"remaining_life_years": 15},
            S.EXCLUDED,
            ["15 years of use left after retrofit, fewer than 20"],
        ),
        ({"energy_efficient": True}, S.EXCLUDED, ["Already an energy-efficient building"]),
        (
            {"safety_grade": ""},
            S.INCOMPLETE,
            ["Survey incomplete: no safety appraisal grade"],
        ),
    ],
    ids=["passes", "demolition", "grade C", "15 years", "energy-efficient", "no grade"],
)
def test_combined_buildings_pass_the_same_checks(programme, over, status, reasons):
    """二（二）1: a building combined with old-community renovation is still checked;
    only the task-table column differs."""
    b = _combined_building(**over)
    counts = screen(programme, Building.objects.filter(pk=b.pk), actor=None, actor_name="test")
    assert counts == {status: 1}
    stored = Screening.objects.get(building=b, programme=programme)
    assert stored.status == status
    assert [describe(r) for r in stored.reasons] == reasons
    assert stored.category.code == "residential_combined"


def test_an_exception_still_lifts_a_combined_building(programme, user):
    b = _combined_building(in_demolition_area=True, safety_grade="C", remaining_life_years=15)
    screen(programme, Building.objects.filter(pk=b.pk), actor=None, actor_name="test")
    stored = Screening.objects.get(building=b, programme=programme)
    assert stored.status == S.EXCLUDED
    assert [r["rule"] for r in stored.reasons] == ["demolition_area", "unsafe", "short_life"]
    grant_exception(
        b, programme, "纳入老旧小区改造统筹实施，经市住建局专题会议同意", actor=user("zjj_admin")
    )
    screen(programme, Building.objects.filter(pk=b.pk), actor=None, actor_name="test")
    stored.refresh_from_db()
    assert stored.status == S.EXCEPTION
    # the reasons stay on record beside the exception
    assert [r["rule"] for r in stored.reasons] == ["demolition_area", "unsafe", "short_life"]
    assert stored.category.code == "residential_combined"


def test_superseded_screenings_are_shown_and_a_rescreen_corrects_them(client_as, programme):
    """A screening stored by the old rule (combined → eligible unchecked) is counted on the
    summary page and named on the building page; "Screen all buildings again" corrects it."""
    from jigai.buildings.eligibility import superseded

    b = _combined_building(in_demolition_area=True)
    Screening.objects.filter(building=b, programme=programme).update(
        status=S.ELIGIBLE, reasons=[{"rule": "combined"}]
    )
    own = Screening.objects.filter(programme=programme)
    assert superseded(own).count() == 1  # the demo itself was screened by the new rules
    client = client_as("zjj_admin")
    page = client.get("/buildings/summary/").content.decode()
    assert 'data-testid="superseded"' in page and "1 栋楼按已废止的规则筛查" in page
    # the rule counts name each rule without a building's values
    assert "房屋安全鉴定等级不符合本年度实施方案要求" in page and "%(" not in page
    page = client.get(f"/buildings/{b.pk}/").content.decode()
    assert "已废止的规则" in page
    # a county officer sees only their own county's count
    other = client_as("cq_officer").get("/buildings/summary/")
    assert other.context["superseded"] == 0
    response = client_as("zjj_admin").post("/buildings/screen/")
    assert response.status_code == 302
    stored = Screening.objects.get(building=b, programme=programme)
    assert (stored.status, stored.reasons) == (S.EXCLUDED, [{"rule": "demolition_area"}])
    assert superseded(own).count() == 0
    assert client.get("/buildings/summary/").context["superseded"] == 0


def test_reasons_read_as_sentences(programme):
    verdict = judge(
        _building(safety_grade="C", remaining_life_years=12),
        programme,
        has_exception=False,
    )
    assert [describe(r) for r in verdict.reasons] == [
        "Safety appraisal grade C (the programme accepts A,B)",
        "12 years of use left after retrofit, fewer than 20",
    ]


def test_rules_follow_the_programme_year(programme, user):
    from jigai.programmes.services import update_parameters

    update_parameters(
        programme,
        {"min_remaining_life_years": 25, "eligible_safety_grades": "A"},
        actor=user("zjj_admin"),
        expected_version=1,
    )
    programme.refresh_from_db()
    verdict = judge(
        _building(safety_grade="B", remaining_life_years=22),
        programme,
        has_exception=False,
    )
    assert [r["rule"] for r in verdict.reasons] == ["unsafe", "short_life"]


def test_demo_screening_counts_and_categories(programme):
    counts = Counter(Screening.objects.filter(programme=programme).values_list("status", flat=True))
    assert sum(counts.values()) == Building.objects.count() == 1200
    # every eligible residential building counts in a residential column, public in public
    for s in Screening.objects.filter(programme=programme).select_related(
        "building", "category", "building__community"
    )[:300]:
        assert s.category.sector == ("residential" if s.building.use == "residential" else "public")
        if s.building.use == "residential":
            assert (
                s.category.combined_with_renovation == s.building.community.old_community_renovation
            )


def test_rescreening_is_stable(programme):
    before = dict(Screening.objects.values_list("building_id", "status"))
    counts = screen(programme, Building.objects.all(), actor=None, actor_name="test")
    assert dict(Screening.objects.values_list("building_id", "status")) == before
    assert sum(counts.values()) == 1200
    assert AuditEntry.objects.order_by("-seq").first().action == "survey.screen"


def test_exception_needs_a_reason_and_the_right_role(programme, user):
    excluded = (
        Screening.objects.filter(programme=programme, status=S.EXCLUDED)
        .select_related("building")
        .first()
    )
    building = excluded.building
    with pytest.raises(PermissionDenied):
        grant_exception(
            building, programme, "县里坚持要改造这栋楼，理由充分", actor=user("yx_officer")
        )
    with pytest.raises(BusinessError, match="at least 10 characters"):
        grant_exception(building, programme, "因为", actor=user("zjj_admin"))
    assert not EligibilityException.objects.filter(building=building).exists()
    grant_exception(
        building,
        programme,
        "经市住建局专题会议研究，该楼纳入2023年改造（会议纪要第5号）",
        actor=user("zjj_admin"),
    )
    excluded.refresh_from_db()
    assert excluded.status == S.EXCEPTION
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.before, entry.after["status"]) == (
        "survey.exception",
        {"status": "excluded"},
        "exception",
    )
    # the exception survives a new screening run
    screen(programme, Building.objects.filter(pk=building.pk), actor=None, actor_name="test")
    excluded.refresh_from_db()
    assert excluded.status == S.EXCEPTION
    with pytest.raises(BusinessError, match="Only a building the rules exclude"):
        grant_exception(
            building, programme, "再次申请例外，理由同上，不应重复", actor=user("zjj_admin")
        )


def test_exception_through_the_page(client_as, programme):
    excluded = Screening.objects.filter(programme=programme, status=S.EXCLUDED).first()
    client = client_as("zjj_admin")
    response = client.post(f"/buildings/{excluded.building_id}/", {"reason": "short"})
    assert response.status_code == 200
    excluded.refresh_from_db()
    assert excluded.status == S.EXCLUDED
    response = client.post(
        f"/buildings/{excluded.building_id}/", {"reason": "经研究纳入改造，详见会议纪要第5号"}
    )
    assert response.status_code == 302
    excluded.refresh_from_db()
    assert excluded.status == S.EXCEPTION
    # a county officer cannot, even for their own county
    other = Screening.objects.filter(
        programme=programme, status=S.EXCLUDED, division__code="yuxian"
    ).first()
    response = client_as("yx_officer").post(
        f"/buildings/{other.building_id}/", {"reason": "经研究纳入改造，详见会议纪要"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == S.EXCLUDED
