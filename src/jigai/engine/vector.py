"""Vectorised assessment of N buildings (struct of arrays, no Python loop per building).

A building stock is a ``StockArrays``: per building and per *element class* (walls by
orientation, stairwell walls by orientation, roof, floors, windows by orientation, skylights,
stairwell windows, doors, balconies — see ``CLASSES``) the net area ``F[N, C]`` [m²] and mean
``K[N, C]`` [W/(m²·K)]; ε of the opaque classes ``eps[N, C_eps]`` (NaN → derived from the
climate by the sol-air formula at assessment time); the glazing SHGC of the glazed classes
``shgc[N, C_glz]``; temperature factors of the basement/balcony classes ``b[N, C_b]``; and per
building A0, V0, V/V0, N, t_n, q_IH.

The optimiser varies envelope measures cheaply by writing columns, e.g.
``stock.K[:, CLASS_INDEX["WALL_S"]] = K_add_layer(stock.K[:, i], d, λ, α)`` or by building
``N × packages`` rows with ``StockArrays.repeat``.

``assess_stock`` computes exactly the same numbers as ``heat_index.assess`` (tests: 1e-9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from .building import Building, ElementKind, Faces
from .climate import Climate
from .errors import EngineInputError
from .heat_index import TERMS, element_b, eta, heating_demand, index_parameters
from .params import EngineData, default_data

_TERM_NAMES = ("q_Hq", "q_Hw", "q_Hd", "q_Hmc", "q_Hy")
_ORIENT_INDEX = {"H": 0, "S": 1, "E": 2, "W": 3, "N": 4}


@dataclass(frozen=True)
class ElementClass:
    """One column of the stock arrays: its term, orientation, stairwell flag and arrays."""

    name: str
    term: str
    orientation: str  # H/S/E/W/N, "-" for no solar dependence
    stair: bool = False
    has_eps: bool = False
    glazed: bool = False
    has_b: bool = False


CLASSES: tuple[ElementClass, ...] = (
    *(ElementClass(f"WALL_{o}", "q_Hq", o, has_eps=True) for o in "SEWN"),
    *(ElementClass(f"SWALL_{o}", "q_Hq", o, stair=True, has_eps=True) for o in "SEWN"),
    ElementClass("ROOF", "q_Hw", "H", has_eps=True),
    ElementClass("FLOOR_GROUND", "q_Hd", "-"),
    ElementClass("FLOOR_BASEMENT", "q_Hd", "-", has_b=True),
    ElementClass("FLOOR_OUTDOOR", "q_Hd", "-"),
    *(ElementClass(f"WIN_{o}", "q_Hmc", o, glazed=True) for o in "SEWNH"),
    *(ElementClass(f"SWIN_{o}", "q_Hmc", o, stair=True, glazed=True) for o in "SEWN"),
    ElementClass("DOOR", "q_Hmc", "-"),
    ElementClass("SDOOR", "q_Hmc", "-", stair=True),
    ElementClass("BALCONY", "q_Hy", "-", has_b=True),
)
CLASS_INDEX = {c.name: i for i, c in enumerate(CLASSES)}
EPS_CLASSES = np.array([i for i, c in enumerate(CLASSES) if c.has_eps])
GLAZED_CLASSES = np.array([i for i, c in enumerate(CLASSES) if c.glazed])
B_CLASSES = np.array([i for i, c in enumerate(CLASSES) if c.has_b])
STAIR_MASK = np.array([c.stair for c in CLASSES])
_EPS_ORIENT = np.array([_ORIENT_INDEX[CLASSES[i].orientation] for i in EPS_CLASSES])
_GLZ_ORIENT = np.array([_ORIENT_INDEX[CLASSES[i].orientation] for i in GLAZED_CLASSES])
_TERM_MATRIX = np.zeros((len(CLASSES), len(_TERM_NAMES)))
for _i, _c in enumerate(CLASSES):
    _TERM_MATRIX[_i, _TERM_NAMES.index(_c.term)] = 1.0


def element_class(e, *, field_path: str = "element") -> str:
    """Name of the element class of an ``Element``."""
    stair = e.faces is Faces.UNHEATED_STAIRWELL
    p = "S" if stair else ""
    if e.kind is ElementKind.WALL:
        return f"{p}WALL_{e.orientation}"
    if e.kind is ElementKind.ROOF:
        return "ROOF"
    if e.kind is ElementKind.FLOOR:
        return {
            Faces.GROUND: "FLOOR_GROUND",
            Faces.UNHEATED_BASEMENT: "FLOOR_BASEMENT",
            Faces.OUTDOOR: "FLOOR_OUTDOOR",
        }[e.faces]
    if e.kind is ElementKind.WINDOW:
        if stair and e.orientation == "H":
            raise EngineInputError(field_path, "a stairwell skylight is not supported")
        return f"{p}WIN_{e.orientation}"
    if e.kind is ElementKind.DOOR:
        return f"{p}DOOR"
    return "BALCONY"


@dataclass(frozen=True)
class StockArrays:
    """Struct of arrays for N buildings (see module docstring). Arrays are float64."""

    F: np.ndarray  # (N, C) net areas [m²]
    K: np.ndarray  # (N, C) mean K [W/(m²·K)]
    eps: np.ndarray  # (N, len(EPS_CLASSES)) ε, NaN = derive from climate
    shgc: np.ndarray  # (N, len(GLAZED_CLASSES)) glazing SHGC (frame: the 0.70 of C_mc)
    b: np.ndarray  # (N, len(B_CLASSES)) temperature-difference factors
    A0: np.ndarray  # (N,) [m²]
    V0: np.ndarray  # (N,) [m³]
    V_factor: np.ndarray  # (N,) V/V0
    N_ach: np.ndarray  # (N,) [1/h]
    t_n: np.ndarray  # (N,) [℃]
    q_IH: np.ndarray  # (N,) [W/m²]
    t_stair: float = 12.0

    def __post_init__(self) -> None:
        n = self.A0.shape[0]
        shapes = {
            "F": (n, len(CLASSES)),
            "K": (n, len(CLASSES)),
            "eps": (n, len(EPS_CLASSES)),
            "shgc": (n, len(GLAZED_CLASSES)),
            "b": (n, len(B_CLASSES)),
        }
        for name, shape in shapes.items():
            if getattr(self, name).shape != shape:
                raise EngineInputError(
                    f"stock.{name}", f"shape {getattr(self, name).shape} != {shape}"
                )
        for name in ("V0", "V_factor", "N_ach", "t_n", "q_IH"):
            if getattr(self, name).shape != (n,):
                raise EngineInputError(f"stock.{name}", f"shape must be ({n},)")

    @property
    def n(self) -> int:
        return int(self.A0.shape[0])

    def validate(self) -> StockArrays:
        """Bulk checks naming the first offending building and class."""
        for name in ("A0", "V0"):
            bad = np.nonzero(~(getattr(self, name) > 0))[0]
            if bad.size:
                raise EngineInputError(f"stock.{name}[{bad[0]}]", "must be > 0")
        bad = np.argwhere(~(self.F >= 0))
        if bad.size:
            i, c = bad[0]
            raise EngineInputError(f"stock.F[{i}, {CLASSES[c].name}]", "area missing or negative")
        bad = np.argwhere((self.F > 0) & ~(self.K > 0))
        if bad.size:
            i, c = bad[0]
            raise EngineInputError(f"stock.K[{i}, {CLASSES[c].name}]", "K must be > 0")
        return self

    def take(self, idx) -> StockArrays:
        """Subset (or reorder/repeat) the buildings by index array."""
        kw = {f.name: getattr(self, f.name) for f in fields(self)}
        for k, v in kw.items():
            if isinstance(v, np.ndarray):
                kw[k] = v[idx]
        return StockArrays(**kw)

    def repeat(self, times: int) -> StockArrays:
        """Each building repeated ``times`` times consecutively (buildings × packages)."""
        return self.take(np.repeat(np.arange(self.n), times))

    def with_K(self, class_name: str, K) -> StockArrays:
        """A copy with column ``class_name`` of K replaced (optimiser helper)."""
        K2 = self.K.copy()
        K2[:, CLASS_INDEX[class_name]] = K
        return replace(self, K=K2)

    @classmethod
    def from_buildings(
        cls,
        buildings: Sequence[Building],
        *,
        climate: Climate | Sequence[Climate] | None = None,
        data: EngineData | None = None,
    ) -> StockArrays:
        """Aggregate element lists into class arrays (area-weighted K, KF-weighted ε and b,
        area-weighted SHGC). ``climate`` is needed only when a class mixes given and derived ε.
        """
        data = data or default_data()
        n, C = len(buildings), len(CLASSES)
        F = np.zeros((n, C))
        KF = np.zeros((n, C))
        epsKF = np.zeros((n, C))
        epsKF_d = np.zeros((n, C))
        deriv = np.zeros((n, C), dtype=bool)
        given = np.zeros((n, C), dtype=bool)
        bKF = np.zeros((n, C))
        sF = np.zeros((n, C))
        A0 = np.empty(n)
        V0 = np.empty(n)
        Vf = np.empty(n)
        Na = np.empty(n)
        tn = np.empty(n)
        qih = np.empty(n)
        from .heat_index import delta_t, epsilon_sol_air

        for i, bld in enumerate(buildings):
            p = index_parameters(bld, data)
            A0[i], V0[i], Vf[i], Na[i], tn[i], qih[i] = (
                bld.A0,
                bld.V0,
                p.V_factor,
                p.N,
                p.t_n,
                p.q_IH,
            )
            cl = climate[i] if isinstance(climate, Sequence) else climate
            for j, e in enumerate(bld.elements):
                c = CLASS_INDEX[element_class(e, field_path=f"buildings[{i}].elements[{j}]")]
                f = bld.net_area(e)
                F[i, c] += f
                KF[i, c] += e.K * f
                if CLASSES[c].has_eps:
                    if e.epsilon is None:
                        deriv[i, c] = True
                        if cl is not None:
                            t_in = p.t_stair if CLASSES[c].stair else p.t_n
                            dt = float(delta_t(t_in, cl.t_e))
                            epsKF_d[i, c] += (
                                float(
                                    epsilon_sol_air(
                                        cl.I(CLASSES[c].orientation), dt, a_s=p.a_s, R_e=p.R_e
                                    )
                                )
                                * e.K
                                * f
                            )
                    else:
                        given[i, c] = True
                        epsKF[i, c] += e.epsilon * e.K * f
                if CLASSES[c].has_b:
                    bKF[i, c] += element_b(bld, e, data) * e.K * f
                if CLASSES[c].glazed:
                    sF[i, c] += e.shgc * f

        def ratio(num, den, default):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), default)

        K = ratio(KF, F, 0.0)
        b_full = ratio(bKF, KF, 1.0)
        shgc_full = ratio(sF, F, 0.0)
        mixed = deriv & given
        if mixed.any() and climate is None:
            i, c = np.argwhere(mixed)[0]
            raise EngineInputError(
                f"buildings[{i}]",
                f"class {CLASSES[c].name} mixes given and derived ε: pass climate=",
            )
        # all derived → NaN (derived at assessment time); given or mixed → KF-weighted mean;
        # empty classes also NaN, so that area added later by an optimiser gets a derived ε
        eps_full = np.where((deriv & ~given) | (KF == 0), np.nan, ratio(epsKF + epsKF_d, KF, 1.0))
        return cls(
            F=F,
            K=K,
            eps=eps_full[:, EPS_CLASSES],
            shgc=shgc_full[:, GLAZED_CLASSES],
            b=b_full[:, B_CLASSES],
            A0=A0,
            V0=V0,
            V_factor=Vf,
            N_ach=Na,
            t_n=tn,
            q_IH=qih,
            t_stair=data.p("t_stair.unheated"),
        ).validate()

    def to_dataframe(self):
        """Wide pandas DataFrame (pandas imported here; it is optional)."""
        import pandas as pd

        cols = {}
        for c, ec in enumerate(CLASSES):
            cols[f"F_{ec.name}"] = self.F[:, c]
            cols[f"K_{ec.name}"] = self.K[:, c]
        for j, c in enumerate(EPS_CLASSES):
            cols[f"eps_{CLASSES[c].name}"] = self.eps[:, j]
        for j, c in enumerate(GLAZED_CLASSES):
            cols[f"shgc_{CLASSES[c].name}"] = self.shgc[:, j]
        for j, c in enumerate(B_CLASSES):
            cols[f"b_{CLASSES[c].name}"] = self.b[:, j]
        for k in ("A0", "V0", "V_factor", "N_ach", "t_n", "q_IH"):
            cols[k] = getattr(self, k)
        return pd.DataFrame(cols)

    @classmethod
    def from_dataframe(cls, df, *, t_stair: float = 12.0) -> StockArrays:
        """Inverse of ``to_dataframe``; missing class columns are zero area."""
        n = len(df)

        def col(name, default):
            return df[name].to_numpy(dtype=float) if name in df else np.full(n, default)

        F = np.column_stack([col(f"F_{c.name}", 0.0) for c in CLASSES])
        K = np.column_stack([col(f"K_{c.name}", 0.0) for c in CLASSES])
        eps = np.column_stack([col(f"eps_{CLASSES[c].name}", np.nan) for c in EPS_CLASSES])
        shgc = np.column_stack([col(f"shgc_{CLASSES[c].name}", 0.0) for c in GLAZED_CLASSES])
        b = np.column_stack([col(f"b_{CLASSES[c].name}", 1.0) for c in B_CLASSES])
        missing = [k for k in ("A0", "V0", "V_factor", "N_ach", "t_n", "q_IH") if k not in df]
        if missing:
            raise EngineInputError("dataframe", f"missing column(s) {', '.join(missing)}")
        return cls(
            F,
            K,
            eps,
            shgc,
            b,
            *(col(k, 0.0) for k in ("A0", "V0", "V_factor", "N_ach", "t_n", "q_IH")),
            t_stair=t_stair,
        ).validate()


@dataclass(frozen=True)
class ClimateArrays:
    """Per-building climate: t_e [℃], Z [d], I[N, 5] irradiance H,S,E,W,N [W/m²]."""

    t_e: np.ndarray
    Z: np.ndarray
    I: np.ndarray  # noqa: E741


def climate_arrays(climate: Climate | Sequence[Climate], n: int) -> ClimateArrays:
    """Broadcast one climate to n buildings, or stack one climate per building."""
    cl = [climate] * n if isinstance(climate, Climate) else list(climate)
    if len(cl) != n:
        raise EngineInputError("climate", f"{len(cl)} climates for {n} buildings")
    if isinstance(climate, Climate):
        irr = np.broadcast_to(np.array([climate.I(o) for o in "HSEWN"]), (n, 5))
        return ClimateArrays(np.full(n, climate.t_e), np.full(n, climate.Z), irr)
    return ClimateArrays(
        np.array([c.t_e for c in cl]),
        np.array([c.Z for c in cl]),
        np.array([[c.I(o) for o in "HSEWN"] for c in cl]),
    )


@dataclass(frozen=True)
class StockResult:
    """Every term per building [W/m²] and the seasonal figures per m² (arrays of length N).

    ``terms["q_H"]`` is the heating demand clipped at 0 (``heat_index.heating_demand``);
    ``terms["q_H_unclipped"]`` the balance q_HT + q_INF − q_IH before the clip.
    """

    terms: dict[str, np.ndarray]
    seasonal: dict[str, np.ndarray]

    @property
    def q_H(self) -> np.ndarray:
        return self.terms["q_H"]

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame({**self.terms, **self.seasonal})


def _chunk_terms(s: StockArrays, sl: slice, t_e, irr, p: dict) -> np.ndarray:
    F = s.F[sl]
    H = s.K[sl] * F  # K·F
    te = t_e[sl]
    dt_main = s.t_n[sl] - te
    dt_stair = s.t_stair - te
    DT = np.where(STAIR_MASK, dt_stair[:, None], dt_main[:, None])
    eps = s.eps[sl]
    I_c = irr[sl]
    if np.isnan(eps).any():
        dt_eps = DT[:, EPS_CLASSES]
        derived = 1.0 - p["a_s"] * p["R_e"] * I_c[:, _EPS_ORIENT] / dt_eps
        eps = np.where(np.isnan(eps), derived, eps)
    H[:, EPS_CLASSES] *= eps
    H[:, B_CLASSES] *= s.b[sl]
    H *= DT
    H[:, GLAZED_CLASSES] -= p["C"] * s.shgc[sl] * F[:, GLAZED_CLASSES] * I_c[:, _GLZ_ORIENT]
    return H @ _TERM_MATRIX


def assess_stock(
    stock: StockArrays,
    climate: Climate | Sequence[Climate] | ClimateArrays,
    *,
    data: EngineData | None = None,
    chunk: int = 1 << 16,
) -> StockResult:
    """q_H and every term for N buildings at once (JGJ 26-2010 §4.3; see heat_index)."""
    data = data or default_data()
    n = stock.n
    ca = climate if isinstance(climate, ClimateArrays) else climate_arrays(climate, n)
    p = {"a_s": data.p("a_s"), "R_e": data.p("R_e"), "C": data.p("window_C_factor")}
    out = np.empty((n, len(_TERM_NAMES)))
    for start in range(0, n, chunk):
        sl = slice(start, min(start + chunk, n))
        out[sl] = _chunk_terms(stock, sl, ca.t_e, ca.I, p)
    out /= stock.A0[:, None]
    terms = {name: out[:, j] for j, name in enumerate(_TERM_NAMES)}
    q_HT = out.sum(axis=1)
    rho = data.p("rho_numerator") / (273.0 + ca.t_e)
    q_inf = (
        (stock.t_n - ca.t_e)
        * data.p("C_p")
        * rho
        * stock.N_ach
        * stock.V_factor
        * stock.V0
        / stock.A0
    )
    balance = q_HT + q_inf - stock.q_IH
    qh = heating_demand(balance)
    terms.update(
        {
            "q_HT": q_HT,
            "q_INF": q_inf,
            "q_IH": stock.q_IH.copy(),
            "q_H": qh,
            "q_H_unclipped": balance,
        }
    )
    from .heat_index import seasonal_from_data

    seas = seasonal_from_data(qh, ca.Z, data)
    assert set(terms) == {*TERMS, "q_H_unclipped"}
    return StockResult(terms, seas)


def assess_retrofit_stock(
    before: StockArrays,
    after: StockArrays,
    climate: Climate | Sequence[Climate] | ClimateArrays,
    *,
    threshold: float | None = None,
    data: EngineData | None = None,
) -> dict[str, np.ndarray]:
    """η = 1 − q_H,after/q_H,before (``heat_index.eta``: 0 where q_H,before = 0) and
    pass/fail for N retrofits at once."""
    data = data or default_data()
    thr = data.p("eta_threshold") if threshold is None else threshold
    rb = assess_stock(before, climate, data=data)
    ra = assess_stock(after, climate, data=data)
    e = eta(rb.q_H, ra.q_H)
    return {"q_H_before": rb.q_H, "q_H_after": ra.q_H, "eta": e, "passed": e >= thr - 1e-12}
