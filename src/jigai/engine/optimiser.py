"""Least-cost retrofit packages: exact enumeration of every catalogue combination.

A package takes at most one row of each group of ``measures.PACKAGE_GROUPS`` (wall, window,
door, roof, basement ceiling, air-tightness); every combination is evaluated (no heuristic).
Fire rules (``fire.py``, GB 50016-2014 §6.7) remove the combinations a building may not use
and add the fire-barrier bands they require.

Why this is fast *and* exact: q_H (JGJ 26-2010 eq. 4.3.3) is linear in each element's K and
SHGC and in N, so a package's q_H is q_H,before plus the sum of its measures' changes:

    Δq_g = Σ_m∈g [ε_m·b_m·Δt_m·F_m·(K'_m − K_m) − C·I_m·F_m·(SHGC'_m − SHGC_m)] / A0
           (+ Δt·C_p·ρ·V·(N' − N)/A0 for air-tightness, eq. 4.3.10)

with K' = 1/(1/K + d/(λ·α)) + ΔK for an added layer (exactly the engine's ``add_insulation``).
The sums over the buildings × packages grid are numpy broadcasts, chunked over buildings so
that memory stays bounded; the numbers equal the engine's single-building ``assess`` of the
package's measures (tests: 1e-9).

Costs are integer fen: each line is unit cost [fen] × quantity, rounded half-up to the fen;
a package's cost is the exact sum of its lines (and of the fire-barrier bands it needs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import ENGINE_VERSION
from .building import Building, ElementKind, Faces
from .climate import Climate
from .constructions import K_add_layer
from .fire import (
    OPENINGS_FIRE_INTEGRITY_H,
    FireContext,
    max_roof_rank,
    max_wall_rank,
    needs_fire_rated_openings,
    rules_zh,
)
from .heat_index import assess, element_b, element_epsilon, index_parameters
from .measures import (
    PACKAGE_GROUPS,
    Catalogue,
    CombustionClass,
    CostUnit,
    Measure,
    MeasureGroup,
    default_catalogue,
)
from .params import EngineData, default_data
from .vector import (
    _EPS_ORIENT,
    _GLZ_ORIENT,
    B_CLASSES,
    CLASSES,
    EPS_CLASSES,
    GLAZED_CLASSES,
    STAIR_MASK,
    ClimateArrays,
    StockArrays,
    assess_stock,
    climate_arrays,
)

G = MeasureGroup
_COMBUSTIBLE_RANKS = (1, 2)
_INT_MAX = np.iinfo(np.int64).max


# ---------------------------------------------------------------------------------------
# the linear envelope model: buildings × columns (element classes, or one building's elements)


@dataclass(frozen=True)
class Envelope:
    """Per building b and column m: net area F [m²], K [W/(m²·K)], SHGC [-], the loss
    coefficient u = ε·b·Δt/A0 [K·m⁻²·m²/m² → (W/m²)/(W/K)] and the solar coefficient
    s = C·I/A0 of glazing; boolean masks of the columns each group acts on; q_H before
    [W/m²]; q_INF per unit N [W/m² per h⁻¹]; N [1/h]; and the cost quantities [m², m]."""

    F: np.ndarray
    K: np.ndarray
    shgc: np.ndarray
    u: np.ndarray
    s: np.ndarray
    masks: dict[MeasureGroup, np.ndarray]
    q_H: np.ndarray
    q_inf_per_N: np.ndarray
    N: np.ndarray
    A0: np.ndarray
    quantities: dict[str, np.ndarray]
    Z: np.ndarray

    @property
    def n(self) -> int:
        return int(self.q_H.shape[0])

    def take(self, sl) -> Envelope:
        return Envelope(
            self.F[sl],
            self.K[sl],
            self.shgc[sl],
            self.u[sl],
            self.s[sl],
            self.masks,
            self.q_H[sl],
            self.q_inf_per_N[sl],
            self.N[sl],
            self.A0[sl],
            {k: v[sl] for k, v in self.quantities.items()},
            self.Z[sl],
        )


def _quantities(F, masks, gross_wall_extra, roof_gross_extra, A0, V0) -> dict[str, np.ndarray]:
    """Element quantities for costing [m², m]. Band length (every floor, §6.7.7-2) =
    perimeter × storeys = gross wall area × A0/V0; roof-edge length (§6.7.10) = perimeter =
    gross wall area × roof area / V0 (exact for the block format)."""
    q = {g.value: (F * masks[g]).sum(axis=1) for g in (G.WALL, G.ROOF, G.WINDOW, G.DOOR)}
    q[G.BASEMENT_CEILING.value] = (F * masks[G.BASEMENT_CEILING]).sum(axis=1)
    gross_wall = q["wall"] + gross_wall_extra
    roof_gross = q["roof"] + roof_gross_extra
    q["floor"] = A0
    q["band_m"] = gross_wall * A0 / V0
    q["edge_m"] = gross_wall * roof_gross / V0
    return q


def envelope_from_stock(
    stock: StockArrays,
    climate: Climate | Sequence[Climate] | ClimateArrays,
    *,
    data: EngineData | None = None,
) -> Envelope:
    """The linear model of N buildings from the engine's class arrays (``vector.py``)."""
    data = data or default_data()
    n = stock.n
    ca = climate if isinstance(climate, ClimateArrays) else climate_arrays(climate, n)
    t_e = ca.t_e
    DT = np.where(STAIR_MASK, (stock.t_stair - t_e)[:, None], (stock.t_n - t_e)[:, None])
    eps = stock.eps
    if np.isnan(eps).any():
        derived = 1.0 - data.p("a_s") * data.p("R_e") * ca.I[:, _EPS_ORIENT] / DT[:, EPS_CLASSES]
        eps = np.where(np.isnan(eps), derived, eps)
    fac = np.ones_like(DT)
    fac[:, EPS_CLASSES] = eps
    fac[:, B_CLASSES] *= stock.b
    u = fac * DT / stock.A0[:, None]
    s = np.zeros_like(DT)
    s[:, GLAZED_CLASSES] = data.p("window_C_factor") * ca.I[:, _GLZ_ORIENT] / stock.A0[:, None]
    shgc = np.zeros_like(DT)
    shgc[:, GLAZED_CLASSES] = stock.shgc

    def m(pred):
        return np.array([pred(c) for c in CLASSES])

    masks = {
        G.WALL: m(lambda c: c.term == "q_Hq"),
        G.ROOF: m(lambda c: c.name == "ROOF"),
        G.BASEMENT_CEILING: m(lambda c: c.name == "FLOOR_BASEMENT"),
        G.WINDOW: m(lambda c: c.glazed),
        G.DOOR: m(lambda c: c.name in ("DOOR", "SDOOR")),
    }
    vertical_openings = m(
        lambda c: (c.glazed and c.orientation != "H") or c.name in ("DOOR", "SDOOR")
    )
    skylights = m(lambda c: c.name == "WIN_H")
    res = assess_stock(stock, ca, data=data)
    rho = data.p("rho_numerator") / (273.0 + t_e)
    q_inf_per_N = (stock.t_n - t_e) * data.p("C_p") * rho * stock.V_factor * stock.V0 / stock.A0
    F = stock.F
    return Envelope(
        F,
        stock.K,
        shgc,
        u,
        s,
        masks,
        res.q_H,
        q_inf_per_N,
        stock.N_ach,
        stock.A0,
        _quantities(
            F,
            masks,
            (F * vertical_openings).sum(axis=1),
            (F * skylights).sum(axis=1),
            stock.A0,
            stock.V0,
        ),
        np.asarray(ca.Z, dtype=float),
    )


