"""The linear envelope model of buildings for the package optimiser.

q_H (JGJ 26-2010 eq. 4.3.3) is linear in each element's K and SHGC and in N, so a package's
q_H is q_H,before plus the sum of its measures' changes (see ``optimiser.py``). An
``Envelope`` holds, per building b and column m (an element class of ``vector.CLASSES`` for a
stock, one element for a single building), what those changes need, the quantities that
price a package, and what the limit check of the package rules needs: each column's limit
class and orientation, each building's zone and storeys (``limit_status``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .building import Building, Element, ElementKind, Faces
from .climate import Climate
from .heat_index import assess, element_b, element_epsilon, index_parameters
from .limits import find_limit, limit_class
from .measures import MeasureGroup
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
    columns: tuple[tuple[str | None, str], ...] = ()  # per column: (limit class, orientation)
    storeys: np.ndarray | None = None  # (B,) for the limit rows
    zone: np.ndarray | None = None  # (B,) climate zone, e.g. "2A"

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
            self.columns,
            None if self.storeys is None else self.storeys[sl],
            None if self.zone is None else self.zone[sl],
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
    q["facade"] = gross_wall  # 外立面整治: the outdoor-facing walls, openings included
    q["band_m"] = gross_wall * A0 / V0
    q["edge_m"] = gross_wall * roof_gross / V0
    return q


def envelope_from_stock(
    stock: StockArrays,
    climate: Climate | Sequence[Climate] | ClimateArrays,
    *,
    data: EngineData | None = None,
    storeys: np.ndarray | None = None,
    zone: str | Sequence[str] | np.ndarray | None = None,
) -> Envelope:
    """The linear model of N buildings from the engine's class arrays (``vector.py``).

    ``storeys`` and ``zone`` (default: the climate's zone) are needed only by the limit check
    of the package rules (``limit_status``)."""
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
        STOCK_COLUMNS,
        None if storeys is None else np.asarray(storeys, dtype=int),
        _zones(climate, zone, n),
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
        tuple((limit_class(b, e), e.orientation) for e in b.elements),
        np.array([b.storeys]),
        np.array([climate.zone], dtype=object),
    )


# ---------------------------------------------------------------------------------------
# the limits in force, per building and column (for the package rules' exemptions)


def _representative(c) -> Element:
    """An element standing for stock class ``c`` (to ask ``limits.limit_class``)."""
    faces = Faces.UNHEATED_STAIRWELL if c.stair else Faces.OUTDOOR
    name = c.name
    if name.startswith(("WALL", "SWALL")):
        kind = ElementKind.WALL
    elif name == "ROOF":
        kind = ElementKind.ROOF
    elif name.startswith("FLOOR"):
        kind = ElementKind.FLOOR
        faces = {
            "FLOOR_GROUND": Faces.GROUND,
            "FLOOR_BASEMENT": Faces.UNHEATED_BASEMENT,
            "FLOOR_OUTDOOR": Faces.OUTDOOR,
        }[name]
    elif name.startswith(("WIN", "SWIN")):
        kind = ElementKind.WINDOW
    elif name in ("DOOR", "SDOOR"):
        kind = ElementKind.DOOR
    else:
        kind = ElementKind.BALCONY
        faces = Faces.ENCLOSED_BALCONY
    o = c.orientation if c.orientation in "SEWNH" and c.orientation != "-" else "N"
    return Element(c.name, kind, 1.0, 1.0, o, faces)


STOCK_COLUMNS: tuple[tuple[str | None, str], ...] = tuple(
    (limit_class(None, _representative(c)), c.orientation) for c in CLASSES
)


def _zones(climate, zone, n: int) -> np.ndarray | None:
    if zone is not None:
        z = np.asarray(zone, dtype=object)
        return np.full(n, z.item(), dtype=object) if z.ndim == 0 else z
    if isinstance(climate, Climate):
        return np.full(n, climate.zone, dtype=object)
    if isinstance(climate, ClimateArrays):
        return None
    return np.array([c.zone for c in climate], dtype=object)


WWR_DECIMALS = 4  # the window-to-wall ratio that picks a window's limit row, to 0.0001


def window_wall_ratios(env: Envelope) -> dict[str, np.ndarray]:
    """Window-to-wall ratio per orientation S/E/W/N [-] of every building: window area over
    window + net wall area of that orientation (stairwell faces included, doors not: the
    stock classes do not place doors on a façade), rounded to ``WWR_DECIMALS``."""
    out = {}
    for o in "SEWN":
        win = np.array([cls == "window" and co == o for cls, co in env.columns])
        wall = np.array([cls == "wall" and co == o for cls, co in env.columns])
        fw = (env.F * win).sum(axis=1)
        gross = (env.F * wall).sum(axis=1) + fw
        with np.errstate(divide="ignore", invalid="ignore"):
            out[o] = np.round(np.where(gross > 0, fw / gross, 0.0), WWR_DECIMALS)
    return out


def column_limits(
    env: Envelope, columns: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """K_max [W/(m²·K)] of every building × column under the limits in force
    (``limits.find_limit`` for the building's zone, storeys and, for windows, the WWR of the
    window's orientation), NaN where the table has no limit; and the row keys (object array,
    "" where none) so that a page can cite the standard, table and row. ``columns`` (a boolean
    mask) limits the work to those columns. One table look-up per distinct (zone, storeys,
    WWR), so a stock of 10⁶ buildings costs a few thousand look-ups."""
    if env.storeys is None or env.zone is None:
        raise ValueError("the limit check needs each building's storeys and zone")
    n, m = env.F.shape
    kmax = np.full((n, m), np.nan)
    keys = np.full((n, m), "", dtype=object)
    wwr = window_wall_ratios(env)
    _, zone_code = np.unique(env.zone.astype(str), return_inverse=True)
    storeys = np.asarray(env.storeys).astype(float)
    cache: dict = {}
    for j, (cls, o) in enumerate(env.columns):
        if cls is None or (columns is not None and not columns[j]):
            continue
        ratio = wwr[o] if cls == "window" and o in wwr else np.zeros(n)
        if (cls, o if cls == "window" else "") in cache:
            kmax[:, j], keys[:, j] = cache[(cls, o if cls == "window" else "")]
            continue
        combo = np.column_stack([zone_code.astype(float), storeys, ratio])
        _, first, inv = np.unique(combo, axis=0, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        k_u = np.full(first.size, np.nan)
        key_u = np.full(first.size, "", dtype=object)
        for u, i in enumerate(first):
            row = find_limit(str(env.zone[i]), cls, int(env.storeys[i]), float(ratio[i]))
            if row is not None:
                k_u[u] = float(row["K_max"])
                key_u[u] = row["key"]
        kmax[:, j] = k_u[inv]
        keys[:, j] = key_u[inv]
        cache[(cls, o if cls == "window" else "")] = (kmax[:, j], keys[:, j])
    return kmax, keys


def limit_status(env: Envelope, group: MeasureGroup, kmax: np.ndarray | None = None) -> np.ndarray:
    """Per building: do all existing elements of ``group`` meet their limit in force?
    False where the building has no element of the group or a limit is missing."""
    if kmax is None:
        kmax, _ = column_limits(env, env.masks[group])
    cols = env.masks[group] & np.array([cls is not None for cls, _ in env.columns])
    present = (env.F * env.masks[group]) > 0
    with np.errstate(invalid="ignore"):
        meets = np.where(present, kmax + 1e-12 >= env.K, True)
    ok = np.where(present & ~cols[None, :], False, meets).all(axis=1)
    return ok & present.any(axis=1)
