"""The JGJ 26 building heat-consumption index q_H, before and after retrofit.

JGJ 26-2010 §4.3 (the 2018 edition keeps the structure); all terms per m² of floor area A0
[W/m²], Δt = t_n − t_e [K] (t_n = 12 ℃ on the inner side of an unheated stairwell):

    q_H  = q_HT + q_INF − q_IH                                    (eq. 4.3.3)
    q_HT = q_Hq + q_Hw + q_Hd + q_Hmc + q_Hy                      (eq. 4.3.4)
    q_Hq = Σ ε_i·K_m,i·F_i·Δt / A0          walls                 (eq. 4.3.5)
    q_Hw = Σ ε_i·K_m,i·F_i·Δt / A0          roofs                 (eq. 4.3.6)
    q_Hd = Σ b_i·K_i·F_i·Δt / A0            ground, floors        (eq. 4.3.7; b: temperature-
                                                                   difference factor for floors
                                                                   over unheated basements)
    q_Hmc = Σ (K_i·F_i·Δt − I_ty,i·C_mc,i·F_i) / A0   windows, doors (eq. 4.3.8)
    q_Hy = Σ b_y·K_i·F_i·Δt / A0            enclosed balconies (simplified, see data)
    q_INF = Δt·C_p·ρ·N·V / A0, ρ = 353/(273 + t_e), V = 0.60·V0 or 0.65·V0  (eq. 4.3.10)

q_H is a heating demand: where the gains exceed the losses (a deep retrofit in a sunny
climate) eq. 4.3.3 gives a negative number, which JGJ 26 never reports; the engine clips q_H at
0 (``heating_demand``), keeps the unclipped balance as ``terms["q_H_unclipped"]`` with a note,
so that η ≤ 1 and the seasonal heat, coal and CO2 are never negative.

Where a wall's ε is not given it is derived from the sol-air temperature,
ε = 1 − a_s·R_e·I / Δt (ENERGY_METHOD.md §1), and reported as derived.

Every function accepts floats or numpy arrays (the vectorised path in ``vector.py`` uses the
same functions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import ENGINE_VERSION
from .building import Building, BuildingType, Element, ElementKind, Faces
from .climate import Climate
from .params import EngineData, default_data
from .retrofit import Retrofit

TERMS = ("q_Hq", "q_Hw", "q_Hd", "q_Hmc", "q_Hy", "q_HT", "q_INF", "q_IH", "q_H")

# The terms' Chinese names (JGJ 26 §4.3), for reports and pages.
TERM_ZH = {
    "q_Hq": "外墙",
    "q_Hw": "屋面",
    "q_Hd": "地面/地下室顶板",
    "q_Hmc": "外窗/外门",
    "q_Hy": "封闭阳台",
    "q_HT": "围护结构传热",
    "q_INF": "空气渗透",
    "q_IH": "内部得热",
    "q_H": "耗热量指标",
}


# ---------------------------------------------------------------------------------------
# the standard's equations, one function each


def delta_t(t_in, t_e):
    """Δt = t_n − t_e [K]."""
    return np.asarray(t_in, dtype=float) - t_e


def epsilon_sol_air(I, dt, *, a_s=0.7, R_e=0.04):  # noqa: E741
    """Solar correction factor of an opaque face ε = 1 − a_s·R_e·I/Δt [-]
    (sol-air temperature t_sa = t_e + a_s·R_e·I; ENERGY_METHOD.md §1).
    I [W/m²] mean irradiance on the face over the heating period, Δt [K]."""
    return 1.0 - a_s * R_e * np.asarray(I, dtype=float) / dt


def C_mc(*, SHGC=None, SC=None, f_frame_curtain=0.70, tau_ref=0.87):
    """Solar correction C_mc of a window [-] (JGJ 26-2010 eq. 4.3.8), for both editions' terms:

    - JGJ 26-2010: C_mc = 0.87 × 0.70 × SC, SC the shading coefficient of the glazing, 0.87
      the solar transmittance of 3 mm clear glass, 0.70 the reduction (折减系数) for the
      window frame and curtains;
    - in SHGC terms (JGJ 26-2018 and GB 55015-2021 use SHGC; SC = SHGC/0.87):
      C_mc = 0.70 × SHGC, SHGC the glazing's g.

    The frame is counted once, in the 0.70: ``SHGC``/``SC`` are the glazing's values, not
    multiplied by (1 − frame fraction) (see ``params.WindowType``). Pass exactly one of them.
    """
    if (SHGC is None) == (SC is None):
        raise ValueError("give exactly one of SHGC or SC")
    if SC is not None:
        return tau_ref * f_frame_curtain * np.asarray(SC, dtype=float)
    return f_frame_curtain * np.asarray(SHGC, dtype=float)


def q_opaque(eps, K, F, *, dt, A0, b=1.0):
    """Heat loss of opaque elements per floor area ε·b·K·F·Δt/A0 [W/m²] (eqs. 4.3.5–4.3.7)."""
    return eps * b * K * F * dt / A0


def q_window(K, F, dt, *, I, C, A0):  # noqa: E741
    """Windows/doors (K·F·Δt − I·C·F)/A0 [W/m²] (JGJ 26-2010 eq. 4.3.8)."""
    return (K * F * dt - I * C * F) / A0


def rho_air(t_e, rho_numerator=353.0):
    """Air density ρ = 353/(273 + t_e) [kg/m³] (JGJ 26-2010 eq. 4.3.10)."""
    return rho_numerator / (273.0 + np.asarray(t_e, dtype=float))


def q_INF(t_n, t_e, *, N, V, A0, C_p=0.28, rho_numerator=353.0):
    """Infiltration q_INF = (t_n − t_e)·C_p·ρ·N·V/A0 [W/m²] (JGJ 26-2010 eq. 4.3.10).
    N [1/h], V [m³] ventilated volume, C_p [Wh/(kg·K)]."""
    return (t_n - t_e) * C_p * rho_air(t_e, rho_numerator) * N * V / A0


def q_H(q_HT, q_INF_, q_IH):
    """The heat balance q_HT + q_INF − q_IH [W/m²] (JGJ 26-2010 eq. 4.3.3), before the clip
    of ``heating_demand``."""
    return q_HT + q_INF_ - q_IH


def heating_demand(q_H_balance):
    """q_H = max(q_HT + q_INF − q_IH, 0) [W/m²]: the index is a heating demand, and JGJ 26
    gives no negative demand — gains above the losses heat nothing (works on arrays)."""
    return np.maximum(q_H_balance, 0.0)


def seasonal(q_H_, Z, *, H_c=8.141, eta_1=0.90, eta_2=0.68, co2=2.77):
    """Seasonal figures per m² of floor area from q_H [W/m²] and Z [d]:
    Q = 24·Z·q_H/1000 [kWh/m²] (JGJ 26-2010 §4.3.x), Q_GJ = Q·0.0036 [GJ/m²],
    coal = Q/(H_c·η1·η2) [kgce/m²] (JGJ 26-1995 eq. 4.1.1), CO2 = coal·2.77 [kg/m²]."""
    Q = 24.0 * Z * q_H_ / 1000.0
    coal = Q / (H_c * eta_1 * eta_2)
    return {"Q_kWh_m2": Q, "Q_GJ_m2": Q * 0.0036, "coal_kgce_m2": coal, "co2_kg_m2": coal * co2}


def eta(q_H_before, q_H_after):
    """Energy-efficiency improvement η = 1 − q_H,after/q_H,before [-] (ENERGY_METHOD.md).

    With q_H ≥ 0 (``heating_demand``) η ≤ 1. Where q_H,before is 0 there is no heating demand
    to improve on and the ratio is undefined: η is reported as 0 (no improvement, never a
    pass). Works on floats and arrays.
    """
    before = np.asarray(q_H_before, dtype=float)
    after = np.asarray(q_H_after, dtype=float)
    safe = np.where(before > 0, before, 1.0)
    return np.where(before > 0, 1.0 - after / safe, 0.0)


def clip_note(q_H_balance: float) -> str:
    """The note of a clipped q_H (single-building result)."""
    return (
        f"q_H clipped at 0 W/m²: the gains exceed the losses (q_HT + q_INF − q_IH = "
        f"{q_H_balance:.3f} W/m²); JGJ 26-2010 eq. 4.3.3 gives a heating demand, never a "
        "negative one, so q_H and the seasonal heat, coal and CO2 are 0"
    )


# ---------------------------------------------------------------------------------------
# building-level parameters


@dataclass(frozen=True)
class IndexParameters:
    """Parameters of one building's calculation (all from data/parameters.csv)."""

    t_n: float
    t_stair: float
    q_IH: float
    N: float
    V_factor: float
    C_p: float
    rho_numerator: float
    a_s: float
    R_e: float
    window_C_factor: float


