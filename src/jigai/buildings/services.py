"""Queries of the survey shared by pages, exports and commands."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Sum

from jigai.accounts.scope import Scope
from jigai.audit import stamp
from jigai.buildings.models import Assessment, Building, Community, Screening
from jigai.core.params import parse
from jigai.programmes.models import Programme


@dataclass(frozen=True)
class Filters:
    county: str = ""
    street: str = ""
    community: str = ""
    status: str = ""
    category: str = ""
    use: str = ""
    year_from: int | None = None
    year_to: int | None = None
    eta_min: Decimal | None = None
    eta_max: Decimal | None = None

    QUERY = (
        "county",
        "street",
        "community",
        "status",
        "category",
        "use",
        "year_from",
        "year_to",
        "eta_min",
        "eta_max",
    )

    @classmethod
    def query_of(cls, q) -> dict[str, str]:
        """The filter's fields of a query (a page's GET), as stored with an export job."""
        return {k: str(q.get(k)).strip() for k in cls.QUERY if str(q.get(k) or "").strip()}

    @classmethod
    def from_query(cls, q) -> Filters:
        """The filters of a query; a malformed value raises ``BadParameter`` (a 400)."""
        from jigai.buildings.forms import FilterParams

        v = parse(FilterParams, q)
        hundred = Decimal(100)
        return cls(
            county=v["county"],
            street=str(v["street"] or ""),
            community=v["community"].strip(),
            status=v["status"],
            category=str(v["category"] or ""),
            use=v["use"],
            year_from=v["year_from"],
            year_to=v["year_to"],
            eta_min=None if v["eta_min"] is None else v["eta_min"] / hundred,
            eta_max=None if v["eta_max"] is None else v["eta_max"] / hundred,
        )


def building_list(user, programme: Programme | None, filters: Filters):
    """The buildings the user may see, filtered, with this year's screening attached."""
    return with_this_year(_filtered(user, programme, filters), programme)


def _filtered(user, programme: Programme | None, filters: Filters):
    qs = Building.objects.for_user(user)
    if filters.county:
        qs = qs.filter(division__code=filters.county)
    if filters.street.isdigit():
        qs = qs.filter(community__street_id=int(filters.street))
    if filters.community:
        # match the (few) communities first, then their buildings by index
        qs = qs.filter(community__in=Community.objects.filter(name__contains=filters.community))
    if filters.use:
        qs = qs.filter(use=filters.use)
    if filters.year_from is not None:
        qs = qs.filter(year_built__gte=filters.year_from)
    if filters.year_to is not None:
        qs = qs.filter(year_built__lte=filters.year_to)
    if programme is not None:
        if filters.eta_min is not None or filters.eta_max is not None:
            current = Assessment.objects.filter(programme=programme, is_current=True)
            if filters.eta_min is not None:
                current = current.filter(eta__gte=filters.eta_min)
            if filters.eta_max is not None:
                current = current.filter(eta__lte=filters.eta_max)
            qs = qs.filter(pk__in=current.values("building_id"))
        if filters.status == "unscreened":
            qs = qs.exclude(screenings__programme=programme)
        elif filters.status:
            qs = qs.filter(screenings__programme=programme, screenings__status=filters.status)
        if filters.category.isdigit():
            qs = qs.filter(
                screenings__programme=programme, screenings__category_id=int(filters.category)
            )
    return qs


def with_this_year(qs, programme: Programme | None):
    """Buildings with what a list shows of them: county, community and street, and this
    year's screening and current assessment."""
    qs = qs.select_related("division", "community", "community__street")
    if programme is not None:
        qs = qs.prefetch_related(
            Prefetch(
                "screenings",
                queryset=Screening.objects.filter(programme=programme).select_related("category"),
                to_attr="this_year",
            ),
            Prefetch(
                "assessments",
                queryset=Assessment.objects.filter(programme=programme, is_current=True).only(
                    "building_id", "eta", "reaches", "cost_fen", "error"
                ),
                to_attr="assessed",
            ),
        )
    return qs


