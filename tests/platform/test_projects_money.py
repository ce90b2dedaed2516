"""Project money: reconciliation always adds up, no source is paid more than it owes, the
contractor never more than the contract sum, a reversed voucher can be used again — each
refusal with its figures, changing nothing, for the roles that may and may not record."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jigai.accounts.models import Organisation
from jigai.core.errors import BusinessError
from jigai.projects import funding, households, services
from jigai.projects.models import Ledger, LedgerEntry, Project, Stage
from tests.platform.test_projects import _eligible

D = dt.date(2023, 7, 1)
WHO = {
    Ledger.OWNERS: "yx_officer",
    Ledger.PROVINCIAL: "czj_finance",
    Ledger.COUNTY: "yx_officer",
    Ledger.OTHER: "yx_officer",
    Ledger.CONTRACTOR: "yx_officer",
}


def _project(programme, user, *, n=2, code="residential_standalone", name="资金"):
    """A project of 南山小区1号楼 (2776.80 m², 37 households) and 3号楼 (3313.44 m², 44):
    designs of 180 yuan per whole m², a third of it window lines (see test_projects)."""
    officer = user("yx_officer")
    category = programme.categories.get(code=code)
    project = services.create_project(
        programme=programme, category=category, name=name, actor=officer
    )
    services.add_buildings(project, _eligible(programme, code=code, n=n), actor=officer)
    for item in project.items.all():
        services.set_design(
            item,
            measures=[],
            eta=Decimal("0.4"),
            cost_fen=180 * 100 * int(item.floor_area_m2),
            window_fen=60 * 100 * int(item.floor_area_m2),
            source="entered",
            actor=officer,
        )
    return Project.objects.get(pk=project.pk)


def _pay(project, ledger, amount, who, user, ref=None, building=None, household=""):
    return funding.record_payment(
        project,
        ledger=ledger,
        amount_fen=amount,
        on_date=D,
        reference=ref or uuid.uuid4().hex[:20],
        actor=user(who),
        building=building,
        household=household,
    )


def _state(project):
    """Everything a refused payment must leave as it was."""
    fresh = Project.objects.get(pk=project.pk)
    return (
        fresh.version,
        list(LedgerEntry.objects.filter(project=project).values_list("pk", "amount_fen")),
        funding.balances(project),
    )


def _refused(project, call, *messages):
    before = _state(project)
    with pytest.raises(BusinessError) as refused:
        call()
    assert [refused.value.message, *refused.value.details] == list(messages)
    assert _state(project) == before


operation = st.one_of(
    st.tuples(
        st.just("pay"),
        st.sampled_from(list(Ledger)),
        st.integers(1, 400_000_00),
        st.integers(0, 1),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_reconciliation_adds_up_and_no_source_exceeds_its_share(programme, user, ops):
    with transaction.atomic():
        project = _project(programme, user, name="性质测试")
        Project.objects.filter(pk=project.pk).update(stage=Stage.STARTED)
        items = list(project.items.select_related("building").order_by("pk"))
        entries, expected = [], {k: 0 for k in Ledger.values}
        by_building = {i.building_id: 0 for i in items}
        for op in ops:
            try:
                if op[0] == "pay":
                    _, ledger, amount, which = op
                    building = items[which].building if ledger == Ledger.OWNERS else None
                    entry = _pay(project, ledger, amount, WHO[ledger], user, building=building)
                else:
                    if not entries:
                        continue
                    target = entries[op[1] % len(entries)]
                    entry = funding.reverse_entry(
                        target, reason="test", actor=user(WHO[target.ledger])
                    )
            except BusinessError:
                continue  # refused: nothing may have changed (checked by the sums below)
            entries.append(entry)
            expected[entry.ledger] += entry.amount_fen
            if entry.ledger == Ledger.OWNERS:
                by_building[entry.building_id] += entry.amount_fen
        r = funding.reconcile(project)
        balances = funding.balances(project)
        assert balances == expected
        assert r.received_total == sum(expected[k] for k in funding.INCOMING)
        assert r.available == r.received_total - expected[Ledger.CONTRACTOR] >= 0
        paid = funding.owner_payments_by_building(project)
        assert sum(paid.values()) == expected[Ledger.OWNERS]
        plan = r.plan
        assert plan.provincial + plan.owners + plan.county == plan.total
        assert all(v >= 0 for v in balances.values())
        # no source ever holds more than its share, no building more than its owners owe
        assert expected[Ledger.PROVINCIAL] <= plan.provincial
        assert expected[Ledger.OWNERS] <= plan.owners
        assert expected[Ledger.COUNTY] + expected[Ledger.OTHER] <= plan.county
        for item in items:
            assert (paid.get(item.building_id) or 0) <= item.plan_owners_fen
        transaction.set_rollback(True)


def test_public_project_is_funded_by_the_county(programme, user):
    officer = user("yx_officer")
    category = programme.categories.get(code="public")
    project = services.create_project(
        programme=programme, category=category, name="公建改造", actor=officer
    )
    services.add_buildings(project, _eligible(programme, code="public", n=1), actor=officer)
    item = project.items.get()
    services.set_design(
        item,
        measures=[],
        eta=Decimal("0.4"),
        cost_fen=98_765_43,
        window_fen=50_000_00,
        source="entered",
        actor=officer,
    )
    plan = funding.funding_plan(project)
    assert (plan.provincial, plan.owners, plan.county, plan.total) == (0, 0, 98_765_43, 98_765_43)
    assert plan.clause == "阳政办发〔2023〕36号 二（二）4（2）"
    # owners pay nothing for a public building: an owners' payment is refused with the figures
    _refused(
        project,
        lambda: _pay(project, Ledger.OWNERS, 1, "yx_officer", user, building=item.building),
        "Owners' payments (业主自筹): 0.01 yuan is more than the 0.00 yuan still due "
        "(due 0.00 yuan, received 0.00 yuan).",
        f"{item.building}: 0.01 yuan is more than the 0.00 yuan its owners still owe "
        "(due 0.00 yuan, paid 0.00 yuan).",
    )


def test_package_cheaper_than_the_provincial_subsidy(programme, user):
    officer = user("yx_officer")
    category = programme.categories.get(code="residential_standalone")
    project = services.create_project(
        programme=programme, category=category, name="低价", actor=officer
    )
    services.add_buildings(project, _eligible(programme, n=1), actor=officer)
    item = project.items.get()
    services.set_design(
        item,
        measures=[],
        eta=Decimal("0.4"),
        cost_fen=20 * 100 * int(item.floor_area_m2),
        window_fen=15 * 100 * int(item.floor_area_m2),
        source="entered",
        actor=officer,
    )
    plan = funding.funding_plan(project)
    # 20 yuan × 2776 m² = 5,552,000 fen, below the subsidy 22.81 × 2776.80 = 6,333,880.8 fen:
    # the province pays all of it (capped at the cost, not scaled), the owners and county nothing
    assert (plan.total, plan.provincial, plan.owners, plan.county) == (5_552_000, 5_552_000, 0, 0)


def test_each_source_is_refused_above_what_it_still_owes(programme, user):
    project = _project(programme, user)
    b1, b3 = [i.building for i in project.items.order_by("pk")]
    # provincial due 13,891,838 fen (6,333,881 + 7,557,957; see test_projects)
    _refused(
        project,
        lambda: _pay(project, Ledger.PROVINCIAL, 13_891_839, "czj_finance", user),
        "Provincial subsidy disbursed (省级补助): 138,918.39 yuan is more than the 138,918.38 "
        "yuan still due (due 138,918.38 yuan, received 0.00 yuan).",
    )
    _pay(project, Ledger.PROVINCIAL, 13_000_000, "czj_finance", user)
    _refused(
        project,
        lambda: _pay(project, Ledger.PROVINCIAL, 891_839, "czj_finance", user),
        "Provincial subsidy disbursed (省级补助): 8,918.39 yuan is more than the 8,918.38 "
        "yuan still due (due 138,918.38 yuan, received 130,000.00 yuan).",
    )
    _pay(project, Ledger.PROVINCIAL, 891_838, "czj_finance", user)
    # the county's share 59,176,162 fen is shared by the county and other recorded sources
    _pay(project, Ledger.COUNTY, 59_000_000, "yx_officer", user)
    _refused(
        project,
        lambda: _pay(project, Ledger.OTHER, 176_163, "yx_officer", user),
        "Other sources: 1,761.63 yuan is more than the 1,761.62 yuan still due "
        "(due 591,761.62 yuan, received 590,000.00 yuan).",
    )
    _pay(project, Ledger.OTHER, 176_162, "yx_officer", user)
    _refused(
        project,
        lambda: _pay(project, Ledger.COUNTY, 1, "yx_officer", user),
        "County funds (县区配套): 0.01 yuan is more than the 0.00 yuan still due "
        "(due 591,761.62 yuan, received 591,761.62 yuan).",
    )
    # owners: 1号楼 owes 16,656,000 fen; more is refused even though the project still
    # expects 36,534,000 from its owners
    _refused(
        project,
        lambda: _pay(project, Ledger.OWNERS, 16_656_001, "yx_officer", user, building=b1),
        f"{b1}: 166,560.01 yuan is more than the 166,560.00 yuan its owners still owe "
        "(due 166,560.00 yuan, paid 0.00 yuan).",
    )
    _pay(project, Ledger.OWNERS, 10_000_000, "yx_officer", user, building=b1)
    _refused(
        project,
        lambda: _pay(project, Ledger.OWNERS, 6_656_001, "yx_officer", user, building=b1),
        f"{b1}: 66,560.01 yuan is more than the 66,560.00 yuan its owners still owe "
        "(due 166,560.00 yuan, paid 100,000.00 yuan).",
    )
    _pay(project, Ledger.OWNERS, 19_878_000, "yx_officer", user, building=b3)
    assert funding.owner_payments_by_building(project) == {b1.pk: 10_000_000, b3.pk: 19_878_000}


def test_household_payments_are_checked_against_the_household(programme, user):
    project = _project(programme, user)
    item = project.items.order_by("pk").first()  # 1号楼: owners owe 16,656,000 fen
    # no household list: 37 equal shares by largest remainder — 16,656,000 / 37 = 450,162.16,
    # so 6 households owe 450,163 and 31 owe 450,162; a room pays at most the larger share
    _refused(
        project,
        lambda: _pay(
            project, Ledger.OWNERS, 450_164, "yx_officer", user, None, item.building, "1-1-101"
        ),
        "Room 1-1-101: 4,501.64 yuan is more than the 4,501.63 yuan it still owes "
        "(due 4,501.63 yuan, paid 0.00 yuan).",
    )
    # with a list by area 60 : 80 : 100 m² — 16,656,000 / 240 = 69,400 fen per m²:
    # 4,164,000, 5,552,000 and 6,940,000 fen
    households.set_households(
        item,
        households.parse_text("1-101, 60\n1-102, 80\n1-103, 100"),
        actor=user("yx_officer"),
    )
    _pay(project, Ledger.OWNERS, 5_000_000, "yx_officer", user, None, item.building, "1-102")
    _refused(
        project,
        lambda: _pay(
            project, Ledger.OWNERS, 552_001, "yx_officer", user, None, item.building, "1-102"
        ),
        "Room 1-102: 5,520.01 yuan is more than the 5,520.00 yuan it still owes "
        "(due 55,520.00 yuan, paid 50,000.00 yuan).",
    )
    _refused(
        project,
        lambda: _pay(project, Ledger.OWNERS, 1, "yx_officer", user, None, item.building, "9-999"),
        f"Room 9-999 is not in the household list of {item.building}.",
    )
    _pay(project, Ledger.OWNERS, 552_000, "yx_officer", user, None, item.building, "1-102")
    assert funding.owner_payments_by_household(project) == {(item.building_id, "1-102"): 5_552_000}


def test_contractor_never_paid_above_the_contract_sum(programme, user):
    project = _project(programme, user)
    b1, b3 = [i.building for i in project.items.order_by("pk")]
    officer = user("yx_officer")
    # every source pays its design-basis share: 109,602,000 fen in all
    _pay(project, Ledger.PROVINCIAL, 13_891_838, "czj_finance", user)
    _pay(project, Ledger.OWNERS, 16_656_000, "yx_officer", user, building=b1)
    _pay(project, Ledger.OWNERS, 19_878_000, "yx_officer", user, building=b3)
    _pay(project, Ledger.COUNTY, 59_176_162, "yx_officer", user)
    # the tender comes in lower: 1,000,000.00 yuan; the money held is more than the contract
    Project.objects.filter(pk=project.pk).update(stage=Stage.APPROVED)
    services.record_tender(
        project,
        contract_sum_fen=100_000_000,
        contractor=Organisation.objects.get(kind="contractor"),
        supervisor=None,
        actor=officer,
    )
    Project.objects.filter(pk=project.pk).update(stage=Stage.STARTED)
    _pay(project, Ledger.CONTRACTOR, 60_000_000, "yx_officer", user)
    _refused(
        project,
        lambda: _pay(project, Ledger.CONTRACTOR, 40_000_001, "yx_officer", user),
        "Paying 400,000.01 yuan would exceed the contract sum 1,000,000.00 yuan: 600,000.00 "
        "yuan already paid, 400,000.00 yuan left.",
    )
    _pay(project, Ledger.CONTRACTOR, 40_000_000, "yx_officer", user)
    assert funding.reconcile(project).paid_to_contractor == 100_000_000


def test_a_reversed_voucher_can_be_used_again(programme, user):
    project = _project(programme, user)
    clerk = user("czj_finance")
    first = _pay(project, Ledger.PROVINCIAL, 5_000, "czj_finance", user, "SB-2023-001")
    _refused(
        project,
        lambda: _pay(project, Ledger.PROVINCIAL, 5_000, "czj_finance", user, "SB-2023-001"),
        "Voucher SB-2023-001 is already recorded in this ledger.",
    )
    funding.reverse_entry(first, reason="金额录错", actor=clerk)
    again = _pay(project, Ledger.PROVINCIAL, 6_000, "czj_finance", user, "SB-2023-001")
    assert (again.reference, again.voucher_use) == ("SB-2023-001", 2)
    _refused(
        project,
        lambda: _pay(project, Ledger.PROVINCIAL, 1, "czj_finance", user, "SB-2023-001"),
        "Voucher SB-2023-001 is already recorded in this ledger.",
    )
    second_reversal = funding.reverse_entry(again, reason="重复", actor=clerk)
    assert (second_reversal.reference, second_reversal.voucher_use) == ("冲正 SB-2023-001", 2)
    assert funding.balances(project)[Ledger.PROVINCIAL] == 0
    # the same voucher number in another ledger is another voucher
    _pay(project, Ledger.COUNTY, 1, "yx_officer", user, "SB-2023-001")
    _refused(
        project,
        lambda: _pay(project, Ledger.PROVINCIAL, 1, "czj_finance", user, "冲正 SB-9"),
        "References beginning with “冲正” are kept for reversals.",
    )


NOT_RECORDERS = ["zjj_admin", "fgw_approver", "sjj_auditor", "inspector", "contractor"]


@pytest.mark.parametrize(
    ("ledger", "who", "allowed"),
    [
        (Ledger.OWNERS, "yx_officer", True),
        (Ledger.OWNERS, "czj_finance", False),
        (Ledger.PROVINCIAL, "czj_finance", True),
        (Ledger.PROVINCIAL, "yx_officer", False),
        (Ledger.COUNTY, "yx_officer", True),
        (Ledger.COUNTY, "czj_finance", False),
        (Ledger.OTHER, "yx_officer", True),
        (Ledger.OTHER, "czj_finance", False),
        (Ledger.CONTRACTOR, "yx_officer", True),
        (Ledger.CONTRACTOR, "czj_finance", False),
        *[(ledger, who, False) for ledger in Ledger for who in NOT_RECORDERS],
    ],
)
def test_who_may_record_each_ledger(programme, user, ledger, who, allowed):
    project = _project(programme, user)
    b1 = project.items.order_by("pk").first().building
    if ledger == Ledger.CONTRACTOR:  # money held and works started
        _pay(project, Ledger.COUNTY, 1_000_00, "yx_officer", user)
        Project.objects.filter(pk=project.pk).update(stage=Stage.STARTED)
    building = b1 if ledger == Ledger.OWNERS else None
    before = _state(project)
    if allowed:
        entry = _pay(project, ledger, 1_000_00, who, user, "R-1", building)
        assert (entry.ledger, entry.amount_fen, entry.recorded_by.username) == (
            ledger,
            1_000_00,
            who,
        )
        assert _state(project) != before
        # another county's officer is refused even where the role may record this ledger
        if who == "yx_officer":
            _refused(
                project,
                lambda: _pay(project, ledger, 1, "cq_officer", user, "R-2", building),
                "This project belongs to another county.",
            )
    else:
        with pytest.raises(PermissionDenied):
            _pay(project, ledger, 1_000_00, who, user, "R-1", building)
        assert _state(project) == before