def envelope_from_building(
    b: Building, climate: Climate, *, data: EngineData | None = None
) -> Envelope:
    """The linear model of one building, element by element (exact for any element mix)."""
    data = data or default_data()
    p = index_parameters(b, data)
    rows = []
    for e in b.elements:
        t_in = p.t_stair if e.faces is Faces.UNHEATED_STAIRWELL else p.t_n
        dt = t_in - climate.t_e
        F = b.net_area(e)
        if e.kind in (ElementKind.WINDOW, ElementKind.DOOR):
            u = dt / b.A0
            s = (
                p.window_C_factor * climate.I(e.orientation) / b.A0
                if e.kind is ElementKind.WINDOW
                else 0.0
            )
        else:
            eps, _ = element_epsilon(e, climate, dt, p)
            u = eps * element_b(b, e, data) * dt / b.A0
            s = 0.0
        rows.append((F, e.K, e.shgc, u, s))
    arr = np.array(rows, dtype=float).T[:, None, :]  # (5, 1, M)
    kinds = [e.kind for e in b.elements]
    masks = {
        G.WALL: np.array([k is ElementKind.WALL for k in kinds]),
        G.ROOF: np.array([k is ElementKind.ROOF for k in kinds]),
        G.BASEMENT_CEILING: np.array(
            [e.kind is ElementKind.FLOOR and e.faces is Faces.UNHEATED_BASEMENT for e in b.elements]
        ),
        G.WINDOW: np.array([k is ElementKind.WINDOW for k in kinds]),
        G.DOOR: np.array([k is ElementKind.DOOR for k in kinds]),
    }
    vert = np.array(
        [
            (e.kind is ElementKind.WINDOW and e.orientation != "H") or e.kind is ElementKind.DOOR
            for e in b.elements
        ]
    )
    sky = np.array([e.kind is ElementKind.WINDOW and e.orientation == "H" for e in b.elements])
    F = arr[0]
    A0 = np.array([b.A0])
    rho = p.rho_numerator / (273.0 + climate.t_e)
    return Envelope(
        F,
        arr[1],
        arr[2],
        arr[3],
        arr[4],
        masks,
        np.array([assess(b, climate, data=data).q_H]),
        np.array([(p.t_n - climate.t_e) * p.C_p * rho * p.V_factor * b.V0 / b.A0]),
        np.array([p.N]),
        A0,
        _quantities(
            F,
            masks,
            (F * vert).sum(axis=1),
            (F * sky).sum(axis=1),
            A0,
            np.array([b.V0]),
        ),
        np.array([climate.Z]),
    )


