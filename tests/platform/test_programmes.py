"""The programme year as data: loading the 2023 plan, consistency, copy and edit."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError, StaleVersion
from jigai.programmes import services
from jigai.programmes.models import Category, Programme, TaskTarget

PLAN = services.DATA_DIR / "yangquan-2023.yaml"

# The 2023 task table of 阳政办发〔2023〕36号 in m² (万m² × 10,000), as printed in the plan.
EXPECTED = {
    ("pingding", "residential_standalone"): 45_000,
    ("yuxian", "residential_combined"): 277_900,
    ("yuxian", "residential_standalone"): 691_300,
    ("yuxian", "public"): 250_000,
    ("chengqu", "residential_standalone"): 134_600,
    ("kuangqu", "residential_standalone"): 70_000,
    ("jiaoqu", "residential_standalone"): 250_000,
    ("gaoxin", "residential_combined"): 44_500,
    ("gaoxin", "residential_standalone"): 486_700,
}


def test_2023_programme_is_loaded_from_the_plan(programme):
    assert programme.document_number == "阳政办发〔2023〕36号"
    assert str(programme.issued_on) == "2023-05-18"
    assert programme.min_improvement_pct == 30
    assert programme.min_remaining_life_years == 20
    assert programme.safety_grades == {"A", "B"}
    assert programme.provincial_subsidy_fen_per_m2 == 2281
    assert programme.owner_contribution_fen_per_m2 == 8000
    assert (
        programme.declared_total_m2,
        programme.declared_residential_m2,
        programme.declared_public_m2,
    ) == (2_250_000, 2_000_000, 250_000)
    cats = {
        c.code: (c.sector, c.combined_with_renovation, c.declared_total_m2)
        for c in programme.categories.all()
    }
    assert cats == {
        "residential_combined": ("residential", True, 322_400),
        "residential_standalone": ("residential", False, 1_677_600),
        "public": ("public", None, 250_000),
    }
    cells = {
        (t.division.code, t.category.code): t.target_m2
        for t in programme.targets.select_related("division", "category")
    }
    assert cells == EXPECTED
    assert "36号" in programme.source


def test_consistency_check_of_the_2023_table(programme):
    checks = services.consistency(programme)
    assert all(c.ok for c in checks)
    assert [(c.declared_m2, c.summed_m2) for c in checks] == [
        (322_400, 322_400),
        (1_677_600, 1_677_600),
        (250_000, 250_000),  # categories
        (2_000_000, 2_000_000),
        (250_000, 250_000),  # residential, public
        (2_250_000, 2_250_000),  # city total
    ]


def test_consistency_check_reports_a_table_that_does_not_add_up(programme, user):
    yu = programme.targets.get(division__code="yuxian", category__code="public")
    services.set_targets(
        programme,
        {(yu.division_id, yu.category_id): 240_000},
        actor=user("zjj_admin"),
        expected_version=1,
    )
    checks = services.consistency(programme)
    # public category, public sector and city total fail; the residential ones still add up
    assert [(c.ok, c.declared_m2, c.summed_m2) for c in checks] == [
        (True, 322_400, 322_400),
        (True, 1_677_600, 1_677_600),
        (False, 250_000, 240_000),
        (True, 2_000_000, 2_000_000),
        (False, 250_000, 240_000),
        (False, 2_250_000, 2_240_000),
    ]
    assert checks[2].label == "公共建筑"
    assert "24 万m²" in checks[2].message


def _bad_file(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    doc["year"] = 2031
    mutate(doc)
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
            lambda d: d["task_table"][1].update(county="阳曲县"),
            "row 2 (阳曲县): unknown county/district “阳曲县”",
        ),
        (
            lambda d: d["task_table"][2].update(villas="3"),
            "row 3 (城区): unknown category “villas”",
        ),
        (
            lambda d: d["task_table"][3].update(residential_standalone="-7", total="-7"),
            "row 4 (矿区).residential_standalone: -7 is negative",
        ),
        (
            lambda d: d["task_table"][4].update(total="26"),
            "row 5 (郊区): the categories add up to 25 万m², the row states 26",
        ),
        (
            lambda d: d["task_table"][0].update(residential_standalone="5.5", total="5.5"),
            "单独进行能效提升的居建: declared 167.76 万m², county rows sum to 168.76 万m²",
        ),
    ],
    ids=["unknown county", "unknown category", "negative target", "row total", "column total"],
)
def test_bad_programme_file_is_refused_whole(db, tmp_path, mutate, expected):
    path = _bad_file(tmp_path, mutate)
    before = _counts()
    with pytest.raises(services.ProgrammeFileError) as caught:
        services.load_programme(services.parse_programme_file(path))
    assert any(expected in line for line in caught.value.details), caught.value.details
    assert _counts() == before


def test_command_names_every_bad_row_and_loads_nothing(db, tmp_path):
    def two_problems(d):
        d["task_table"][0]["county"] = "太谷县"
        d["task_table"][5]["residential_combined"] = "-1"

    path = _bad_file(tmp_path, two_problems)
    before = _counts()
    with pytest.raises(CommandError) as caught:
        call_command("load_programme", str(path))
    text = str(caught.value)
    assert "2 problem(s)" in text
    assert "row 1 (太谷县)" in text and "row 6 (高新区)" in text
    assert _counts() == before


def test_command_loads_a_good_file(db, tmp_path, capsys):
    path = _bad_file(tmp_path, lambda d: None)  # the 2023 table as year 2031
    call_command("load_programme", str(path))
    assert "loaded 阳泉市 2031 (9 task-table cells)" in capsys.readouterr().out
    assert Programme.objects.get(year=2031).targets.count() == 9


def test_same_year_twice_is_refused(db):
    with pytest.raises(services.ProgrammeFileError, match="already has a 2023 programme"):
        services.load_programme(services.parse_programme_file(PLAN))


def test_copy_makes_next_years_draft(programme, user):
    admin = user("zjj_admin")
    new = services.copy_programme(programme, year=2024, actor=admin)
    assert new.status == Programme.Status.DRAFT
    assert new.copied_from == programme
    assert new.title == "阳泉市2024年既有建筑能效提升工程实施方案"
    assert new.document_number == ""
    assert new.provincial_subsidy_fen_per_m2 == 2281
    assert new.targets.count() == 9
    assert sorted(new.targets.values_list("target_m2", flat=True)) == sorted(EXPECTED.values())
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "programme.copy" and entry.actor == admin


def test_edit_next_year_without_code(programme, user):
    admin = user("zjj_admin")
    draft = services.copy_programme(programme, year=2024, actor=admin)
    draft = services.update_parameters(
        draft,
        {"provincial_subsidy_fen_per_m2": 2500, "min_improvement_pct": 35},
        actor=admin,
        expected_version=1,
    )
    assert (draft.provincial_subsidy_fen_per_m2, draft.min_improvement_pct, draft.version) == (
        2500,
        35,
        2,
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.before == {"min_improvement_pct": "30.00", "provincial_subsidy_fen_per_m2": 2281}
    assert entry.after == {"min_improvement_pct": "35", "provincial_subsidy_fen_per_m2": 2500}
    services.set_status(draft, Programme.Status.ACTIVE, actor=admin, expected_version=2)
    draft.refresh_from_db()
    assert draft.status == Programme.Status.ACTIVE


def test_stale_version_is_refused_and_changes_nothing(programme, user):
    admin = user("zjj_admin")
    services.update_parameters(
        programme, {"min_remaining_life_years": 22}, actor=admin, expected_version=1
    )
    with pytest.raises(StaleVersion):
        services.update_parameters(
            programme, {"min_remaining_life_years": 30}, actor=admin, expected_version=1
        )
    programme.refresh_from_db()
    assert (programme.min_remaining_life_years, programme.version) == (22, 2)


def test_inconsistent_draft_cannot_be_put_in_force(programme, user):
    admin = user("zjj_admin")
    draft = services.copy_programme(programme, year=2024, actor=admin)
    cell = draft.targets.get(division__code="kuangqu")
    services.set_targets(
        draft, {(cell.division_id, cell.category_id): 80_000}, actor=admin, expected_version=1
    )
    with pytest.raises(BusinessError, match="does not add up") as caught:
        services.set_status(draft, Programme.Status.ACTIVE, actor=admin, expected_version=2)
    assert len(caught.value.details) == 3  # its category, residential, city total
    draft.refresh_from_db()
    assert draft.status == Programme.Status.DRAFT


def test_closed_programme_cannot_change(programme, user):
    admin = user("zjj_admin")
    services.set_status(programme, Programme.Status.CLOSED, actor=admin, expected_version=1)
    with pytest.raises(BusinessError, match="closed"):
        services.update_parameters(
            programme, {"min_remaining_life_years": 1}, actor=admin, expected_version=2
        )
    with pytest.raises(BusinessError):
        services.set_status(programme, Programme.Status.ACTIVE, actor=admin, expected_version=2)


def test_only_the_programme_administrator_may_edit(programme, user):
    from django.core.exceptions import PermissionDenied

    for name in ["yx_officer", "fgw_approver", "sjj_auditor", "sysadmin"]:
        with pytest.raises(PermissionDenied):
            services.update_parameters(
                programme, {"min_remaining_life_years": 1}, actor=user(name), expected_version=1
            )
    programme.refresh_from_db()
    assert programme.min_remaining_life_years == 20


def test_targets_grid_via_the_page(client_as, programme):
    client = client_as("zjj_admin")
    yu_public = programme.targets.get(division__code="yuxian", category__code="public")
    field = f"t-{yu_public.division_id}-{yu_public.category_id}"
    response = client.get(f"/programmes/{programme.pk}/targets/")
    assert response.status_code == 200
    data = {name: value for name, value in _grid_values(response.content.decode())}
    data.update({field: "25.5", "version": "1"})
    response = client.post(f"/programmes/{programme.pk}/targets/", data)
    assert response.status_code == 302
    yu_public.refresh_from_db()
    assert yu_public.target_m2 == 255_000
    assert TaskTarget.objects.filter(programme=programme).count() == 9


def test_targets_grid_refuses_a_bad_cell_and_changes_nothing(client_as, programme):
    client = client_as("zjj_admin")
    cell = programme.targets.get(division__code="chengqu")
    response = client.post(
        f"/programmes/{programme.pk}/targets/",
        {f"t-{cell.division_id}-{cell.category_id}": "-3", "version": "1"},
    )
    assert response.status_code == 200
    assert "城区 · 单独进行能效提升的居建" in response.content.decode()
    cell.refresh_from_db()
    assert cell.target_m2 == 134_600


def _grid_values(html: str):
    import re

    return re.findall(r'name="(t-\d+-\d+)" value="([^"]*)"', html)


def test_parameters_page_saves_and_refuses_a_stale_form(client_as, programme):
    client = client_as("zjj_admin")
    form = client.get(f"/programmes/{programme.pk}/edit/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(issued_on="2023-05-18", owner_contribution_fen_per_m2="85.50", version="1")
    data = {k: ("" if v is None else v) for k, v in data.items()}
    saved = client.post(f"/programmes/{programme.pk}/edit/", data, follow=True)
    assert saved.redirect_chain[-1][0] == f"/programmes/{programme.pk}/"
    programme.refresh_from_db()
    assert (programme.owner_contribution_fen_per_m2, programme.version) == (8550, 2)
    # the same (now stale) form again: refused, nothing changed
    data["owner_contribution_fen_per_m2"] = "90"
    response = client.post(f"/programmes/{programme.pk}/edit/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/programmes/{programme.pk}/edit/"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    programme.refresh_from_db()
    assert (programme.owner_contribution_fen_per_m2, programme.version) == (8550, 2)


def test_reference_data_reload_is_idempotent_and_audits_changes(db):
    from jigai.accounts.models import Division
    from jigai.accounts.reference import load_reference_data

    count = AuditEntry.objects.count()
    load_reference_data()
    assert AuditEntry.objects.count() == count  # nothing changed, nothing recorded
    Division.objects.filter(code="kuangqu").update(sort_order=99)
    load_reference_data()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "reference.load"
    assert entry.before == {
        "division:kuangqu": {**entry.after["division:kuangqu"], "sort_order": 99}
    }
    assert entry.after["division:kuangqu"]["sort_order"] == 4
