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
a package's cost is the exact sum of its lines (and of the fire-barrier bands it needs, and
of the programme's façade-renovation line).

Programme rules (``policy.py``): groups the programme does not offer are left out of the
enumeration; a group it requires (residential buildings) must be in the package unless the
building is exempt from that rule — it has no such element, its elements already meet the
limit in force (``envelope.limit_status``), or an exception lifts the rule. When no package
meets η ≥ threshold, the fire code and the rules, ``BuildingOptimum.blocking`` names what
blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import ENGINE_VERSION
from .building import Building
from .climate import Climate
from .constructions import K_add_layer
from .envelope import (
    Envelope,
    column_limits,
    envelope_from_building,
    limit_status,
)
from .fire import (
    OPENINGS_FIRE_INTEGRITY_H,
    FireContext,
    max_roof_rank,
    max_wall_rank,
    needs_fire_rated_openings,
    rules_zh,
)
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
from .policy import NO_RULES, PackagePolicy, rule_name

G = MeasureGroup
_COMBUSTIBLE_RANKS = (1, 2)
_INT_MAX = np.iinfo(np.int64).max


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
    """Cost of a line [fen]: rate [fen/unit] × quantity, rounded half-up to the fen (int64).

    The product is first rounded to 10⁻⁶ fen, which undoes binary noise: a quantity summed
    element by element (446.1882 m²) or class by class (446.18819999999994 m²) must cost the
    same fen when the product is exactly half a fen (as ``funding.split_funding_arrays``)."""
    x = rate_fen * np.asarray(quantity, dtype=float)
    return np.floor(np.round(x, 6) + 0.5).astype(np.int64)


def _quantity(m: Measure, env: Envelope) -> np.ndarray:
    if m.unit is CostUnit.M2_FLOOR:
        return env.quantities["floor"]
    qty = env.quantities[m.group.value]
    if m.unit is CostUnit.EACH:
        return np.ceil(qty / m.unit_area_m2 - 1e-9)
    return qty


def _rank(m: Measure | None) -> int:
    return -1 if m is None or m.combustion_class is None else m.combustion_class.rank


# ---------------------------------------------------------------------------------------
# programme rules: which required group binds which building


class Exemption:
    """Why a required group does (not) bind a building (codes of ``rule_codes``)."""

    REQUIRED = 0
    MEETS_LIMIT = 1
    ABSENT = 2
    LIFTED = 3
    NOT_RESIDENTIAL = 4

    LABEL_ZH = {
        0: "须改造",
        1: "免：现状已满足限值",
        2: "免：无此类构件",
        3: "免：已批准例外",
        4: "免：非居住建筑",
    }
    LABEL = {
        0: "required",
        1: "exempt: existing elements meet the limit in force",
        2: "exempt: no such element",
        3: "exempt: lifted by an approved exception",
        4: "exempt: not a residential building",
    }


def rule_codes(
    env: Envelope,
    policy: PackagePolicy,
    residential: np.ndarray,
    lifted: dict[str, np.ndarray] | None = None,
) -> dict[MeasureGroup, np.ndarray]:
    """Per required group, an ``Exemption`` code per building (0 = the package must contain
    the group). ``lifted`` maps a rule name (``require_wall``…) to a per-building flag."""
    codes = {}
    res = np.asarray(residential, dtype=bool)
    for g in policy.required:
        code = np.zeros(env.n, dtype=np.int8)
        present = (env.F * env.masks[g]).sum(axis=1) > 0
        if policy.exempt_when_meeting_limit:
            code = np.where(present & limit_status(env, g), Exemption.MEETS_LIMIT, code)
        code = np.where(~present, Exemption.ABSENT, code)
        if lifted and rule_name(g) in lifted:
            code = np.where(np.asarray(lifted[rule_name(g)], dtype=bool), Exemption.LIFTED, code)
        codes[g] = np.where(res, code, Exemption.NOT_RESIDENTIAL).astype(np.int8)
    return codes