# ---------------------------------------------------------------------------------------
# per-option effects, costs and feasibility


@dataclass(frozen=True)
class FireArrays:
    """``FireContext`` for N buildings (arrays; see ``fire.py``)."""

    residential: np.ndarray
    height_m: np.ndarray
    cavity: np.ndarray
    crowded: np.ndarray
    roof_fire_resistance_h: np.ndarray

    @classmethod
    def of(cls, ctx: FireContext | Sequence[FireContext]) -> FireArrays:
        cs = [ctx] if isinstance(ctx, FireContext) else list(ctx)
        return cls(
            np.array([c.residential for c in cs]),
            np.array([c.height_m for c in cs], dtype=float),
            np.array([c.cavity for c in cs]),
            np.array([c.crowded for c in cs]),
            np.array([c.roof_fire_resistance_h for c in cs], dtype=float),
        )

    def take(self, sl) -> FireArrays:
        return FireArrays(*(np.asarray(getattr(self, f))[sl] for f in self.__dataclass_fields__))


def line_cost(rate_fen: int, quantity) -> np.ndarray:
    """Cost of a line [fen]: rate [fen/unit] × quantity, rounded half-up to the fen (int64)."""
    return np.floor(rate_fen * np.asarray(quantity, dtype=float) + 0.5).astype(np.int64)


def _quantity(m: Measure, env: Envelope) -> np.ndarray:
    if m.unit is CostUnit.M2_FLOOR:
        return env.quantities["floor"]
    qty = env.quantities[m.group.value]
    if m.unit is CostUnit.EACH:
        return np.ceil(qty / m.unit_area_m2 - 1e-9)
    return qty


def _rank(m: Measure | None) -> int:
    return -1 if m is None or m.combustion_class is None else m.combustion_class.rank


