"""Reconciliation always adds up, whatever sequence of payments and reversals."""

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jigai.projects import funding, services
from jigai.projects.models import Ledger, Project, Stage
from tests.platform.test_projects import _eligible

D = dt.date(2023, 7, 1)
WHO = {
    Ledger.OWNERS: "yx_officer",
    Ledger.PROVINCIAL: "czj_finance",
    Ledger.COUNTY: "yx_officer",
    Ledger.OTHER: "yx_officer",
    Ledger.CONTRACTOR: "yx_officer",
}

operation = st.one_of(
    st.tuples(
        st.just("pay"),
        st.sampled_from(list(Ledger)),
        st.integers(1, 5_000_000_00),
        st.integers(0, 1),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_reconciliation_adds_up(programme, user, ops):
    with transaction.atomic():
        officer = user("yx_officer")
        category = programme.categories.get(code="residential_standalone")
        project = services.create_project(
            programme=programme, category=category, name="性质测试", actor=officer
        )
        services.add_buildings(project, _eligible(programme), actor=officer)
        Project.objects.filter(pk=project.pk).update(stage=Stage.STARTED)
        items = list(project.items.select_related("building"))
        entries, expected = [], {k: 0 for k in Ledger.values}
        by_building = {i.building_id: 0 for i in items}
        for op in ops:
            try:
                if op[0] == "pay":
                    _, ledger, amount, which = op
                    building = items[which].building if ledger == Ledger.OWNERS else None
                    entry = funding.record_payment(
                        project,
                        ledger=ledger,
                        amount_fen=amount,
                        on_date=D,
                        reference=uuid.uuid4().hex[:20],
                        actor=user(WHO[ledger]),
                        building=building,
                    )
                else:
                    if not entries:
                        continue
                    target = entries[op[1] % len(entries)]
                    entry = funding.reverse_entry(
                        target, reason="test", actor=user(WHO[target.ledger])
                    )
            except funding.BusinessError:
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
        assert {k: v for k, v in funding.owner_payments_by_building(project).items()} == {
            k: v for k, v in by_building.items() if any(e.building_id == k for e in entries)
        }
        assert sum(funding.owner_payments_by_building(project).values()) == expected[Ledger.OWNERS]
        plan = r.plan
        assert plan.provincial + plan.owners + plan.county == plan.total
        assert all(v >= 0 for v in balances.values())
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
        item, measures=[], eta=Decimal("0.4"), cost_fen=98_765_43, source="entered", actor=officer
    )
    plan = funding.funding_plan(project)
    assert (plan.provincial, plan.owners, plan.county, plan.total) == (0, 0, 98_765_43, 98_765_43)


def test_package_cheaper_than_the_fixed_shares_keeps_the_subsidy(programme, user):
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
        cost_fen=50 * 100 * int(item.floor_area_m2),
        source="entered",
        actor=officer,
    )
    plan = funding.funding_plan(project)
    # 50 yuan/m² × 2776 m² = 138,800.00 yuan; the subsidy 22.81 × 2776.80 = 63,338.81 yuan is
    # not scaled down (rule owners_windows); the owners pay what is left, the county nothing
    assert plan.total == 13_880_000
    assert plan.provincial == int((Decimal(2281) * item.floor_area_m2).quantize(Decimal(1)))
    assert (plan.provincial, plan.owners, plan.county) == (6_333_881, 7_546_119, 0)
