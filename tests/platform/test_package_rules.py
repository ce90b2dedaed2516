"""Package rules on the platform: the 2023 programme's rules, the assessment applying them,
per-building exceptions (granted, refused, withdrawn — audited, re-assessed), and a bad rules
table refused naming the row."""

import copy
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied

from jigai.audit.models import AuditEntry
from jigai.buildings.assessment import assess_buildings
from jigai.buildings.models import Assessment, Building, PackageRuleException
from jigai.buildings.package_rules import grant_rule_exception, revoke_rule_exception
from jigai.core.errors import BusinessError
from jigai.engine.optimiser import Exemption
from jigai.programmes.services import ProgrammeFileError, parse_programme, update_package_rules

YAML = Path(__file__).parents[2] / "src/jigai/programmes/data/yangquan-2023.yaml"


def _residential(programme):
    return (
        Assessment.objects.filter(programme=programme, is_current=True, building__use="residential")
        .exclude(package=None)
        .select_related("building")
        .order_by("building_id")
    )


def test_programme_carries_the_2023_rules(programme):
    rules = programme.package_rules
    assert rules["required"] == ["wall", "roof", "window"]
    assert rules["optional"] == ["basement_ceiling", "door", "airtightness"]
    assert rules["facade_fen_per_m2"] == 3000
    assert "二（二）3" in rules["source"]
    assert programme.package_policy.rule_names == ("require_wall", "require_roof", "require_window")


def test_every_stored_package_contains_each_required_group_unless_exempt(programme):
    seen = 0
    for a in _residential(programme)[:200]:
        groups = {line["group"] for line in a.package["lines"]}
        assert "facade" in groups
        for r in a.rules["applied"]:
            if r["code"] == Exemption.REQUIRED:
                assert r["group"] in groups, (a.building_id, r)
                seen += 1
    assert seen > 100


def _a_building(programme):
    a = _residential(programme).filter(reaches=True).first()
    return a.building, a


def test_grant_lifts_the_rule_audits_and_reassesses(programme, user):
    b, before = _a_building(programme)
    admin = user("zjj_admin")
    n_audit = AuditEntry.objects.count()
    grant_rule_exception(b, programme, "require_roof", "屋面已于2022年由其他项目翻新", actor=admin)
    exc = PackageRuleException.objects.get(building=b, programme=programme)
    assert exc.rule == "require_roof" and exc.granted_by == admin
    actions = list(
        AuditEntry.objects.filter(seq__gt=0).order_by("-seq")[:2].values_list("action", flat=True)
    )
    assert AuditEntry.objects.count() == n_audit + 2  # the exception and the re-assessment
    assert set(actions) == {"survey.rule_exception", "survey.assess"}
    after = Assessment.objects.get(building=b, programme=programme, is_current=True)
    assert after.pk != before.pk
    assert after.rules["lifted"] == ["require_roof"]
    codes = {r["rule"]: r["code"] for r in after.rules["applied"]}
    assert codes["require_roof"] == Exemption.LIFTED
    assert after.cost_fen <= before.cost_fen
    # withdrawn: the rule applies again and the building is re-assessed once more
    revoke_rule_exception(exc, actor=admin, reason="翻新记录经核查不属实，屋面须改造")
    assert not PackageRuleException.objects.filter(building=b).exists()
    again = Assessment.objects.get(building=b, programme=programme, is_current=True)
    assert again.rules["lifted"] == []
    assert again.cost_fen == before.cost_fen and again.package["label"] == before.package["label"]
    assert AuditEntry.objects.filter(action="survey.rule_exception_revoke").count() == 1


@pytest.mark.parametrize(
    ("rule", "reason", "words"),
    [
        ("require_chimney", "a long enough reason", "not a package rule"),
        ("require_door", "a long enough reason", "not a package rule"),  # optional, not required
        ("require_roof", "short", "at least 10 characters"),
    ],
)
def test_bad_exceptions_are_refused_and_change_nothing(programme, user, rule, reason, words):
    b, a = _a_building(programme)
    n_audit = AuditEntry.objects.count()
    with pytest.raises(BusinessError) as e:
        grant_rule_exception(b, programme, rule, reason, actor=user("zjj_admin"))
    assert words in e.value.message
    assert not PackageRuleException.objects.exists()
    assert AuditEntry.objects.count() == n_audit
    assert Assessment.objects.get(building=b, programme=programme, is_current=True).pk == a.pk


def test_only_the_programme_administrator_lifts_rules(client_as, programme, user):
    b, _ = _a_building(programme)
    for who in ("yx_officer", "fgw_approver", "czj_finance", "contractor"):
        r = client_as(who).post(
            f"/buildings/{b.pk}/rule-exception/",
            {"rule": "require_roof", "reason": "a long enough reason"},
        )
        assert r.status_code in (403, 404), who
    assert not PackageRuleException.objects.exists()
    with pytest.raises(PermissionDenied):
        grant_rule_exception(
            b, programme, "require_roof", "a long enough reason", actor=user("yx_officer")
        )
    assert not PackageRuleException.objects.exists()