@dataclass(frozen=True)
class _Effects:
    options: tuple[tuple[Measure | None, ...], ...]  # per group: None (no measure) + rows
    dq: tuple[np.ndarray, ...]  # per group (B, n_g) [W/m²]
    cost: tuple[np.ndarray, ...]  # per group (B, n_g) [fen], wall incl. floor bands
    ok: tuple[np.ndarray, ...]  # per group (B, n_g)
    need_fr: np.ndarray  # (B, nW) wall option needs 0.5 h windows/doors (§6.7.7-1)
    edge_cost: np.ndarray  # (B, nW, nR) roof-edge band (§6.7.10) [fen]

    @property
    def dims(self) -> tuple[int, ...]:
        return tuple(len(o) for o in self.options)


def _effects(env: Envelope, fire: FireArrays, cat: Catalogue) -> _Effects:
    B = env.n
    options, dqs, costs, oks = [], [], [], []
    for g in PACKAGE_GROUPS:
        opts = (None, *cat.options(g))
        dq = np.zeros((B, len(opts)))
        cost = np.zeros((B, len(opts)), dtype=np.int64)
        ok = np.ones((B, len(opts)), dtype=bool)
        if g is not G.AIRTIGHTNESS:
            mask = env.masks[g]
            Fm = env.F * mask
            present = Fm.sum(axis=1) > 0
        for j, m in enumerate(opts[1:], start=1):
            if g in (G.WALL, G.ROOF, G.BASEMENT_CEILING):
                with np.errstate(divide="ignore", invalid="ignore"):
                    K2 = K_add_layer(env.K, m.thickness_m, m.lambda_, m.alpha) + m.delta_K
                dK = np.where(Fm > 0, K2 - env.K, 0.0)
                dq[:, j] = (env.u * Fm * dK).sum(axis=1)
                ok[:, j] = present & (m.combustion_class is not CombustionClass.B3)
            elif g in (G.WINDOW, G.DOOR):
                dK = np.where(Fm > 0, m.K - env.K, 0.0)
                if g is G.WINDOW:
                    dS = np.where(Fm > 0, m.shgc - env.shgc, 0.0)
                    dq[:, j] = (env.u * Fm * dK - env.s * Fm * dS).sum(axis=1)
                else:
                    dq[:, j] = (env.u * Fm * dK).sum(axis=1)
                ok[:, j] = present
            else:
                dq[:, j] = env.q_inf_per_N * (m.N_after - env.N)
            cost[:, j] = line_cost(m.cost_fen, _quantity(m, env))
        options.append(opts)
        dqs.append(dq)
        costs.append(cost)
        oks.append(ok)
    # fire rules, GB 50016-2014 §6.7
    iw, ir = PACKAGE_GROUPS.index(G.WALL), PACKAGE_GROUPS.index(G.ROOF)
    w_rank = np.array([_rank(m) for m in options[iw]])
    r_rank = np.array([_rank(m) for m in options[ir]])
    wmax = max_wall_rank(fire.residential, fire.height_m, cavity=fire.cavity, crowded=fire.crowded)
    oks[iw] &= w_rank[None, :] <= np.asarray(wmax)[:, None]  # §6.7.1, §6.7.4–6.7.6
    rmax = max_roof_rank(fire.roof_fire_resistance_h)
    oks[ir] &= r_rank[None, :] <= np.asarray(rmax)[:, None]  # §6.7.10
    w_comb = np.isin(w_rank, _COMBUSTIBLE_RANKS)
    r_comb = np.isin(r_rank, _COMBUSTIBLE_RANKS)
    band = line_cost(cat.band(G.FIRE_BARRIER_FLOOR).cost_fen, env.quantities["band_m"])
    costs[iw] = costs[iw] + band[:, None] * w_comb[None, :]  # §6.7.7-2
    edge = line_cost(cat.band(G.FIRE_BARRIER_ROOF_EDGE).cost_fen, env.quantities["edge_m"])
    edge_cost = edge[:, None, None] * (w_comb[:, None] & r_comb[None, :])[None]  # §6.7.10
    need_fr = needs_fire_rated_openings(
        fire.residential[:, None], fire.height_m[:, None], w_rank[None, :]
    )
    return _Effects(tuple(options), tuple(dqs), tuple(costs), tuple(oks), need_fr, edge_cost)