def index_parameters(b: Building, data: EngineData) -> IndexParameters:
    bt = b.building_type.value
    return IndexParameters(
        t_n=data.p(f"t_n.{bt}"),
        t_stair=data.p("t_stair.unheated"),
        q_IH=data.p(f"q_IH.{bt}"),
        N=b.N if b.N is not None else data.p(f"N.{bt}"),
        V_factor=data.p(
            "V_factor.heated_stair" if b.stairwell_heated else "V_factor.unheated_stair"
        ),
        C_p=data.p("C_p"),
        rho_numerator=data.p("rho_numerator"),
        a_s=data.p("a_s"),
        R_e=data.p("R_e"),
        window_C_factor=data.p("window_C_factor"),
    )


def element_term(e: Element) -> str:
    """Which term of q_HT an element belongs to."""
    return {
        ElementKind.WALL: "q_Hq",
        ElementKind.ROOF: "q_Hw",
        ElementKind.FLOOR: "q_Hd",
        ElementKind.WINDOW: "q_Hmc",
        ElementKind.DOOR: "q_Hmc",
        ElementKind.BALCONY: "q_Hy",
    }[e.kind]


def element_b(b: Building, e: Element, data: EngineData) -> float:
    """Temperature-difference factor of an element (given, or from what it faces)."""
    if e.b is not None:
        return e.b
    if e.faces is Faces.UNHEATED_BASEMENT:
        return data.temperature_factor(b.basement)
    if e.faces is Faces.ENCLOSED_BALCONY:
        return data.temperature_factor("enclosed_balcony")
    return 1.0