# ---------------------------------------------------------------------------------------
# per-option effects, costs and feasibility


@dataclass(frozen=True)
class _Effects:
    options: tuple[tuple[Measure | None, ...], ...]  # per group: None (no measure) + rows
    dq: tuple[np.ndarray, ...]  # per group (B, n_g) [W/m²]
    cost: tuple[np.ndarray, ...]  # per group (B, n_g) [fen], wall incl. floor bands
    ok: tuple[np.ndarray, ...]  # per group (B, n_g)
    need_fr: np.ndarray  # (B, nW) wall option needs 0.5 h windows/doors (§6.7.7-1)
    edge_cost: np.ndarray  # (B, nW, nR) roof-edge band (§6.7.10) [fen]
    facade_cost: np.ndarray  # (B,) the programme's façade line [fen]

    @property
    def dims(self) -> tuple[int, ...]:
        return tuple(len(o) for o in self.options)


def _effects(
    env: Envelope,
    fire: FireArrays,
    cat: Catalogue,
    policy: PackagePolicy = NO_RULES,
    codes: dict[MeasureGroup, np.ndarray] | None = None,
    *,
    fire_rules: bool = True,
) -> _Effects:
    B = env.n
    options, dqs, costs, oks = [], [], [], []
    for g in PACKAGE_GROUPS:
        opts = (None, *cat.options(g)) if policy.allowed(g) else (None,)
        dq = np.zeros((B, len(opts)))
        cost = np.zeros((B, len(opts)), dtype=np.int64)
        ok = np.ones((B, len(opts)), dtype=bool)
        if codes is not None and g in codes:  # a required group: "no measure" only if exempt
            ok[:, 0] = codes[g] != Exemption.REQUIRED
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
                # a replacement is offered only where it improves: no opening's K gets worse
                # and at least one gets better (an identical window is no retrofit)
                worse = ((Fm > 0) & (m.K > env.K + 1e-12)).any(axis=1)
                better = ((Fm > 0) & (m.K < env.K - 1e-12)).any(axis=1)
                ok[:, j] = present & ~worse & better
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
    if fire_rules:
        wmax = max_wall_rank(
            fire.residential, fire.height_m, cavity=fire.cavity, crowded=fire.crowded
        )
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
    if not fire_rules:
        need_fr = np.zeros_like(need_fr, dtype=bool)
    facade = line_cost(policy.facade_fen_per_m2, env.quantities["facade"])
    return _Effects(
        tuple(options), tuple(dqs), tuple(costs), tuple(oks), need_fr, edge_cost, facade
    )


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
    c = eff.cost[0] + eff.facade_cost[:, None]
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
    """η of every package (``heat_index.eta``: 0 where there is no demand before)."""
    safe = np.where(q_before > 0, q_before, 1.0)[:, None]
    return np.where(q_before[:, None] > 0, 1.0 - q_after / safe, 0.0)


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

FACADE_LINE = "facade"
FIRE_GROUPS = (G.FIRE_BARRIER_FLOOR, G.FIRE_BARRIER_ROOF_EDGE)


def line_group(line_id: str, catalogue: Catalogue) -> str:
    """The measure group of a cost line: wall, roof, window, door, basement_ceiling,
    airtightness, facade (the programme's façade line) or fire (GB 50016 barrier bands)."""
    if line_id == FACADE_LINE:
        return "facade"
    g = catalogue.by_id(line_id).group
    return "fire" if g in FIRE_GROUPS else g.value