def _grid(eff: _Effects, env: Envelope):
    """q_H after [W/m²], cost [fen] and feasibility of every package: arrays (B, P)."""
    B = env.n
    dims = eff.dims
    iw, ix, idr, ir = (PACKAGE_GROUPS.index(g) for g in (G.WALL, G.WINDOW, G.DOOR, G.ROOF))
    assert (iw, ix, idr, ir) == (0, 1, 2, 3)
    has_win = env.quantities["window"] > 0
    has_door = env.quantities["door"] > 0
    fr = [
        np.array([m is not None and m.fire_integrity_h >= OPENINGS_FIRE_INTEGRITY_H for m in o])
        for o in eff.options
    ]
    q = eff.dq[0]
    c = eff.cost[0]
    ok = eff.ok[0]
    for k in range(1, len(dims)):
        shape = (B, *([1] * k), dims[k])
        q = q[..., None] + eff.dq[k].reshape(shape)
        c = c[..., None] + eff.cost[k].reshape(shape)
        ok = ok[..., None] & eff.ok[k].reshape(shape)
        if k == ix:  # §6.7.7-1 windows
            ok &= ~(eff.need_fr & has_win[:, None])[:, :, None] | fr[ix][None, None, :]
        elif k == idr:  # §6.7.7-1 doors
            ok &= (~(eff.need_fr & has_door[:, None])[:, :, None] | fr[idr][None, None, :])[
                :, :, None, :
            ]
        elif k == ir:  # §6.7.10 roof-edge band
            c = c + eff.edge_cost[:, :, None, None, :]
    P = math.prod(dims)
    return np.maximum(env.q_H[:, None] + q.reshape(B, P), 0.0), c.reshape(B, P), ok.reshape(B, P)


def _eta(q_after, q_before):
    return 1.0 - q_after / q_before[:, None]


def _pick_least_cost(cost, eta, mask):
    """Index of the cheapest package in ``mask`` per building (ties: highest η, then lowest
    index); -1 where none."""
    cm = np.where(mask, cost, _INT_MAX)
    minc = cm.min(axis=1)
    cand = mask & (cost == minc[:, None])
    idx = np.where(cand, eta, -np.inf).argmax(axis=1)
    return np.where(mask.any(axis=1), idx, -1)


def _pick_best_eta(cost, eta, mask):
    """Index of the highest-η package in ``mask`` (ties: cheapest, then lowest index)."""
    em = np.where(mask, eta, -np.inf)
    best = em.max(axis=1)
    cand = mask & (em == best[:, None])
    idx = np.where(cand, cost, _INT_MAX).argmin(axis=1)
    return np.where(mask.any(axis=1), idx, -1)


# ---------------------------------------------------------------------------------------
# packages and results


@dataclass(frozen=True)
class Package:
    """One package: the chosen catalogue rows, the fire bands they need, η, q_H after
    [W/m²], cost [fen] and its lines (catalogue id, fen)."""

    index: int
    measure_ids: tuple[str, ...]
    band_ids: tuple[str, ...]
    eta: float
    q_H_after: float
    cost_fen: int
    lines: tuple[tuple[str, int], ...]
    needs_fire_rated_openings: bool = False

    @property
    def label(self) -> str:
        return "+".join(self.measure_ids) if self.measure_ids else "none"

    def engine_measures(self, catalogue: Catalogue) -> list[dict]:
        """The engine measures (``apply_measures``) giving the same q_H."""
        return [catalogue.by_id(i).engine_measure() for i in self.measure_ids]

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "measures": list(self.measure_ids),
            "fire_bands": list(self.band_ids),
            "eta": self.eta,
            "q_H_after": self.q_H_after,
            "cost_fen": self.cost_fen,
            "lines": [{"id": i, "fen": f} for i, f in self.lines],
            "needs_fire_rated_openings": self.needs_fire_rated_openings,
        }


