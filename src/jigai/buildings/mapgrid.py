"""The survey map's data, aggregated on the server: every visible building counts.

At a zoom level z the longitude–latitude plane is cut into square cells of
``CELL_DEG / 2**z`` degrees; each cell with buildings becomes one marker carrying its
number of buildings and floor area per screening status. When the buildings in view are
few (``POINT_LIMIT`` or fewer) they are sent one by one instead, with their label and id.
Buildings without surveyed coordinates cannot be placed: they are counted and the page
says how many.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, F, FilteredRelation, FloatField, Max, Min, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, Floor
from django.utils.translation import gettext as _

from jigai.accounts.scope import Scope
from jigai.audit import stamp
from jigai.buildings.models import Building, Screening
from jigai.core.errors import BusinessError

CELL_DEG = 0.32  # [°] cell side at zoom 0: about 35 km × 28 km at Yangquan's latitude
MAX_ZOOM = 8  # 0.32 / 2**8 = 0.00125° ≈ 110 m × 140 m
DEFAULT_ZOOM = 2  # 0.08° cells: a county's buildings in a few markers
POINT_LIMIT = 1000
STATUSES = [s.value for s in Screening.Status] + ["unscreened"]


@dataclass(frozen=True)
class View:
    """The part of the map asked for: a zoom level and, optionally, a box [°]."""

    zoom: int = DEFAULT_ZOOM
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north

    @classmethod
    def from_query(cls, q) -> View:
        """Read ``zoom`` and ``bbox=w,s,e,n`` from a query; a bad value is refused whole."""
        raw_zoom = (q.get("zoom") or str(DEFAULT_ZOOM)).strip()
        if not raw_zoom.isdigit() or int(raw_zoom) > MAX_ZOOM:
            raise BusinessError(
                _("The zoom level must be a whole number from 0 to %(max)d.") % {"max": MAX_ZOOM}
            )
        bbox = None
        raw_bbox = (q.get("bbox") or "").strip()
        if raw_bbox:
            try:
                w, s, e, n = (float(v) for v in raw_bbox.split(","))
            except ValueError:
                w = s = e = n = float("nan")
            if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
                raise BusinessError(
                    _(
                        "The map box must be four numbers west,south,east,north in degrees, "
                        "west below east and south below north."
                    )
                )
            bbox = (w, s, e, n)
        return cls(zoom=int(raw_zoom), bbox=bbox)


def _located(user, view: View):
    qs = Building.objects.for_user(user).filter(lat__isnull=False, lon__isnull=False)
    if view.bbox is not None:
        w, s, e, n = view.bbox
        qs = qs.filter(lon__gte=w, lon__lte=e, lat__gte=s, lat__lte=n)
    return qs.order_by()  # no default ordering: it would join and enter the GROUP BY


def _with_status(qs, programme):
    if programme is None:
        return qs.annotate(st=Value("unscreened"))
    return qs.annotate(
        this_year=FilteredRelation("screenings", condition=Q(screenings__programme=programme))
    ).annotate(st=Coalesce(F("this_year__status"), Value("unscreened")))


def map_data(user, programme, view: View, *, point_limit: int = POINT_LIMIT) -> dict:
    """What the map shows of the user's buildings in ``view`` (``markers``), read once per
    state of the data and scope (``audit.stamp``)."""
    return stamp.cached(
        "buildings.map",
        (Scope.of(user).sharing_key(), programme.pk if programme else None, view, point_limit),
        lambda: markers(user, programme, view, point_limit=point_limit),
    )


def markers(user, programme, view: View, *, point_limit: int = POINT_LIMIT) -> dict:
    """What the map shows of the user's buildings in ``view``.

    Returns ``mode`` ("points" or "cells"), ``points`` as [lon, lat, status, label, id],
    ``cells`` as [lon, lat, n, area [m²], [n per status in ``statuses`` order]] (the
    marker sits at the mean position of its buildings), ``total`` (buildings in view,
    the sum of every marker's count), ``unlocated`` (visible buildings without
    coordinates, whatever the box), ``cell_deg`` and ``statuses``.
    """
    located = _located(user, view)
    total = located.count()
    unlocated = (
        Building.objects.for_user(user).filter(Q(lat__isnull=True) | Q(lon__isnull=True)).count()
    )
    out = {
        "zoom": view.zoom,
        "cell_deg": CELL_DEG / 2**view.zoom,
        "total": total,
        "unlocated": unlocated,
        "statuses": STATUSES,
        "points": [],
        "cells": [],
    }
    qs = _with_status(located, programme)
    if total <= point_limit:
        out["mode"] = "points"
        out["points"] = [
            [float(r["lon"]), float(r["lat"]), r["st"], f"{r['community__name']}{r['building_no']}"]
            + [r["pk"]]
            for r in qs.values("pk", "lon", "lat", "st", "community__name", "building_no")
        ]
        return out
    size = out["cell_deg"]
    lon = Cast("lon", FloatField())
    lat = Cast("lat", FloatField())
    rows = (
        qs.annotate(cx=Floor(lon / size), cy=Floor(lat / size))
        .values("cx", "cy", "st")
        .annotate(n=Count("pk"), area=Sum("floor_area_m2"), mlon=Avg(lon), mlat=Avg(lat))
        .order_by()
    )
    index = {s: i for i, s in enumerate(STATUSES)}
    cells: dict[tuple[int, int], list] = {}
    for r in rows:
        cell = cells.setdefault(
            (int(r["cx"]), int(r["cy"])), [0.0, 0.0, 0, 0.0, [0] * len(STATUSES)]
        )
        cell[0] += r["mlon"] * r["n"]
        cell[1] += r["mlat"] * r["n"]
        cell[2] += r["n"]
        cell[3] += float(r["area"] or 0)
        cell[4][index[r["st"]]] += r["n"]
    out["mode"] = "cells"
    out["cells"] = [
        [round(c[0] / c[2], 5), round(c[1] / c[2], 5), c[2], round(c[3], 2), c[4]]
        for c in cells.values()
    ]
    return out


def extent(user) -> list[float] | None:
    """[west, south, east, north] of the user's located buildings [°], or None."""
    return stamp.cached("buildings.extent", (Scope.of(user).sharing_key(),), lambda: _extent(user))


def _extent(user) -> list[float] | None:
    box = (
        Building.objects.for_user(user)
        .filter(lat__isnull=False, lon__isnull=False)
        .order_by()
        .aggregate(w=Min("lon"), s=Min("lat"), e=Max("lon"), n=Max("lat"))
    )
    if box["w"] is None:
        return None
    return [float(box[k]) for k in ("w", "s", "e", "n")]
