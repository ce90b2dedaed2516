"""A project's funding plan, per building and per household, stored.

The plan follows 阳政办发〔2023〕36号 二（二）4 through ``jigai.engine.funding.split_funding``
(rule ``owners_windows``), **building by building**: the owners' share of a building is bounded
by that building's own window lines, so the project's plan is the sum of its buildings' splits.

What each building is split on:

* before the tender, its design: the design cost and the cost of the design's window lines;
* once a contract sum exists, the contract sum distributed over the buildings in proportion to
  their design costs by the largest-remainder rule (``jigai.money.split_largest_remainder``;
  by floor area when no building has a design cost yet), and each building's window lines
  scaled the same way: W_b = W_design,b × C_b / C_design,b, rounded half-up to the fen (so
  W_b ≤ C_b because W_design,b ≤ C_design,b).

The result is stored (``ProjectFunding`` and the ``plan_*`` fields of each ``ProjectBuilding``)
by :func:`refresh_plan`, which the services call whenever the buildings, a design or the
contract sum change; nothing recomputes it on the fly, so a later rule or rate change never
alters the plan of a project silently (shared DOMAIN.md §6).

The owners' share of a building is collected per household (:func:`household_dues`): in
proportion to the household areas when the building's household list gives every area, else in
equal shares over the listed households, else over the building's household count — always by
largest remainder, so the households' amounts add up to the building's share to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from jigai.audit import services as audit
from jigai.core.personal import mask_name
from jigai.engine.funding import split_funding
from jigai.money import split_largest_remainder
from jigai.projects.models import Household, Project, ProjectBuilding, ProjectFunding


@dataclass(frozen=True)
class BuildingPart:
    """What one building is split on [fen]."""

    cost_fen: int
    window_fen: int


def _half_up_ratio(a: int, b: int, c: int) -> int:
    """a × b / c rounded half-up to an integer (a, b ≥ 0, c > 0)."""
    return (2 * a * b + c) // (2 * c)


def building_parts(
    items: list[ProjectBuilding], contract_sum_fen: int | None
) -> list[BuildingPart]:
    """Each building's cost and window lines [fen] (module docstring)."""
    if contract_sum_fen is None or not items:
        return [BuildingPart(i.design_cost_fen, i.design_window_fen) for i in items]
    design = [i.design_cost_fen for i in items]
    if sum(design) > 0:
        weights: list = design
    elif sum(i.floor_area_m2 for i in items) > 0:
        weights = [Fraction(str(i.floor_area_m2)) for i in items]
    else:
        weights = [1] * len(items)
    shares = split_largest_remainder(contract_sum_fen, weights)
    return [
        BuildingPart(
            share,
            _half_up_ratio(i.design_window_fen, share, i.design_cost_fen)
            if i.design_cost_fen > 0
            else 0,
        )
        for i, share in zip(items, shares, strict=True)
    ]


@dataclass(frozen=True)
class FundingPlan:
    """The stored plan as the pages and checks read it [fen]."""

    area_m2: Decimal
    total: int
    provincial: int
    owners: int
    county: int
    window: int = 0
    rule: str = ""
    clause: str = ""
    basis: str = ProjectFunding.Basis.DESIGN
    note: str = ""

    @property
    def parts(self) -> dict[str, int]:
        return {"provincial": self.provincial, "owners": self.owners, "county": self.county}

    @property
    def basis_label(self) -> str:
        return str(ProjectFunding.Basis(self.basis).label)

    @classmethod
    def of(cls, row: ProjectFunding) -> FundingPlan:
        return cls(
            row.area_m2,
            row.total_fen,
            row.provincial_fen,
            row.owners_fen,
            row.county_fen,
            row.window_fen,
            row.rule,
            row.clause,
            row.basis,
            row.note,
        )


def funding_plan(project: Project) -> FundingPlan:
    """The project's stored plan (an empty plan before any building is added)."""
    row = ProjectFunding.objects.filter(project=project).first()
    if row is None:
        return FundingPlan(Decimal(0), 0, 0, 0, 0)
    return FundingPlan.of(row)