def package_choice(index: int, dims: tuple[int, ...]) -> tuple[int, ...]:
    """Option index per group (0 = no measure) of package ``index``."""
    return tuple(int(i) for i in np.unravel_index(index, dims))


def package_ids(index: int, options) -> tuple[str, ...]:
    choice = package_choice(index, tuple(len(o) for o in options))
    return tuple(options[g][j].id for g, j in enumerate(choice) if j)


def _package(eff: _Effects, env: Envelope, cat: Catalogue, b: int, index: int, q_after, cost):
    choice = package_choice(index, eff.dims)
    lines = []
    for g, j in enumerate(choice):
        if j:
            m = eff.options[g][j]
            lines.append((m.id, int(line_cost(m.cost_fen, _quantity(m, env))[b])))
    w = eff.options[0][choice[0]]
    r = eff.options[3][choice[3]]
    bands = []
    if _rank(w) in _COMBUSTIBLE_RANKS:
        m = cat.band(G.FIRE_BARRIER_FLOOR)
        bands.append(m.id)
        lines.append((m.id, int(line_cost(m.cost_fen, env.quantities["band_m"])[b])))
        if _rank(r) in _COMBUSTIBLE_RANKS:
            m = cat.band(G.FIRE_BARRIER_ROOF_EDGE)
            bands.append(m.id)
            lines.append((m.id, int(line_cost(m.cost_fen, env.quantities["edge_m"])[b])))
    assert sum(f for _, f in lines) == int(cost)
    return Package(
        int(index),
        tuple(eff.options[g][j].id for g, j in enumerate(choice) if j),
        tuple(bands),
        float(1.0 - q_after / env.q_H[b]),
        float(q_after),
        int(cost),
        tuple(lines),
        bool(eff.need_fr[b, choice[0]]),
    )


@dataclass(frozen=True)
class BuildingOptimum:
    """Every feasible package of one building (η, cost), its Pareto front, the least-cost
    package reaching the threshold (None: no package reaches it — see ``best``), the best η
    within a budget, and the provenance of the numbers."""

    name: str
    q_H_before: float
    threshold: float
    n_enumerated: int
    feasible_index: np.ndarray  # package indices, by ascending cost then descending η
    eta: np.ndarray
    cost_fen: np.ndarray
    pareto: tuple[Package, ...]
    least_cost: Package | None
    best: Package
    within_budget: Package | None
    budget_fen: int | None
    fire_rules: str
    floor_area_m2: float
    engine_version: str
    climate: dict
    catalogue: dict
    _eff: _Effects = field(repr=False, compare=False)
    _env: Envelope = field(repr=False, compare=False)
    _cat: Catalogue = field(repr=False, compare=False)
    _grid: tuple[np.ndarray, np.ndarray] = field(repr=False, compare=False)

    def package(self, index: int) -> Package:
        """Package ``index`` of the enumeration (see ``package_choice``)."""
        q, c = self._grid
        return _package(self._eff, self._env, self._cat, 0, index, q[index], c[index])

    def packages(self, *, passing_only: bool = False, limit: int | None = None):
        """Feasible packages by ascending cost (then descending η)."""
        n = 0
        for i, idx in enumerate(self.feasible_index):
            if passing_only and self.eta[i] < self.threshold - 1e-12:
                continue
            if limit is not None and n >= limit:
                return
            n += 1
            yield self.package(int(idx))

    def to_dict(self, *, all_packages: bool = False) -> dict:
        d = {
            "engine_version": self.engine_version,
            "name": self.name,
            "climate": self.climate,
            "catalogue": self.catalogue,
            "fire_rules": self.fire_rules,
            "q_H_before": self.q_H_before,
            "eta_threshold": self.threshold,
            "packages_enumerated": self.n_enumerated,
            "packages_feasible": int(self.feasible_index.size),
            "least_cost": self.least_cost.to_dict() if self.least_cost else None,
            "best_achievable": self.best.to_dict(),
            "budget_fen": self.budget_fen,
            "within_budget": self.within_budget.to_dict() if self.within_budget else None,
            "pareto": [p.to_dict() for p in self.pareto],
        }
        if all_packages:
            d["packages"] = [
                {"index": int(i), "eta": float(e), "cost_fen": int(c)}
                for i, e, c in zip(self.feasible_index, self.eta, self.cost_fen, strict=True)
            ]
        return d


