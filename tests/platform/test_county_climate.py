"""Each county is assessed in its own climate row, as programme data (issue 9 item 5):
loaded and validated from the plan file, copied, edited (stale-version check), shown with
its provenance, used by the assessment and named by each result."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from jigai.accounts.models import Division
from jigai.audit.models import AuditEntry
from jigai.buildings.assessment import assess_buildings, survey_row
from jigai.buildings.models import Assessment, Building, Community
from jigai.buildings.services import export_rows
from jigai.core.errors import BusinessError, StaleVersion
from jigai.engine import (
    assess,
    climate_for_city,
    climate_from_normals_station,
    default_data,
    expand_block,
)
from jigai.programmes import climates, services
from jigai.programmes.models import Category, Programme, TaskTarget
from jigai.stock.cli import main as jigai_main
from jigai.stock.engine_input import block_from_row
from jigai.stock.runner import climate_label
from jigai.surveytable.writer import save, survey_sheet

PLAN = services.DATA_DIR / "yangquan-2023.yaml"
YANGQUAN = "city:yangquan"
YU_NORMALS = "normals:yuxian"
MAPPING_2023 = {
    "pingding": YANGQUAN,
    "yuxian": YU_NORMALS,
    "chengqu": YANGQUAN,
    "kuangqu": YANGQUAN,
    "jiaoqu": YANGQUAN,
    "gaoxin": YANGQUAN,
}


def test_2023_plan_gives_yu_county_its_normals_climate(programme):
    assert programme.county_climates == MAPPING_2023
    rows = {r.division.code: r for r in climates.table(programme)}
    assert list(rows) == ["pingding", "yuxian", "chengqu", "kuangqu", "jiaoqu", "gaoxin"]
    yu, cq = rows["yuxian"].climate, rows["chengqu"].climate
    # 盂县 normals (ENERGY_METHOD.md §2): the 5-day means stay ≤ 5 ℃ from 6 Nov to 20 Mar
    # = 25 + 31 + 31 + 28 + 20 = 135 days; the city row: Z 122 d, t_e −0.2 ℃.
    assert (yu.Z, yu.heating_period) == (135, ("11-06", "03-20"))
    assert yu.t_e == pytest.approx(-1.6, abs=0.05)
    assert (cq.Z, cq.t_e) == (122, -0.2)
    assert rows["yuxian"].provenance["kind"] == "estimated_normals"
    assert rows["chengqu"].provenance["kind"] == "estimated"
    assert not rows["yuxian"].is_default and not rows["chengqu"].is_default


def _bad_file(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    doc["year"] = 2031
    mutate(doc["parameters"]["county_climates"])
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _counts():
    return (
        Programme.objects.count(),
        Category.objects.count(),
        TaskTarget.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda rows: rows[1].update(county="太谷县"),
            "county_climates row 2 (太谷县): unknown county/district “太谷县”",
        ),
        (
            lambda rows: rows[1].update(normals_station="五台山"),
            "county_climates row 2 (盂县): no climate “五台山” in the engine's tables",
        ),
        (
            lambda rows: rows[3].update(city="拉萨"),
            "county_climates row 4 (矿区): no climate “拉萨” in the engine's tables",
        ),
        (
            lambda rows: rows[0].update(normals_station="盂县"),
            "county_climates row 1 (平定县): give exactly one of “city” or “normals_station”",
        ),
        (
            lambda rows: rows.append({"county": "盂县", "city": "阳泉"}),
            "county_climates row 7 (盂县): the county appears twice",
        ),
    ],
    ids=["unknown county", "unknown station", "unknown city", "two climates", "twice"],
)
def test_a_bad_county_climate_refuses_the_whole_file(db, tmp_path, mutate, expected):
    path = _bad_file(tmp_path, mutate)
    before = _counts()
    with pytest.raises(services.ProgrammeFileError) as caught:
        services.load_programme(services.parse_programme_file(path))
    assert expected in caught.value.details, caught.value.details
    assert _counts() == before


def test_counties_not_listed_use_the_programme_climate(db, tmp_path):
    path = _bad_file(tmp_path, lambda rows: rows.clear())
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["parameters"]["climate_city"] = "yangquan"  # a key is stored as the Chinese name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    loaded = services.load_programme(services.parse_programme_file(path))
    assert (loaded.county_climates, loaded.climate_city) == ({}, "阳泉")
    rows = climates.table(loaded)
    assert {r.ref for r in rows} == {YANGQUAN} and all(r.is_default for r in rows)


def test_the_mapping_is_copied_to_next_year(programme, user):
    new = services.copy_programme(programme, year=2024, actor=user("zjj_admin"))
    new.refresh_from_db()
    assert new.county_climates == MAPPING_2023
    assert AuditEntry.objects.order_by("-seq").first().after["county_climates"] == MAPPING_2023


def test_edit_a_county_climate_audited_and_version_checked(programme, user):
    admin = user("zjj_admin")
    services.update_parameters(
        programme,
        {"county_climates": {**MAPPING_2023, "yuxian": YANGQUAN}},
        actor=admin,
        expected_version=1,
    )
    programme.refresh_from_db()
    assert (programme.county_climates["yuxian"], programme.version) == (YANGQUAN, 2)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "programme.update"
    assert entry.before == {"county_climates": MAPPING_2023}
    assert entry.after == {"county_climates": {**MAPPING_2023, "yuxian": YANGQUAN}}
    with pytest.raises(StaleVersion):
        services.update_parameters(
            programme, {"county_climates": MAPPING_2023}, actor=admin, expected_version=1
        )
    programme.refresh_from_db()
    assert (programme.county_climates["yuxian"], programme.version) == (YANGQUAN, 2)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"county_climates": {"taigu": YANGQUAN}},
            "county climates: “taigu” is not a county/district of 阳泉市",
        ),
        (
            {"county_climates": {"yuxian": "normals:wutaishan"}},
            "county climates, 盂县: no climate “normals:wutaishan” in the engine's tables",
        ),
        (
            {"county_climates": {"yuxian": "阳泉"}},
            "county climates, 盂县: no climate “阳泉” in the engine's tables",
        ),
        (
            {"climate_city": "火星"},
            "parameters.climate_city: no climate for “火星” in the engine's table",
        ),
    ],
    ids=["unknown county", "unknown station", "not a reference", "unknown default"],
)
def test_an_unknown_climate_is_refused_and_changes_nothing(programme, user, changes, expected):
    entries = AuditEntry.objects.count()
    with pytest.raises(BusinessError) as caught:
        services.update_parameters(programme, changes, actor=user("zjj_admin"), expected_version=1)
    assert expected in caught.value.details
    programme.refresh_from_db()
    assert (programme.county_climates, programme.climate_city, programme.version) == (
        MAPPING_2023,
        "阳泉",
        1,
    )
    assert AuditEntry.objects.count() == entries


def _form_data(client, programme):
    form = client.get(f"/programmes/{programme.pk}/edit/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(issued_on="2023-05-18")
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_edit_page_sets_a_county_climate_and_refuses_bad_or_stale_input(client_as, programme):
    client = client_as("zjj_admin")
    data = _form_data(client, programme)
    assert data["county-climate-yuxian"] == YU_NORMALS
    # an unknown climate: the form names the county, nothing changes
    response = client.post(
        f"/programmes/{programme.pk}/edit/", {**data, "county-climate-yuxian": "city:mars"}
    )
    assert response.status_code == 200
    assert "county-climate-yuxian" in response.context["form"].errors
    programme.refresh_from_db()
    assert (programme.county_climates, programme.version) == (MAPPING_2023, 1)
    # back to the programme's default for 盂县 ("" = not listed)
    saved = client.post(
        f"/programmes/{programme.pk}/edit/", {**data, "county-climate-yuxian": ""}, follow=True
    )
    assert saved.redirect_chain[-1][0] == f"/programmes/{programme.pk}/"
    programme.refresh_from_db()
    expected = {k: v for k, v in MAPPING_2023.items() if k != "yuxian"}
    assert (programme.county_climates, programme.version) == (expected, 2)
    # the same, now stale, form: refused, nothing changed
    response = client.post(
        f"/programmes/{programme.pk}/edit/",
        {**data, "county-climate-yuxian": YU_NORMALS},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/programmes/{programme.pk}/edit/"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    programme.refresh_from_db()
    assert (programme.county_climates, programme.version) == (expected, 2)


@pytest.mark.parametrize("username", ["zjj_admin", "sjj_auditor", "yx_officer"])
def test_programme_page_shows_each_countys_climate_and_provenance(client_as, programme, username):
    response = client_as(username).get(f"/programmes/{programme.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    yu_row = html.split('data-county="yuxian"')[1].split("</tr>")[0]
    cq_row = html.split('data-county="chengqu"')[1].split("</tr>")[0]
    assert "盂县 (月平均气候值 1991-2020)" in yu_row and "由月平均气候值估算" in yu_row
    assert "<td>135</td><td>-1.6</td>" in yu_row
    assert "阳泉 (阳泉)" in cq_row and "工程估计值(待核)" in cq_row
    assert "<td>122</td><td>-0.2</td>" in cq_row


# --------------------------------------------------------------------------- assessment
def _twin_in(division_code: str, source: Building) -> Building:
    """A building of identical survey columns to ``source``, in another county."""
    division = Division.objects.get(code=division_code)
    community = Community.objects.filter(division=division).first()
    twin = Building.objects.get(pk=source.pk)
    twin.pk = None
    twin.division, twin.community = division, community
    twin.building_no, twin.bdc_code = f"{source.building_no}-twin", ""
    twin.save()
    return twin


def test_identical_buildings_in_yu_county_and_chengqu_get_their_own_climate(programme):
    source = Building.objects.filter(
        division__code="chengqu", use="residential", envelope__isnull=True
    ).first()
    yu, cq = _twin_in("yuxian", source), _twin_in("chengqu", source)
    assess_buildings(programme, Building.objects.filter(pk__in=[yu.pk, cq.pk]), actor_name="t")
    a_yu = yu.assessments.get(is_current=True)
    a_cq = cq.assessments.get(is_current=True)
    # the same engine input (only county, street, community and so the name differ)
    assert {**a_yu.inputs["block"], "name": ""} == {**a_cq.inputs["block"], "name": ""}
    block, _assumed = block_from_row(survey_row(yu))
    building = expand_block(block, "building", default_data())
    yu_climate = climate_from_normals_station("yuxian")
    cq_climate = climate_for_city("阳泉")
    q_yu = assess(building, yu_climate).to_dict()["terms"]
    q_cq = assess(building, cq_climate).to_dict()["terms"]
    assert float(a_yu.q_h_before) == pytest.approx(q_yu["q_H"], abs=5e-4)
    assert float(a_cq.q_h_before) == pytest.approx(q_cq["q_H"], abs=5e-4)
    assert float(a_yu.q_h_before) > float(a_cq.q_h_before) + 1  # 盂县 is colder
    # Infiltration by hand (JGJ 26-2010 eq. 4.3.10): q_INF ∝ (t_n − t_e)·353/(273 + t_e), so
    # 盂县 / 城区 = (18 + 1.6334)/271.3666 ÷ (18 + 0.2)/272.8 = 0.072350 / 0.066716 = 1.08445
    assert a_yu.before["terms"]["q_INF"] / a_cq.before["terms"]["q_INF"] == pytest.approx(
        1.08445, abs=2e-4
    )
    # each result names its climate, with its provenance
    assert (a_yu.climate["name"], a_yu.climate["Z"]) == ("盂县 (月平均气候值 1991-2020)", 135)
    assert a_yu.climate["provenance"]["kind"] == "estimated_normals"
    assert (a_cq.climate["name"], a_cq.climate["Z"]) == ("阳泉 (阳泉)", 122)
    assert a_cq.climate["provenance"]["kind"] == "estimated"


def test_a_change_of_county_climate_makes_only_that_countys_results_stale(
    programme, user, client_as
):
    yu = list(Building.objects.filter(division__code="yuxian").values_list("pk", flat=True)[:3])
    cq = list(Building.objects.filter(division__code="chengqu").values_list("pk", flat=True)[:3])
    some = Building.objects.filter(pk__in=yu + cq)
    assert assess_buildings(programme, some, actor_name="t") == {"unchanged": 6}
    old = Assessment.objects.get(building_id=yu[0], is_current=True)
    services.update_parameters(
        programme,
        {"county_climates": {**MAPPING_2023, "yuxian": YANGQUAN}},
        actor=user("zjj_admin"),
        expected_version=1,
    )
    programme.refresh_from_db()
    # before re-assessment the building page says the stored result is stale
    page = client_as("yx_officer").get(f"/buildings/{yu[0]}/").content.decode()
    assert 'data-testid="climate-changed"' in page
    counts = assess_buildings(programme, some, actor_name="t")
    assert counts["unchanged"] == 3 and sum(counts.values()) == 6
    new = Assessment.objects.get(building_id=yu[0], is_current=True)
    assert new.pk != old.pk and new.inputs_digest != old.inputs_digest
    assert (old.climate["name"], new.climate["name"]) == (
        "盂县 (月平均气候值 1991-2020)",
        "阳泉 (阳泉)",
    )
    assert new.q_h_before < old.q_h_before  # the city row is milder
    page = client_as("yx_officer").get(f"/buildings/{yu[0]}/").content.decode()
    assert 'data-testid="climate-changed"' not in page
    assert "阳泉 (阳泉)" in page and "工程估计值(待核)" in page


def test_jigai_stock_gives_the_platforms_numbers_for_the_same_survey_rows(
    programme, tmp_path, capsys
):
    """The platform's assessment of a 盂县 building and of its 城区 twin, and ``jigai stock
    optimise`` (its default: the shipped programme's county climates) on the same survey rows,
    as the platform exports them: the same climate, q_H before/after, η and package."""
    source = Building.objects.filter(
        division__code="chengqu", use="residential", envelope__isnull=True
    ).first()
    twins = [_twin_in("yuxian", source), _twin_in("chengqu", source)]
    pks = [b.pk for b in twins]
    assess_buildings(programme, Building.objects.filter(pk__in=pks), actor_name="t")
    survey = tmp_path / "survey.xlsx"
    save(survey_sheet(export_rows(Building.objects.filter(pk__in=pks).order_by("pk"))), survey)
    out = tmp_path / "stock.parquet"
    assert jigai_main(["stock", "optimise", str(survey), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    res = pd.read_parquet(out)
    assert res["county"].tolist() == ["盂县", "城区"]
    for i, b in enumerate(twins):
        a = b.assessments.get(is_current=True)
        assert res["climate"][i] == climate_label(climates.climate_for_building(programme, b))
        assert res["climate"][i].startswith(a.climate["name"])
        assert res["q_H_before_W_m2"][i] == pytest.approx(a.before["terms"]["q_H"], abs=1e-9)
        assert res["q_H_after_W_m2"][i] == pytest.approx(a.after["terms"]["q_H"], abs=1e-9)
        assert res["q_H_after_W_m2"][i] == pytest.approx(a.package["q_H_after"], abs=1e-9)
        assert res["eta"][i] == pytest.approx(a.package["eta"], abs=1e-9)
        assert (res["package"][i], res["cost_fen"][i]) == (a.package["label"], a.cost_fen)
    # and the two climates differ: 盂县's normals (Z 135 d) against the 阳泉 row (Z 122 d)
    assert res["q_H_before_W_m2"][0] > res["q_H_before_W_m2"][1] + 1