def element_epsilon(
    e: Element, climate: Climate, dt: float, p: IndexParameters
) -> tuple[float, bool]:
    """ε of a wall/roof: given, or derived by the sol-air formula; (ε, derived?)."""
    if e.kind not in (ElementKind.WALL, ElementKind.ROOF):
        return 1.0, False
    if e.epsilon is not None:
        return e.epsilon, False
    o = "H" if e.kind is ElementKind.ROOF else e.orientation
    return float(epsilon_sol_air(climate.I(o), dt, a_s=p.a_s, R_e=p.R_e)), True


# ---------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class Assessment:
    """q_H of one building under one climate, with every term and its inputs."""

    building: Building
    climate: Climate
    terms: dict[str, float]
    elements: tuple[dict, ...]
    seasonal: dict[str, float]
    parameters: IndexParameters
    V: float
    notes: tuple[str, ...] = ()
    engine_version: str = ENGINE_VERSION

    @property
    def q_H(self) -> float:
        return self.terms["q_H"]

    def to_dict(self) -> dict:
        return {
            "engine_version": self.engine_version,
            "building": self.building.to_dict(),
            "climate": self.climate.to_dict(),
            "parameters": self.parameters.__dict__,
            "V": self.V,
            "terms": dict(self.terms),
            "elements": [dict(e) for e in self.elements],
            "seasonal": dict(self.seasonal),
            "notes": list(self.notes),
        }