def pareto_front(cost: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Positions of the packages on the cost–η Pareto front (no other package is at most as
    expensive with a higher η), by ascending cost."""
    order = np.lexsort((-eta, cost))
    e = eta[order]
    run = np.maximum.accumulate(e)
    prev = np.concatenate(([-np.inf], run[:-1]))
    return order[e > prev]


def optimise_building(
    building: Building,
    climate: Climate,
    *,
    fire: FireContext | None = None,
    catalogue: Catalogue | None = None,
    threshold: float | None = None,
    budget_fen_per_m2: int | None = None,
    floor_area_m2: float | None = None,
    data: EngineData | None = None,
) -> BuildingOptimum:
    """All feasible packages of one building, the Pareto front of cost against η, the
    least-cost package with η ≥ threshold, and the best η within a budget.

    ``fire`` defaults to the building's type and height storeys × V0/A0 without cavity;
    ``budget_fen_per_m2`` [fen per m² of floor area]; ``floor_area_m2`` the area the budget
    refers to (default A0).
    """
    data = data or default_data()
    cat = catalogue or default_catalogue()
    thr = data.p("eta_threshold") if threshold is None else threshold
    if fire is None:
        fire = FireContext(
            residential=building.building_type.value == "residential",
            height_m=building.storeys * building.V0 / building.A0,
        )
    env = envelope_from_building(building, climate, data=data)
    eff = _effects(env, FireArrays.of(fire), cat)
    q, c, ok = _grid(eff, env)
    eta = _eta(q, env.q_H)
    feas = np.nonzero(ok[0])[0]
    order = feas[np.lexsort((-eta[0, feas], c[0, feas]))]
    passing = ok & (eta >= thr - 1e-12)
    i_least = int(_pick_least_cost(c, eta, passing)[0])
    i_best = int(_pick_best_eta(c, eta, ok)[0])
    area = building.A0 if floor_area_m2 is None else floor_area_m2
    budget = None
    i_budget = -1
    if budget_fen_per_m2 is not None:
        budget = int(line_cost(int(budget_fen_per_m2), area))
        i_budget = int(_pick_best_eta(c, eta, ok & (c <= budget))[0])

    def pk(i):
        return _package(eff, env, cat, 0, i, q[0, i], c[0, i])

    front = order[pareto_front(c[0, order], eta[0, order])]
    return BuildingOptimum(
        name=building.name,
        q_H_before=float(env.q_H[0]),
        threshold=thr,
        n_enumerated=math.prod(eff.dims),
        feasible_index=order,
        eta=eta[0, order],
        cost_fen=c[0, order],
        pareto=tuple(pk(int(i)) for i in front),
        least_cost=pk(i_least) if i_least >= 0 else None,
        best=pk(i_best),
        within_budget=pk(i_budget) if i_budget >= 0 else None,
        budget_fen=budget,
        fire_rules=rules_zh(fire),
        floor_area_m2=float(area),
        engine_version=ENGINE_VERSION,
        climate=climate.to_dict(),
        catalogue=cat.provenance(),
        _eff=eff,
        _env=env,
        _cat=cat,
        _grid=(q[0], c[0]),
    )


@dataclass(frozen=True)
class StockOptimum:
    """Per building (arrays of length N): the chosen package (least-cost reaching the
    threshold, else the best achievable η), whether it passes, η, q_H before/after [W/m²],
    cost [fen], the best achievable η, seasonal heat saved [kWh/m²]; and the best η within
    the budget (when a budget was given)."""

    package_index: np.ndarray
    passed: np.ndarray
    eta: np.ndarray
    q_H_before: np.ndarray
    q_H_after: np.ndarray
    cost_fen: np.ndarray
    best_eta: np.ndarray
    budget_index: np.ndarray | None
    budget_eta: np.ndarray | None
    options: tuple[tuple[str, ...], ...]  # per group: "" + catalogue ids
    threshold: float

    def labels(self, index: np.ndarray | None = None) -> np.ndarray:
        """'+'-joined catalogue ids of each building's package ('none' for no measure)."""
        idx = self.package_index if index is None else index
        uniq, inv = np.unique(idx, return_inverse=True)
        dims = tuple(len(o) for o in self.options)
        names = []
        for u in uniq:
            if u < 0:
                names.append("")
                continue
            ch = package_choice(int(u), dims)
            ids = [self.options[g][j] for g, j in enumerate(ch) if j]
            names.append("+".join(ids) if ids else "none")
        return np.array(names, dtype=object)[inv]


def optimise_stock(
    stock: StockArrays | Envelope,
    climate: Climate | Sequence[Climate] | ClimateArrays,
    fire: FireArrays,
    *,
    catalogue: Catalogue | None = None,
    threshold: float | None = None,
    budget_fen_per_m2: int | None = None,
    floor_area_m2: np.ndarray | None = None,
    data: EngineData | None = None,
    max_cells: int = 1 << 21,
) -> StockOptimum:
    """The least-cost package reaching η ≥ threshold for each of N buildings (exact: every
    package of the catalogue is evaluated), chunked over buildings so that at most
    ``max_cells`` buildings × packages cells are held at once."""
    data = data or default_data()
    cat = catalogue or default_catalogue()
    thr = data.p("eta_threshold") if threshold is None else threshold
    env_all = (
        stock if isinstance(stock, Envelope) else envelope_from_stock(stock, climate, data=data)
    )
    n = env_all.n
    P = cat.n_packages
    step = max(1, max_cells // P)
    out = {
        k: np.empty(n, dtype=t)
        for k, t in (
            ("idx", np.int64),
            ("passed", bool),
            ("eta", float),
            ("q_after", float),
            ("cost", np.int64),
            ("best_eta", float),
            ("b_idx", np.int64),
            ("b_eta", float),
        )
    }
    area = env_all.A0 if floor_area_m2 is None else np.asarray(floor_area_m2, dtype=float)
    options = None
    for start in range(0, n, step):
        sl = slice(start, min(n, start + step))
        env = env_all.take(sl)
        eff = _effects(env, fire.take(sl), cat)
        options = options or tuple(("", *(m.id for m in o[1:])) for o in eff.options)
        q, c, ok = _grid(eff, env)
        eta = _eta(q, env.q_H)
        passing = ok & (eta >= thr - 1e-12)
        i_least = _pick_least_cost(c, eta, passing)
        i_best = _pick_best_eta(c, eta, ok)
        chosen = np.where(i_least >= 0, i_least, i_best)
        rows = np.arange(env.n)
        out["idx"][sl] = chosen
        out["passed"][sl] = i_least >= 0
        out["eta"][sl] = eta[rows, chosen]
        out["q_after"][sl] = q[rows, chosen]
        out["cost"][sl] = c[rows, chosen]
        out["best_eta"][sl] = eta[rows, i_best]
        if budget_fen_per_m2 is not None:
            budget = line_cost(int(budget_fen_per_m2), area[sl])
            ib = _pick_best_eta(c, eta, ok & (c <= budget[:, None]))
            out["b_idx"][sl] = ib
            out["b_eta"][sl] = np.where(ib >= 0, eta[rows, np.maximum(ib, 0)], np.nan)
    has_budget = budget_fen_per_m2 is not None
    return StockOptimum(
        out["idx"],
        out["passed"],
        out["eta"],
        env_all.q_H.copy(),
        out["q_after"],
        out["cost"],
        out["best_eta"],
        out["b_idx"] if has_budget else None,
        out["b_eta"] if has_budget else None,
        options or tuple(("", *(m.id for m in cat.options(g))) for g in PACKAGE_GROUPS),
        thr,
    )
