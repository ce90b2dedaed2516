"""Least-cost packages of a whole stock: ``optimiser.py``'s exact enumeration, chunked over
buildings (arrays of length N), with each building's climate, fire context, programme rules
and lifted rules — the stock runner's and the platform's bulk path. It equals
``optimiser.optimise_building`` building by building (tests: 1e-9)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .climate import Climate
from .envelope import Envelope, envelope_from_stock
from .measures import PACKAGE_GROUPS, Catalogue, MeasureGroup, default_catalogue
from .optimiser import (
    _INT_MAX,
    Exemption,
    FireArrays,
    _Effects,
    _effects,
    _eta,
    _grid,
    _package,
    _pick_best_eta,
    _pick_least_cost,
    line_cost,
    package_choice,
    rule_codes,
)
from .params import EngineData, default_data
from .policy import NO_RULES, PackagePolicy, rule_name
from .vector import ClimateArrays, StockArrays

G = MeasureGroup


@dataclass(frozen=True)
class StockOptimum:
    """Per building (arrays of length N): the chosen package (least-cost reaching the
    threshold, else the best achievable η, flagged; -1 where no package meets the rules),
    whether it passes, η, q_H before/after [W/m²], cost [fen] and its window lines [fen],
    the best achievable η, what blocks a building that does not pass (``blocking``: "" when
    it passes, ``require_<group>`` names, or ``eta_threshold``); and the best η within the
    budget (when a budget was given)."""

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
    window_fen: np.ndarray | None = None
    blocking: np.ndarray | None = None
    packages: np.ndarray | None = None  # detail: the chosen ``Package`` (None where none)
    pareto: np.ndarray | None = None  # detail: [(index, cost [fen], η)] of the Pareto front
    codes: dict[MeasureGroup, np.ndarray] | None = None  # detail: ``rule_codes``

    def labels(self, index: np.ndarray | None = None) -> np.ndarray:
        """'+'-joined catalogue ids of each building's package ('none' for no measure,
        '' where no package meets the rules)."""
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


def _window_cost(eff: _Effects, index: np.ndarray) -> np.ndarray:
    """The chosen packages' window-line cost per building [fen] (0 where none)."""
    ix = PACKAGE_GROUPS.index(G.WINDOW)
    choice = np.unravel_index(np.maximum(index, 0), eff.dims)[ix]
    rows = np.arange(index.size)
    return np.where(index >= 0, eff.cost[ix][rows, choice], 0).astype(np.int64)


def optimise_stock(
    stock: StockArrays | Envelope,
    climate: Climate | Sequence[Climate] | ClimateArrays,
    fire: FireArrays,
    *,
    catalogue: Catalogue | None = None,
    threshold: float | None = None,
    budget_fen_per_m2: int | None = None,
    floor_area_m2: np.ndarray | None = None,
    policy: PackagePolicy = NO_RULES,
    lifted: dict[str, np.ndarray] | None = None,
    storeys: np.ndarray | None = None,
    zone: str | Sequence[str] | None = None,
    data: EngineData | None = None,
    max_cells: int = 1 << 21,
    detail: bool = False,
) -> StockOptimum:
    """The least-cost package reaching η ≥ threshold under the fire code and the
    programme's rules for each of N buildings (exact: every package of the catalogue is
    evaluated), chunked over buildings so that at most ``max_cells`` buildings × packages
    cells are held at once. ``storeys`` (and ``zone``, default the climate's) are needed
    when the rules exempt elements that meet their limit.

    ``detail`` adds what the single-building ``optimise_building`` reports per building:
    the chosen ``Package`` with its cost lines, the cost–η Pareto front of the packages that
    meet the fire code and the rules (as ``pareto_front``), and the rule codes — the same
    numbers to 1e-9 (the platform stores them, ``jigai.buildings.assessment``)."""
    data = data or default_data()
    cat = catalogue or default_catalogue()
    thr = data.p("eta_threshold") if threshold is None else threshold
    env_all = (
        stock
        if isinstance(stock, Envelope)
        else envelope_from_stock(stock, climate, data=data, storeys=storeys, zone=zone)
    )
    n = env_all.n
    P = math.prod((len(cat.options(g)) + 1) if policy.allowed(g) else 1 for g in PACKAGE_GROUPS)
    step = max(1, max_cells // P)
    out = {
        k: np.empty(n, dtype=t)
        for k, t in (
            ("idx", np.int64),
            ("passed", bool),
            ("eta", float),
            ("q_after", float),
            ("cost", np.int64),
            ("window", np.int64),
            ("best_eta", float),
            ("b_idx", np.int64),
            ("b_eta", float),
        )
    }
    blocking = np.full(n, "", dtype=object)
    packages = np.full(n, None, dtype=object) if detail else None
    fronts = np.full(n, None, dtype=object) if detail else None
    area = env_all.A0 if floor_area_m2 is None else np.asarray(floor_area_m2, dtype=float)
    options = None
    codes_all = rule_codes(env_all, policy, fire.residential, lifted)  # one limit look-up pass
    for start in range(0, n, step):
        sl = slice(start, min(n, start + step))
        env = env_all.take(sl)
        fa = fire.take(sl)
        codes = {g: c[sl] for g, c in codes_all.items()}
        eff = _effects(env, fa, cat, policy, codes)
        options = options or tuple(("", *(m.id for m in o[1:])) for o in eff.options)
        q, c, ok = _grid(eff, env)
        eta = _eta(q, env.q_H)
        passing = ok & (eta >= thr - 1e-12)
        i_least = _pick_least_cost(c, eta, passing)
        i_best = _pick_best_eta(c, eta, ok)
        chosen = np.where(i_least >= 0, i_least, i_best)
        rows = np.arange(env.n)
        safe = np.maximum(chosen, 0)
        none = chosen < 0
        out["idx"][sl] = chosen
        out["passed"][sl] = i_least >= 0
        out["eta"][sl] = np.where(none, np.nan, eta[rows, safe])
        out["q_after"][sl] = np.where(none, np.nan, q[rows, safe])
        out["cost"][sl] = np.where(none, 0, c[rows, safe])
        out["window"][sl] = _window_cost(eff, chosen)
        out["best_eta"][sl] = np.where(i_best < 0, np.nan, eta[rows, np.maximum(i_best, 0)])
        if detail:
            for k in np.nonzero(~none)[0]:
                i = int(chosen[k])
                packages[start + k] = _package(eff, env, cat, int(k), i, q[k, i], c[k, i])
            for k, front in enumerate(_pareto_fronts(q, c, eta, ok, env.q_H)):
                fronts[start + k] = front
        failing = np.nonzero(i_least < 0)[0]
        if failing.size:
            blocking[sl][failing] = _stock_blocking(env, fa, cat, policy, codes, thr, failing)
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
        options
        or tuple(
            ("", *(m.id for m in cat.options(g))) if policy.allowed(g) else ("",)
            for g in PACKAGE_GROUPS
        ),
        thr,
        out["window"],
        blocking,
        packages,
        fronts,
        codes_all if detail else None,
    )


