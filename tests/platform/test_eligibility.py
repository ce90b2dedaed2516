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
    verdict = judge(_building(**over), programme, combined=False, has_exception=False)
    assert verdict.status == status
    assert [r["rule"] for r in verdict.reasons] == rules


def test_combined_with_renovation_is_in_scope_whatever_else(programme):
    verdict = judge(
        _building(in_demolition_area=True, energy_efficient=True),
        programme,
        combined=True,
        has_exception=False,
    )
    assert (verdict.status, verdict.reasons) == (S.ELIGIBLE, [{"rule": "combined"}])


def test_reasons_read_as_sentences(programme):
    verdict = judge(
        _building(safety_grade="C", remaining_life_years=12),
        programme,
        combined=False,
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
        combined=False,
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
