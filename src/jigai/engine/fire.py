"""Fire rules for external insulation: GB 50016-2014 (2018 edition) §6.7.

Which combustion classes (GB 8624-2012) the insulation of a retrofit may use, and what a
B1/B2 system then requires. Every function works on scalars and on numpy arrays of buildings.

- §6.7.1: B3 insulation is forbidden (严禁采用B3级保温材料).
- §6.7.4: a building containing crowded places (设置人员密集场所的建筑): external-wall
  insulation class A.
- §6.7.5 (no cavity between insulation and base wall / finish, e.g. ETICS):
  residential (住宅建筑) h > 100 m → A; 27 m < h ≤ 100 m → at least B1; h ≤ 27 m → at least B2;
  other buildings h > 50 m → A; 24 m < h ≤ 50 m → at least B1; h ≤ 24 m → at least B2.
- §6.7.6 (with a cavity), except buildings with crowded places: h > 24 m → A; h ≤ 24 m →
  at least B1.
- §6.7.7 (B1/B2 external-wall insulation under §6.7.5/§6.7.6): (1) windows and doors in the
  external wall with fire integrity ≥ 0.50 h, except B1 on a public building ≤ 24 m or a
  residential building ≤ 27 m; (2) a horizontal A-class fire barrier band ≥ 300 mm high at
  every floor.
- §6.7.8: the external insulation system fully covered by a non-combustible protective
  layer; over B1/B2 insulation at least 15 mm thick on the first floor, 5 mm on the others.
- §6.7.10 (roof insulation): roof fire resistance ≥ 1.00 h → at least B2; < 1.00 h → at
  least B1; where both the wall and the roof use B1/B2, an A-class band ≥ 500 mm wide at the
  junction of roof and wall.

Heights are building heights per GB 50016-2014 Appendix A [m]. Clauses as restated in the
project's method page (ENERGY_METHOD.md §5) and checked against public restatements of the
2018 edition; the printed text governs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .measures import CombustionClass

# Uses that are crowded places (人员密集场所, Fire Protection Law art. 73: 医院的门诊楼、病房楼,
# 学校的教学楼…, 商场等公众聚集场所) — the uses of jigai.surveytable.schema.Use that count as such.
CROWDED_USES = ("school", "hospital", "commercial")

OPENINGS_FIRE_INTEGRITY_H = 0.50  # §6.7.7-1 [h]
BAND_HEIGHT_M = 0.30  # §6.7.7-2 [m]
ROOF_EDGE_BAND_WIDTH_M = 0.50  # §6.7.10 [m]
PROTECTIVE_LAYER_MM = {"first_floor": 15.0, "upper": 5.0}  # §6.7.8 [mm], over B1/B2


@dataclass(frozen=True)
class FireContext:
    """What §6.7 needs to know of a building.

    height_m [m] building height (GB 50016 Appendix A); ``residential`` 住宅建筑 or other;
    ``cavity`` whether the external insulation system has a cavity (§6.7.6; ETICS has none);
    ``crowded`` contains crowded places (§6.7.4); roof fire resistance [h] (§6.7.10; a
    reinforced-concrete roof slab ≥ 1.0 h).
    """

    residential: bool
    height_m: float
    cavity: bool = False
    crowded: bool = False
    roof_fire_resistance_h: float = 1.0


def max_wall_rank(residential, height_m, *, cavity=False, crowded=False):
    """Worst admissible class rank of external-wall insulation (0 = A, 1 = B1, 2 = B2).

    §6.7.4 (crowded → A), §6.7.5 (no cavity), §6.7.6 (cavity). Scalars or arrays.
    """
    h = np.asarray(height_m, dtype=float)
    res = np.asarray(residential, dtype=bool)
    no_cavity = np.where(
        res,
        np.where(h > 100.0, 0, np.where(h > 27.0, 1, 2)),  # §6.7.5-1
        np.where(h > 50.0, 0, np.where(h > 24.0, 1, 2)),  # §6.7.5-2
    )
    with_cavity = np.where(h > 24.0, 0, 1)  # §6.7.6
    rank = np.where(np.asarray(cavity, dtype=bool), with_cavity, no_cavity)
    rank = np.where(np.asarray(crowded, dtype=bool), 0, rank)  # §6.7.4
    return rank if rank.ndim else int(rank)


def wall_allowed(ctx: FireContext, cls: CombustionClass) -> bool:
    """May external-wall insulation of class ``cls`` be used (§6.7.1, §6.7.4–§6.7.6)?"""
    if cls is CombustionClass.B3:
        return False  # §6.7.1
    rank = max_wall_rank(ctx.residential, ctx.height_m, cavity=ctx.cavity, crowded=ctx.crowded)
    return cls.rank <= rank


def needs_fire_barrier_band(cls: CombustionClass) -> bool:
    """§6.7.7-2: B1/B2 external-wall insulation needs an A-class band at every floor."""
    return cls in (CombustionClass.B1, CombustionClass.B2)


def needs_fire_rated_openings(residential, height_m, rank):
    """§6.7.7-1: windows/doors of fire integrity ≥ 0.50 h when the wall insulation of class
    ``rank`` (1 = B1, 2 = B2) is used — except B1 on residential ≤ 27 m / public ≤ 24 m.
    Class A (rank 0) never needs them. Scalars or arrays."""
    h = np.asarray(height_m, dtype=float)
    r = np.asarray(rank)
    exempt = (r == 1) & np.where(np.asarray(residential, dtype=bool), h <= 27.0, h <= 24.0)
    out = (r >= 1) & ~exempt
    return out if out.ndim else bool(out)


def protective_layer_min_mm(cls: CombustionClass) -> dict[str, float]:
    """§6.7.8: the least protective-layer thickness [mm] on the first floor and above, over
    B1/B2 insulation (class A: the layer covers it, no thickness set here)."""
    if cls in (CombustionClass.B1, CombustionClass.B2):
        return dict(PROTECTIVE_LAYER_MM)
    return {"first_floor": 0.0, "upper": 0.0}


def max_roof_rank(roof_fire_resistance_h):
    """§6.7.10: roof insulation at least B2 (rank 2) when the roof's fire resistance is
    ≥ 1.00 h, else at least B1 (rank 1)."""
    r = np.where(np.asarray(roof_fire_resistance_h, dtype=float) >= 1.0, 2, 1)
    return r if r.ndim else int(r)


def roof_allowed(ctx: FireContext, cls: CombustionClass) -> bool:
    """May roof insulation of class ``cls`` be used (§6.7.1, §6.7.10)?"""
    return cls is not CombustionClass.B3 and cls.rank <= max_roof_rank(ctx.roof_fire_resistance_h)


def needs_roof_edge_band(wall_cls: CombustionClass | None, roof_cls: CombustionClass | None):
    """§6.7.10: both wall and roof insulated with B1/B2 → A-class band ≥ 500 mm at the
    junction."""
    combustible = (CombustionClass.B1, CombustionClass.B2)
    return wall_cls in combustible and roof_cls in combustible


def rules_zh(ctx: FireContext) -> str:
    """One line in Chinese saying what §6.7 allows for this building."""
    rank = max_wall_rank(ctx.residential, ctx.height_m, cavity=ctx.cavity, crowded=ctx.crowded)
    kind = "住宅" if ctx.residential else "其他建筑"
    clause = "6.7.4" if ctx.crowded else ("6.7.6" if ctx.cavity else "6.7.5")
    least = ("A级", "不低于B1级", "不低于B2级")[rank]
    return (
        f"GB 50016-2014 §{clause}: {kind} 建筑高度{ctx.height_m:g}m"
        f"{'，有空腔' if ctx.cavity else ''}{'，设置人员密集场所' if ctx.crowded else ''}"
        f" — 外墙外保温材料{least}；采用B1/B2级时每层设A级防火隔离带(§6.7.7)"
    )