def test_page_grants_twice_refuses_the_second(client_as, programme):
    b, _ = _a_building(programme)
    c = client_as("zjj_admin")
    data = {"rule": "require_window", "reason": "窗户已于2021年更换为断桥铝合金窗"}
    r = c.post(f"/buildings/{b.pk}/rule-exception/", data)
    assert r.status_code == 302
    r = c.post(f"/buildings/{b.pk}/rule-exception/", data, follow=True)
    assert PackageRuleException.objects.filter(building=b).count() == 1
    page = r.content.decode()
    assert 'data-testid="package-rules"' in page and 'data-rule="require_window"' in page


def test_building_page_shows_rules_and_line_groups(client_as, programme):
    b, a = _a_building(programme)
    page = client_as("yx_officer" if b.division.code == "yuxian" else "zjj_admin").get(
        f"/buildings/{b.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "外立面" in html or "façade" in html
    assert 'data-testid="lift-form"' in html
    assert html.count("data-rule=") == 3


def _doc():
    return yaml.safe_load(YAML.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"required": ["wall", "chimney"]}, "package_rules.required[1]"),
        ({"facade_yuan_per_m2": "-3.00"}, "package_rules.facade_yuan_per_m2"),
    ],
)
def test_programme_file_with_bad_rules_is_refused_naming_the_row(db, change, where):
    doc = _doc()
    doc["year"] = 2031
    doc["package_rules"] = {**copy.deepcopy(doc["package_rules"]), **change}
    with pytest.raises(ProgrammeFileError) as e:
        parse_programme(doc)
    assert any(where in p for p in [e.value.message, *e.value.details])


def test_update_package_rules(programme, user):
    admin = user("zjj_admin")
    v = programme.version
    with pytest.raises(BusinessError) as e:
        update_package_rules(
            programme,
            {**programme.package_rules, "facade_fen_per_m2": -1},
            actor=admin,
            expected_version=v,
        )
    assert "facade_fen_per_m2" in e.value.message
    programme.refresh_from_db()
    assert programme.version == v and programme.package_rules["facade_fen_per_m2"] == 3000
    new = {**programme.package_rules, "facade_fen_per_m2": 4500}
    update_package_rules(programme, new, actor=admin, expected_version=v)
    programme.refresh_from_db()
    assert programme.version == v + 1 and programme.package_rules["facade_fen_per_m2"] == 4500
    entry = AuditEntry.objects.filter(action="programme.package_rules").get()
    assert entry.after["package_rules"]["facade_fen_per_m2"] == 4500
    # stored assessments are stale: a re-run re-assesses every building of a county
    some = Building.objects.filter(division__code="kuangqu")
    counts = assess_buildings(programme, some, actor_name="test")
    assert "unchanged" not in counts and sum(counts.values()) == some.count()
    with pytest.raises(PermissionDenied):
        update_package_rules(programme, new, actor=user("yx_officer"), expected_version=v + 1)


def test_rules_page_saves_and_refuses(client_as, programme):
    c = client_as("zjj_admin")
    page = c.get(f"/programmes/{programme.pk}/rules/")
    assert page.status_code == 200
    form = {
        "group_wall": "required",
        "group_window": "required",
        "group_door": "optional",
        "group_roof": "optional",
        "group_basement_ceiling": "optional",
        "group_airtightness": "off",
        "exempt_when_meeting_limit": "on",
        "facade_fen_per_m2": "25.50",
        "facade_source": "县区清单",
        "source": "阳政办发〔2023〕36号 二（二）3",
        "version": programme.version,
    }
    r = c.post(f"/programmes/{programme.pk}/rules/", form)
    assert r.status_code == 302
    programme.refresh_from_db()
    assert programme.package_rules["required"] == ["wall", "window"]
    assert programme.package_rules["optional"] == ["door", "roof", "basement_ceiling"]
    assert programme.package_rules["facade_fen_per_m2"] == 2550
    # a stale version is refused and nothing changes
    r = c.post(f"/programmes/{programme.pk}/rules/", {**form, "facade_fen_per_m2": "1"})
    programme.refresh_from_db()
    assert programme.package_rules["facade_fen_per_m2"] == 2550
    # a negative price never reaches the service
    r = c.post(
        f"/programmes/{programme.pk}/rules/",
        {**form, "facade_fen_per_m2": "-1", "version": programme.version},
    )
    assert r.status_code == 200
    programme.refresh_from_db()
    assert programme.package_rules["facade_fen_per_m2"] == 2550
    detail = c.get(f"/programmes/{programme.pk}/").content.decode()
    assert 'data-testid="package-rules"' in detail and "25.50" in detail