def plan_fields(items, *, contract_sum_fen: int | None, residential: bool, rates) -> dict:
    """Split every building by ``split_funding`` and fill its ``plan_*`` attributes (not saved);
    return the project's plan as ``ProjectFunding`` field values. Works on historical models
    too (the data migration that recomputed existing plans uses it)."""
    parts = building_parts(items, contract_sum_fen)
    totals = dict.fromkeys(("total", "window", "provincial", "owners", "county"), 0)
    # the rule and clause a building is split by (also for a project without buildings)
    probe = split_funding(0, floor_area_m2=0, residential=residential, window_fen=0, rates=rates)
    for item, part in zip(items, parts, strict=True):
        s = split_funding(
            part.cost_fen,
            floor_area_m2=item.floor_area_m2,
            residential=residential,
            window_fen=part.window_fen,
            rates=rates,
        )
        item.plan_cost_fen, item.plan_window_fen = part.cost_fen, part.window_fen
        item.plan_provincial_fen, item.plan_owners_fen = s.provincial_fen, s.owners_fen
        item.plan_county_fen = s.county_fen
        totals["total"] += s.total_fen
        totals["window"] += s.window_fen
        totals["provincial"] += s.provincial_fen
        totals["owners"] += s.owners_fen
        totals["county"] += s.county_fen
    return {
        "basis": ProjectFunding.Basis.CONTRACT
        if contract_sum_fen is not None
        else ProjectFunding.Basis.DESIGN,
        "area_m2": sum((i.floor_area_m2 for i in items), Decimal(0)),
        "total_fen": totals["total"],
        "window_fen": totals["window"],
        "provincial_fen": totals["provincial"],
        "owners_fen": totals["owners"],
        "county_fen": totals["county"],
        "rule": probe.rule,
        "clause": probe.clause,
        "rates": {
            "provincial_fen_per_m2": rates.provincial_fen_per_m2,
            "owners_fen_per_m2": rates.owners_fen_per_m2,
            "programme_year": rates.programme_year,
        },
    }


def compute_plan(project: Project, items: list[ProjectBuilding]) -> ProjectFunding:
    """The plan by the programme's current rates and rule, filling each item's ``plan_*``
    fields (not saved)."""
    fields = plan_fields(
        items,
        contract_sum_fen=project.contract_sum_fen,
        residential=project.is_residential,
        rates=project.programme.funding_rates,
    )
    return ProjectFunding(project=project, computed_at=timezone.now(), **fields)


PLAN_FIELDS = (
    "plan_cost_fen",
    "plan_window_fen",
    "plan_provincial_fen",
    "plan_owners_fen",
    "plan_county_fen",
)
_SNAPSHOT = ("basis", "total_fen", "window_fen", "provincial_fen", "owners_fen", "county_fen")


def _snapshot(row: ProjectFunding | None) -> dict:
    return {k: getattr(row, k) for k in _SNAPSHOT} | {"rule": row.rule} if row else {}


def refresh_plan(project: Project, *, actor) -> ProjectFunding:
    """Recompute and store the plan (inside the caller's transaction, on a locked project);
    an audit entry records it whenever a figure changed."""
    items = list(project.items.order_by("pk"))
    fresh = compute_plan(project, items)
    ProjectBuilding.objects.bulk_update(items, PLAN_FIELDS)
    old = ProjectFunding.objects.filter(project=project).first()
    if old is not None:
        fresh.pk = old.pk
    fresh.save()
    before, after = _snapshot(old), _snapshot(fresh)
    if before != after:
        audit.record(
            actor=actor,
            action="project.funding_plan",
            obj=project,
            division_code=project.division.code,
            data={
                "p": project.code,
                "b": fresh.basis,
                "r": fresh.rule,
                "pv": fresh.provincial_fen,
                "o": fresh.owners_fen,
                "c": fresh.county_fen,
                "t": fresh.total_fen,
            },
            before=before or None,
            after=after
            | {
                "buildings": {
                    str(i.building_id): [getattr(i, f) for f in PLAN_FIELDS] for i in items
                }
            },
        )
    return fresh