def assess(building: Building, climate: Climate, *, data: EngineData | None = None) -> Assessment:
    """q_H and all terms of one building (the single-building reference path).

    Loops over the building's elements; the vectorised path (``vector.assess_stock``) must give
    the same numbers to 1e-9.
    """
    data = data or default_data()
    p = index_parameters(building, data)
    A0 = building.A0
    sums = dict.fromkeys(("q_Hq", "q_Hw", "q_Hd", "q_Hmc", "q_Hy"), 0.0)
    rows = []
    for e in building.elements:
        t_in = p.t_stair if e.faces is Faces.UNHEATED_STAIRWELL else p.t_n
        dt = float(delta_t(t_in, climate.t_e))
        F = building.net_area(e)
        term = element_term(e)
        bf = element_b(building, e, data)
        eps, derived = element_epsilon(e, climate, dt, p)
        if e.kind in (ElementKind.WINDOW, ElementKind.DOOR):
            I_ty = climate.I(e.orientation) if e.kind is ElementKind.WINDOW else 0.0
            C = float(C_mc(SHGC=e.shgc, f_frame_curtain=p.window_C_factor))
            q = float(q_window(e.K, F, dt, I=I_ty, C=C, A0=A0))
            extra = {"I": I_ty, "C_mc": C}
        else:
            q = float(q_opaque(eps, e.K, F, dt=dt, A0=A0, b=bf))
            extra = {"epsilon": eps, "epsilon_derived": derived, "b": bf}
        sums[term] += q
        rows.append({"id": e.id, "term": term, "K": e.K, "F": F, "delta_t": dt, "q": q, **extra})
    q_HT = sum(sums.values())
    V = p.V_factor * building.V0
    qinf = float(
        q_INF(p.t_n, climate.t_e, N=p.N, V=V, A0=A0, C_p=p.C_p, rho_numerator=p.rho_numerator)
    )
    balance = float(q_H(q_HT, qinf, p.q_IH))
    qh = float(heating_demand(balance))
    terms = {**sums, "q_HT": q_HT, "q_INF": qinf, "q_IH": p.q_IH, "q_H": qh}
    notes: tuple[str, ...] = ()
    if balance < 0:
        terms["q_H_unclipped"] = balance
        notes = (clip_note(balance),)
    seas = {k: float(v) for k, v in seasonal_from_data(qh, climate.Z, data).items()}
    return Assessment(building, climate, terms, tuple(rows), seas, p, V, notes)


def seasonal_from_data(q_H_, Z, data: EngineData):
    return seasonal(
        q_H_,
        Z,
        H_c=data.p("coal_kWh_per_kgce"),
        eta_1=data.p("eta_network"),
        eta_2=data.p("eta_boiler"),
        co2=data.p("co2_kg_per_kgce"),
    )


@dataclass(frozen=True)
class RetrofitAssessment:
    """Before/after assessment, η and the pass/fail against the programme threshold."""

    name: str
    before: Assessment
    after: Assessment
    eta: float
    threshold: float
    passed: bool
    limits: tuple[dict, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()
    engine_version: str = ENGINE_VERSION

    def to_dict(self) -> dict:
        return {
            "engine_version": self.engine_version,
            "name": self.name,
            "climate": self.before.climate.to_dict(),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "eta": self.eta,
            "eta_threshold": self.threshold,
            "passed": self.passed,
            "limits_advisory": [dict(r) for r in self.limits],
            "notes": list(self.notes),
        }


def assess_retrofit(
    retrofit: Retrofit,
    climate: Climate,
    *,
    threshold: float | None = None,
    data: EngineData | None = None,
) -> RetrofitAssessment:
    """Assess a retrofit: q_H before and after under the same climate, η, pass/fail
    (η ≥ threshold; threshold from the argument, the document, or data ``eta_threshold``),
    and the advisory check of the retrofitted elements against the limits in force
    (GB 55015-2021, ``limits.check_limits``)."""
    from .limits import check_limits

    data = data or default_data()
    before = assess(retrofit.before, climate, data=data)
    after = assess(retrofit.after, climate, data=data)
    thr = threshold if threshold is not None else retrofit.eta_threshold
    if thr is None:
        thr = data.p("eta_threshold")
    e = float(eta(before.q_H, after.q_H))
    notes = tuple(f"before: {n}" for n in before.notes) + tuple(f"after: {n}" for n in after.notes)
    if not before.q_H > 0:
        notes += (
            "η reported as 0 (not passed): the building has no heating demand before the "
            "retrofit (q_H,before = 0), so there is nothing to improve on",
        )
    lim = check_limits(retrofit.before, retrofit.after, climate.zone)
    return RetrofitAssessment(
        retrofit.name, before, after, e, thr, bool(e >= thr - 1e-12), tuple(lim), notes
    )


__all__ = [
    "TERMS",
    "TERM_ZH",
    "Assessment",
    "BuildingType",
    "RetrofitAssessment",
    "assess",
    "assess_retrofit",
    "C_mc",
    "delta_t",
    "epsilon_sol_air",
    "eta",
    "heating_demand",
    "q_H",
    "q_INF",
    "q_opaque",
    "q_window",
    "rho_air",
    "seasonal",
]