def _pareto_fronts(q, c, eta, ok, q_before) -> list[list[tuple[int, int, float]]]:
    """Per building of a chunk, the Pareto front of the packages in ``ok`` exactly as
    ``optimise_building`` orders it (ascending cost, then descending η, then index; a
    package joins when its η beats every cheaper one's): [(index, cost [fen], η)], η as
    ``Package.eta`` (1 − q_H,after/q_H,before)."""
    cm = np.where(ok, c, _INT_MAX)
    em = np.where(ok, eta, -np.inf)
    order = np.lexsort((-em, cm), axis=-1)
    es = np.take_along_axis(em, order, axis=1)
    run = np.maximum.accumulate(es, axis=1)
    prev = np.concatenate((np.full((es.shape[0], 1), -np.inf), run[:, :-1]), axis=1)
    front = np.take_along_axis(ok, order, axis=1) & (es > prev)
    rows, cols = np.nonzero(front)
    idx = order[rows, cols]
    cost = c[rows, idx].tolist()
    with np.errstate(divide="ignore", invalid="ignore"):  # no demand before: as Package.eta
        eta_p = (1.0 - q[rows, idx] / q_before[rows]).tolist()
    idx = idx.tolist()
    ends = np.cumsum(np.bincount(rows, minlength=q.shape[0])).tolist()
    out, start = [], 0
    for end in ends:
        out.append(list(zip(idx[start:end], cost[start:end], eta_p[start:end], strict=True)))
        start = end
    return out


def _stock_blocking(env, fire, cat, policy, codes, thr, failing) -> np.ndarray:
    """For the buildings ``failing`` of a chunk, as ``_blocking`` names it for one building
    (without the fire-code diagnosis): each required-group rule whose lifting alone lets a
    package through ('+'-joined), else all binding rules jointly when lifting them all does,
    else ``eta_threshold``."""
    n = failing.size
    out = np.full(n, "eta_threshold", dtype=object)
    binding = [g for g in policy.required if (codes[g][failing] == Exemption.REQUIRED).any()]
    if not binding:
        return out
    sub = env.take(failing)
    fa = fire.take(failing)
    sub_codes = {g: c[failing] for g, c in codes.items()}

    def passes(lift: tuple[MeasureGroup, ...]) -> np.ndarray:
        c2 = {
            g: (np.full(n, Exemption.LIFTED, np.int8) if g in lift else c)
            for g, c in sub_codes.items()
        }
        eff = _effects(sub, fa, cat, policy, c2)
        q, c, ok = _grid(eff, sub)
        return (ok & (_eta(q, sub.q_H) >= thr - 1e-12)).any(axis=1)

    single = {g: passes((g,)) & (sub_codes[g] == Exemption.REQUIRED) for g in binding}
    every = passes(tuple(binding))
    for k in range(n):
        names = [rule_name(g) for g in binding if single[g][k]]
        if not names and every[k]:
            names = [rule_name(g) for g in binding if sub_codes[g][k] == Exemption.REQUIRED]
        if names:
            out[k] = "+".join(names)
    return out