@dataclass(frozen=True)
class Package:
    """One package: the chosen catalogue rows, the fire bands they need, η, q_H after
    [W/m²], cost [fen] and its lines (catalogue id or ``facade``, fen, measure group)."""

    index: int
    measure_ids: tuple[str, ...]
    band_ids: tuple[str, ...]
    eta: float
    q_H_after: float
    cost_fen: int
    lines: tuple[tuple[str, int], ...]
    needs_fire_rated_openings: bool = False
    line_groups: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return "+".join(self.measure_ids) if self.measure_ids else "none"

    def fen_of(self, group: str) -> int:
        """The cost of the package's lines of one measure group [fen] (e.g. ``window``)."""
        return sum(f for (_, f), g in zip(self.lines, self.line_groups, strict=True) if g == group)

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
            "lines": [
                {"id": i, "group": g, "fen": f}
                for (i, f), g in zip(self.lines, self.line_groups, strict=True)
            ],
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
    if eff.facade_cost[b]:
        lines.append((FACADE_LINE, int(eff.facade_cost[b])))
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
        tuple(line_group(i, cat) for i, _ in lines),
    )


@dataclass(frozen=True)
class BuildingOptimum:
    """Every package of one building that meets the fire code and the programme's rules
    (η, cost), its Pareto front, the least-cost package reaching the threshold (None: none
    does — ``blocking`` says why, ``best`` is the best achievable, None when no package meets
    the rules at all), the best η within a budget, the rules applied and the provenance."""

    name: str
    q_H_before: float
    threshold: float
    n_enumerated: int
    feasible_index: np.ndarray  # package indices, by ascending cost then descending η
    eta: np.ndarray
    cost_fen: np.ndarray
    pareto: tuple[Package, ...]
    least_cost: Package | None
    best: Package | None
    within_budget: Package | None
    budget_fen: int | None
    fire_rules: str
    floor_area_m2: float
    engine_version: str
    climate: dict
    catalogue: dict
    policy: dict
    rules: tuple[dict, ...]
    blocking: tuple[dict, ...]
    _eff: _Effects = field(repr=False, compare=False)
    _env: Envelope = field(repr=False, compare=False)
    _cat: Catalogue = field(repr=False, compare=False)
    _grid: tuple[np.ndarray, np.ndarray] = field(repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.least_cost is not None

    def package(self, index: int) -> Package:
        """Package ``index`` of the enumeration (see ``package_choice``)."""
        q, c = self._grid
        return _package(self._eff, self._env, self._cat, 0, index, q[index], c[index])

    def packages(self, *, passing_only: bool = False, limit: int | None = None):
        """Packages meeting the fire code and the rules, by ascending cost (then
        descending η)."""
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
            "package_rules": self.policy,
            "rules_applied": [dict(r) for r in self.rules],
            "blocking": [dict(r) for r in self.blocking],
            "q_H_before": self.q_H_before,
            "eta_threshold": self.threshold,
            "packages_enumerated": self.n_enumerated,
            "packages_feasible": int(self.feasible_index.size),
            "least_cost": self.least_cost.to_dict() if self.least_cost else None,
            "best_achievable": self.best.to_dict() if self.best else None,
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


def _rules_applied(
    env: Envelope, policy: PackagePolicy, codes: dict[MeasureGroup, np.ndarray]
) -> tuple[dict, ...]:
    """One building's required-group rules: status, and for a limit exemption each element's
    K against its limit (with the limit row's key)."""
    out = []
    kmax, keys = (None, None)
    for g in policy.required:
        code = int(codes[g][0])
        row = {
            "rule": rule_name(g),
            "group": g.value,
            "status": Exemption.LABEL[code],
            "status_zh": Exemption.LABEL_ZH[code],
            "code": code,
            "source": policy.source,
        }
        if code == Exemption.MEETS_LIMIT:
            if kmax is None:
                kmax, keys = column_limits(env)
            cols = np.nonzero((env.F[0] > 0) & env.masks[g])[0]
            row["elements"] = [
                {"K": float(env.K[0, j]), "K_max": float(kmax[0, j]), "limit": keys[0, j]}
                for j in cols
            ]
        out.append(row)
    return tuple(out)


def _blocking(
    env: Envelope,
    fire: FireArrays,
    cat: Catalogue,
    policy: PackagePolicy,
    codes: dict[MeasureGroup, np.ndarray],
    thr: float,
    fire_text: str,
) -> tuple[dict, ...]:
    """Why no package of one building meets η ≥ thr, the fire code and the rules: each
    constraint whose removal alone would let a package through, else all of them jointly."""

    def reaches(fire_rules: bool, enforce: bool) -> tuple[bool, float]:
        eff = _effects(env, fire, cat, policy, codes if enforce else None, fire_rules=fire_rules)
        q, c, ok = _grid(eff, env)
        eta = _eta(q, env.q_H)[0]
        ok = ok[0]
        best = float(eta[ok].max()) if ok.any() else float("nan")
        return bool((ok & (eta >= thr - 1e-12)).any()), best

    _, best_all = reaches(True, True)
    out = []
    no_fire, best_nf = reaches(False, True)
    no_rules, best_nr = reaches(True, False)
    required = [g for g in policy.required if int(codes[g][0]) == Exemption.REQUIRED]
    if no_fire:
        out.append(
            {
                "rule": "fire_code",
                "text": f"GB 50016-2014 §6.7: {fire_text}",
                "eta_without": best_nf,
            }
        )
    if no_rules and required:
        for g in required:
            one = dict(codes)
            one[g] = np.full(env.n, Exemption.LIFTED, dtype=np.int8)
            eff = _effects(env, fire, cat, policy, one)
            q, c, ok = _grid(eff, env)
            eta = _eta(q, env.q_H)[0]
            if (ok[0] & (eta >= thr - 1e-12)).any():
                out.append(
                    {
                        "rule": rule_name(g),
                        "text": policy.source,
                        "eta_without": float(eta[ok[0]].max()),
                    }
                )
        if not any(r["rule"].startswith("require_") for r in out):
            out.append(
                {
                    "rule": "+".join(rule_name(g) for g in required),
                    "text": policy.source,
                    "eta_without": best_nr,
                }
            )
    if not out:
        out.append(
            {
                "rule": "eta_threshold",
                "text": f"η ≥ {thr:g}",
                "eta_without": best_all,
            }
        )
    for r in out:
        r["best_eta"] = best_all
    return tuple(out)


def optimise_building(
    building: Building,
    climate: Climate,
    *,
    fire: FireContext | None = None,
    catalogue: Catalogue | None = None,
    threshold: float | None = None,
    budget_fen_per_m2: int | None = None,
    floor_area_m2: float | None = None,
    policy: PackagePolicy = NO_RULES,
    lifted: frozenset[str] | set[str] = frozenset(),
    data: EngineData | None = None,
) -> BuildingOptimum:
    """All packages of one building that meet the fire code and the programme's rules, the
    Pareto front of cost against η, the least-cost package with η ≥ threshold (or what
    blocks), and the best η within a budget.

    ``fire`` defaults to the building's type and height storeys × V0/A0 without cavity;
    ``budget_fen_per_m2`` [fen per m² of floor area]; ``floor_area_m2`` the area the budget
    refers to (default A0); ``policy`` the programme's package rules (default: none);
    ``lifted`` the rule names an approved exception lifts for this building.
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
    fa = FireArrays.of(fire)
    lifted_arr = {r: np.ones(1, dtype=bool) for r in lifted}
    codes = rule_codes(env, policy, fa.residential, lifted_arr)
    eff = _effects(env, fa, cat, policy, codes)
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
    fire_text = rules_zh(fire)
    blocking = () if i_least >= 0 else _blocking(env, fa, cat, policy, codes, thr, fire_text)
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
        best=pk(i_best) if i_best >= 0 else None,
        within_budget=pk(i_budget) if i_budget >= 0 else None,
        budget_fen=budget,
        fire_rules=fire_text,
        floor_area_m2=float(area),
        engine_version=ENGINE_VERSION,
        climate=climate.to_dict(),
        catalogue=cat.provenance(),
        policy=policy.to_dict(),
        rules=_rules_applied(env, policy, codes),
        blocking=blocking,
        _eff=eff,
        _env=env,
        _cat=cat,
        _grid=(q[0], c[0]),
    )
