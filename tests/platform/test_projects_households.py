"""Households of a project building: the list is checked whole, audited with the owners'
names masked; the owners' share due per building and per household on the project page, the
owners' ledger and the building page, adding up to the fen."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError
from jigai.projects import funding, households
from jigai.projects.models import Household, Ledger, Project, Stage
from jigai.projects.plan import household_dues, mask_name
from tests.platform.test_projects_money import _pay, _project

LIST = """房号，面积（m²），业主
1-1-101, 62.35㎡, 张三
1-1-102，80.00，欧阳小明
1-1-201	57.65
"""


def _item(project):
    return project.items.order_by("pk").first()  # 南山小区1号楼: owners owe 16,656,000 fen


def test_a_pasted_list_is_saved_and_shares_the_building_by_area(programme, user):
    project = _project(programme, user)
    item = _item(project)
    n = households.set_households(item, households.parse_text(LIST), actor=user("yx_officer"))
    assert n == 3
    saved = list(item.household_list.values_list("label", "area_m2", "owner_name"))
    assert [(label, str(a), o) for label, a, o in saved] == [
        ("1-1-101", "62.35", "张三"),
        ("1-1-102", "80.00", "欧阳小明"),
        ("1-1-201", "57.65", ""),
    ]
    # 16,656,000 fen by 62.35 : 80.00 : 57.65 (200 m²): 5,192,508 / 6,662,400 / 4,801,092 exact
    dues = household_dues(item)
    assert [d.due_fen for d in dues] == [5_192_508, 6_662_400, 4_801_092]
    assert sum(d.due_fen for d in dues) == item.plan_owners_fen == 16_656_000
    assert [d.owner_masked for d in dues] == ["张*", "欧***", ""]
    entry = AuditEntry.objects.filter(action="project.households").latest("seq")
    assert entry.after["households"] == [
        ["1-1-101", "62.35", "张*"],
        ["1-1-102", "80.00", "欧***"],
        ["1-1-201", "57.65", ""],
    ]
    assert "张三" not in entry.sentence + str(entry.data) + str(entry.after)


def test_equal_shares_without_areas_add_up_to_the_fen(programme, user):
    project = _project(programme, user)
    item = _item(project)
    households.set_households(item, households.parse_text("A\nB\nC"), actor=user("yx_officer"))
    # 16,656,000 / 3 = 5,552,000 each
    assert [d.due_fen for d in household_dues(item)] == [5_552_000] * 3
    item.plan_owners_fen = 100  # 100 fen over 3: 34, 33, 33 (largest remainder, ties first)
    assert [d.due_fen for d in household_dues(item)] == [34, 33, 33]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "1-101, 60\n1-101, 70",
            ["Row 2: room 1-101 is already in row 1."],
        ),
        (
            "1-101, 60\n1-102\n1-103,",
            ["Give the area of every household or of none (rows without one: 2, 3)."],
        ),
        (
            "1-101, -5\n1-102, 12.345\n1-103, abc\n, 40\n1-105, 9999\n1-106, 1, 王, x",
            [
                "Row 1: the area must be more than 0 with at most two decimals.",
                "Row 2: the area must be more than 0 with at most two decimals.",
                "Row 3: “abc” is not an area in m².",
                "Row 4: the room / unit is missing.",
                "Row 5: 9999 m² is more than the building's floor area 2776.80 m².",
                "Row 6: more than three cells (room, area, owner).",
            ],
        ),
        ("", ["The list has no household."]),
    ],
)
def test_a_bad_list_is_refused_whole_naming_every_row(programme, user, text, problems):
    project = _project(programme, user)
    item = _item(project)
    households.set_households(item, households.parse_text("X-1, 50"), actor=user("yx_officer"))
    version = Project.objects.get(pk=project.pk).version
    with pytest.raises(BusinessError) as refused:
        households.set_households(item, households.parse_text(text), actor=user("yx_officer"))
    assert refused.value.details == problems
    assert list(item.household_list.values_list("label", flat=True)) == ["X-1"]
    assert Project.objects.get(pk=project.pk).version == version


def test_a_room_with_payments_stays_in_the_list(programme, user):
    project = _project(programme, user)
    item = _item(project)
    officer = user("yx_officer")
    households.set_households(item, households.parse_text("1-101\n1-102"), actor=officer)
    _pay(project, Ledger.OWNERS, 1000, "yx_officer", user, None, item.building, "1-101")
    with pytest.raises(BusinessError) as refused:
        households.set_households(item, households.parse_text("1-102\n1-103"), actor=officer)
    assert refused.value.details == [
        "Room 1-101 has owners' payments recorded and must stay in the list."
    ]
    households.set_households(item, households.parse_text("1-101\n1-103"), actor=officer)
    assert list(item.household_list.values_list("label", flat=True)) == ["1-101", "1-103"]


def test_who_may_record_households(programme, user):
    project = _project(programme, user)
    item = _item(project)
    for who in ("czj_finance", "zjj_admin", "sjj_auditor", "contractor"):
        with pytest.raises(PermissionDenied):
            households.set_households(item, households.parse_text("A"), actor=user(who))
    with pytest.raises(BusinessError, match="another county"):
        households.set_households(item, households.parse_text("A"), actor=user("cq_officer"))
    Project.objects.filter(pk=project.pk).update(stage=Stage.CLOSED)
    with pytest.raises(BusinessError, match="cannot be changed"):
        households.set_households(item, households.parse_text("A"), actor=user("yx_officer"))
    assert not Household.objects.filter(item=item).exists()


def test_uploads_xlsx_and_gbk_csv(programme, user, client_as):
    project = _project(programme, user)
    item = _item(project)
    wb = Workbook()
    ws = wb.active
    ws.append(["房号", "面积", "业主"])
    ws.append(["2-101", 70.5, "李四"])
    ws.append(["2-102", 70.5, None])
    buf = io.BytesIO()
    wb.save(buf)
    client = client_as("yx_officer")
    buf.seek(0)
    buf.name = "list.xlsx"
    response = client.post(
        f"/projects/{project.pk}/items/{item.pk}/households/", {"file": buf}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert list(item.household_list.values_list("label", "owner_name")) == [
        ("2-101", "李四"),
        ("2-102", ""),
    ]
    csv = io.BytesIO("3-101,50\n3-102,50\n".encode("gbk"))
    csv.name = "list.csv"
    response = client.post(
        f"/projects/{project.pk}/items/{item.pk}/households/", {"file": csv}, follow=True
    )
    # pages speak Chinese by default
    assert [str(m) for m in response.context["messages"]] == [
        f"已登记 {item.building} 的 2 户住户。"
    ]
    assert list(item.household_list.values_list("label", flat=True)) == ["3-101", "3-102"]
    junk = io.BytesIO(b"PK\x03\x04 not really a workbook")
    junk.name = "bad.xlsx"
    response = client.post(
        f"/projects/{project.pk}/items/{item.pk}/households/", {"file": junk}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["无法作为 Excel（.xlsx）文件读取。"]
    assert list(item.household_list.values_list("label", flat=True)) == ["3-101", "3-102"]
    # the finance bureau does not record households: 403, nothing changed
    response = client_as("czj_finance").post(
        f"/projects/{project.pk}/items/{item.pk}/households/", {"rows": "9-9"}
    )
    assert response.status_code == 403


def test_pages_show_the_amount_due_per_building_and_household(programme, user, client_as):
    project = _project(programme, user)
    item = _item(project)
    households.set_households(item, households.parse_text(LIST), actor=user("yx_officer"))
    _pay(project, Ledger.OWNERS, 1_000_000, "yx_officer", user, "YZ-1", item.building, "1-1-102")
    client = client_as("yx_officer")
    page = client.get(f"/projects/{project.pk}/").content.decode()
    # 1号楼 owes 166,560.00 yuan; 3号楼 (44 households, no list): 19,878,000 / 44 =
    # 451,772.73 → 32 households owe 4,517.73 and 12 owe 4,517.72 yuan
    assert "166,560.00" in page and "198,780.00" in page
    assert "32 × 4,517.73 + 12 × 4,517.72" in page
    assert "51,925.08" in page and "66,624.00" in page and "48,010.92" in page
    assert "56,624.00" in page  # 1-1-102 still owes 66,624.00 − 10,000.00
    assert "欧阳小明" in page  # the county's officer sees the owners' names whole
    reader = client_as("sjj_auditor").get(f"/projects/{project.pk}/").content.decode()
    assert "欧***" in reader and "欧阳小明" not in reader  # no edit form for a reader
    ledger = client_as("sjj_auditor").get(f"/projects/{project.pk}/owners/")
    assert ledger.status_code == 200
    text = ledger.content.decode()
    assert "66,624.00" in text and "欧阳小明" not in text and "YZ-1" in text
    building = client.get(f"/buildings/{item.building_id}/").content.decode()
    card = client.get(f"/projects/buildings/{item.building_id}/owners/").content.decode()
    assert 'data-testid="project-owners-slot"' in building
    assert project.code in card and "51,925.08" in card
    # another county's officer gets 404 for the building, so no card either
    assert (
        client_as("cq_officer").get(f"/projects/buildings/{item.building_id}/owners/").status_code
        == 404
    )
    client = client_as("yx_officer")
    building = client.get(f"/buildings/{item.building_id}/").content.decode()
    # the building's assessed package under the 2023 rules replaces the windows: its owners'
    # share, shared equally by its 37 households (largest remainder, first ones 1 fen more)
    from jigai.buildings.models import Assessment
    from jigai.money import format_yuan

    a = Assessment.objects.get(building=item.building, programme=programme, is_current=True)
    owners = a.funding["owners_fen"]
    assert 0 < owners <= a.funding["window_fen"]
    base, extra = divmod(owners, 37)
    shares = f"37 × {format_yuan(base)}"
    if extra:
        shares = f"{extra} × {format_yuan(base + 1)} + {37 - extra} × {format_yuan(base)}"
    assert shares in building


def test_mask_name():
    assert [mask_name(n) for n in ("张三", "欧阳小明", " 李 ", "")] == ["张*", "欧***", "李", ""]


def test_owners_ledger_reconciles_with_the_plan(programme, user):
    project = _project(programme, user)
    rows = funding.reconcile(project)
    from jigai.projects.plan import owners_ledger

    ledger = owners_ledger(project)
    assert sum(r.item.plan_owners_fen for r in ledger) == rows.plan.owners == 36_534_000
    for r in ledger:
        assert sum(a * n for a, n in r.equal_shares) == r.item.plan_owners_fen