@dataclass(frozen=True)
class HouseholdDue:
    """One household's part of its building's owners' share [fen]. ``label`` is empty for
    the anonymous equal shares of a building without a household list."""

    label: str
    area_m2: Decimal | None
    owner_masked: str
    due_fen: int
    owner_name: str = ""  # shown only to the roles of the personal-data inventory


def household_dues(
    item: ProjectBuilding, households: list[Household] | None = None
) -> list[HouseholdDue]:
    """The owners' share of a building per household (module docstring): by area when every
    listed household has one, else equal shares over the list, else over ``item.households``."""
    if households is None:
        households = list(item.household_list.all())
    due = item.plan_owners_fen
    if households:
        if all(h.area_m2 is not None for h in households):
            weights: list = [Fraction(str(h.area_m2)) for h in households]
        else:
            weights = [1] * len(households)
        amounts = split_largest_remainder(due, weights)
        return [
            HouseholdDue(h.label, h.area_m2, mask_name(h.owner_name), a, h.owner_name)
            for h, a in zip(households, amounts, strict=True)
        ]
    if item.households:
        return [
            HouseholdDue("", None, "", a)
            for a in split_largest_remainder(due, [1] * item.households)
        ]
    return []


def equal_share_summary(dues: list[HouseholdDue]) -> list[tuple[int, int]]:
    """Anonymous equal shares as (amount [fen], how many households), largest first."""
    counts: dict[int, int] = {}
    for d in dues:
        counts[d.due_fen] = counts.get(d.due_fen, 0) + 1
    return sorted(counts.items(), reverse=True)


def household_due(item: ProjectBuilding, label: str) -> int | None:
    """The owners' share due from one household [fen]: the listed household's amount, or, for
    a building without a list, the larger of its equal shares; None for an unknown label of a
    listed building."""
    dues = household_dues(item)
    if not dues:
        return None
    if dues[0].label:
        return next((d.due_fen for d in dues if d.label == label), None)
    return max(d.due_fen for d in dues)


@dataclass(frozen=True)
class HouseholdRow:
    due: HouseholdDue
    paid_fen: int

    @property
    def outstanding_fen(self) -> int:
        return self.due.due_fen - self.paid_fen


@dataclass(frozen=True)
class OwnersRow:
    """One building of the owners' ledger: its share due, what was paid, per household."""

    item: ProjectBuilding
    paid_fen: int
    households: list[HouseholdRow]  # the listed households (empty without a list)
    equal_shares: list[tuple[int, int]]  # (amount, households) without a list
    listed_area_m2: Decimal | None

    @property
    def outstanding_fen(self) -> int:
        return self.item.plan_owners_fen - self.paid_fen


def owners_ledger(project: Project, items: list[ProjectBuilding] | None = None) -> list[OwnersRow]:
    """Per building: the owners' share due and paid, and per household (see household_dues)."""
    from jigai.projects.funding import owner_payments_by_building, owner_payments_by_household

    if items is None:
        items = list(project.items.select_related("building", "building__community"))
    by_building = owner_payments_by_building(project)
    by_household = owner_payments_by_household(project)
    lists: dict[int, list[Household]] = {}
    for h in Household.objects.filter(item__project=project).order_by("position"):
        lists.setdefault(h.item_id, []).append(h)
    rows = []
    for item in items:
        listed = lists.get(item.pk, [])
        dues = household_dues(item, listed)
        households = [
            HouseholdRow(d, by_household.get((item.building_id, d.label), 0) or 0)
            for d in dues
            if d.label
        ]
        areas = [h.area_m2 for h in listed if h.area_m2 is not None]
        rows.append(
            OwnersRow(
                item,
                by_building.get(item.building_id, 0) or 0,
                households,
                [] if listed else equal_share_summary(dues),
                sum(areas, Decimal(0)) if areas else None,
            )
        )
    return rows


def building_owners_row(building, programme) -> OwnersRow | None:
    """The owners' row of the project that holds ``building`` this year (None: no project)."""
    item = (
        ProjectBuilding.objects.filter(building=building, programme=programme)
        .select_related("project", "building", "building__community")
        .first()
        if programme is not None
        else None
    )
    return owners_ledger(item.project, [item])[0] if item else None