# An indexed order (building_list_order): no sort of every visible building by names.
LIST_ORDER = ("division_id", "community_id", "building_no")
PAGE_SIZE = 50


def building_page(user, programme: Programme | None, filters: Filters, number) -> Page:
    """One page of the user's filtered building list. The order of every building the
    filter selects is read once per state of the data and scope (``audit.stamp``) and kept
    as ids, so that any page — the 300th of a status filter too — is a slice of it and one
    indexed read of 50 buildings, not a scan, a join and a count for every view."""
    ids = stamp.cached(
        "buildings.list",
        (Scope.of(user).sharing_key(), programme.pk if programme else None, filters),
        lambda: list(
            _filtered(user, programme, filters).order_by(*LIST_ORDER).values_list("pk", flat=True)
        ),
    )
    page = Paginator(ids, PAGE_SIZE).get_page(number)
    found = with_this_year(Building.objects.for_user(user), programme).in_bulk(page.object_list)
    page.object_list = [found[pk] for pk in page.object_list if pk in found]
    return page


def export_rows(qs):
    """Buildings as rows of the survey template (so an export imports again unchanged)."""
    from jigai.buildings.assessment import survey_row

    for b in qs.iterator(chunk_size=2000):
        yield survey_row(b)


def survey_summary(user, programme: Programme | None) -> dict:
    """The survey summary page's figures — buildings and area per county × status, how many
    each exclusion rule hit, screenings made under superseded rules — read once per state
    of the data and scope (``audit.stamp``)."""
    from jigai.buildings import eligibility

    if programme is None:
        return {"statuses": [], "rows": [], "totals": [], "reasons": {}, "superseded": 0}

    def compute() -> dict:
        statuses, rows, totals = summary(user, programme)
        screenings = Screening.objects.for_user(user).filter(programme=programme)
        return {
            "statuses": statuses,
            "rows": rows,
            "totals": totals,
            "reasons": reason_counts(user, programme),
            "superseded": eligibility.superseded(screenings).count(),
        }

    return stamp.cached("buildings.summary", (Scope.of(user).sharing_key(), programme.pk), compute)


def summary(user, programme: Programme):
    """Buildings and floor area per county × screening status (visible counties only)."""
    rows = (
        Screening.objects.for_user(user)
        .filter(programme=programme)
        .values("division__code", "division__name", "division__sort_order", "status")
        .annotate(n=Count("pk"), area=Sum("building__floor_area_m2"))
        .order_by("division__sort_order", "status")
    )
    table: dict[str, dict] = {}
    for r in rows:
        entry = table.setdefault(
            r["division__code"],
            {"name": r["division__name"], "code": r["division__code"], "cells": {}},
        )
        entry["cells"][r["status"]] = (r["n"], r["area"] or 0)
    statuses = list(Screening.Status)
    out = []
    totals = {s: [0, 0] for s in statuses}
    for entry in table.values():
        cells = []
        for s in statuses:
            n, area = entry["cells"].get(s, (0, 0))
            totals[s][0] += n
            totals[s][1] += area
            cells.append((n, area))
        out.append({"name": entry["name"], "code": entry["code"], "cells": cells})
    return statuses, out, [tuple(totals[s]) for s in statuses]


def reason_counts(user, programme: Programme) -> dict[str, int]:
    """How many buildings each exclusion rule hit (a building may hit several)."""
    counts: dict[str, int] = {}
    for reasons in (
        Screening.objects.for_user(user)
        .filter(programme=programme)
        .exclude(status=Screening.Status.ELIGIBLE)
        .values_list("reasons", flat=True)
        .iterator(chunk_size=5000)
    ):
        for reason in reasons:
            counts[reason["rule"]] = counts.get(reason["rule"], 0) + 1
    return counts
