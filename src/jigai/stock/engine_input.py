"""A building-table row → the engine's block shorthand (pure Python, no Django).

``block_from_row`` is the one definition, used by the platform (one surveyed building) and by
the stock runner; ``stock_arrays_from_columns`` is its vectorised twin for whole tables (the
same geometry as ``jigai.engine.building.expand_block``, aggregated like
``StockArrays.from_buildings``; tests: equal to 1e-9).

Mapping (columns of ``jigai.surveytable.schema.columns()``):

- survey gaps are filled by ``jigai.stock.typology.fill_gaps`` (listed as assumed); a missing
  ``length_m`` is floor_area_m2 / (depth_m × storeys) (assumed);
- wall/roof/floor codes → build-ups of ``data/survey_constructions.yaml``; window codes are the
  engine's window types; entrance doors ``door_type`` of ``data/engine_input.yaml``;
- wwr front/back as given, the two gable ends ``wwr_sides``;
- one stairwell per ``unit_length_m`` of length (at least one, at most half the length wide),
  heated or not by ``stairwell_heated`` (``data/engine_input.yaml``, an assumption);
- ``use`` residential → building_type residential, any other use → public.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache
from typing import Any

import numpy as np
import yaml

from jigai.engine.building import _construction_K, _window_K_shgc
from jigai.engine.constructions import Position
from jigai.engine.errors import EngineInputError
from jigai.engine.params import EngineData, default_data
from jigai.engine.vector import B_CLASSES, CLASS_INDEX, EPS_CLASSES, GLAZED_CLASSES, StockArrays
from jigai.stock import DATA
from jigai.stock.typology import FILLABLE, _table, fill_gaps, typology_of
from jigai.surveytable.schema import NO_WORDS, YES_WORDS, Use, survey_constructions


@cache
def rules() -> dict:
    """The assumptions of ``data/engine_input.yaml``."""
    return yaml.safe_load((DATA / "engine_input.yaml").read_text(encoding="utf-8"))


def is_blank(v: Any) -> bool:
    """None, empty/whitespace text, or a float NaN (pandas' empty cell)."""
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, float):
        return math.isnan(v)
    return False


def _number(row: dict, key: str, *, positive: bool = True) -> float:
    v = row.get(key)
    if is_blank(v):
        raise EngineInputError(key, "missing")
    if isinstance(v, bool):
        raise EngineInputError(key, f"must be a number, got {v!r}")
    try:
        x = float(Decimal(str(v).strip().replace(",", "")))
    except Exception:
        raise EngineInputError(key, f"must be a number, got {v!r}") from None
    if not math.isfinite(x) or (positive and x <= 0):
        raise EngineInputError(key, f"must be > 0, got {v!r}")
    return x


def _bool(row: dict, key: str) -> bool:
    v = row.get(key)
    if isinstance(v, bool | np.bool_):
        return bool(v)
    t = str(v).strip().lower()
    if t in YES_WORDS:
        return True
    if t in NO_WORDS:
        return False
    raise EngineInputError(key, f"must be true/false (是/否), got {v!r}")


def _code(row: dict, key: str, kind: str) -> dict:
    code = str(row.get(key)).strip()
    table = survey_constructions()[kind]
    if code not in table:
        raise EngineInputError(key, f"unknown code {code!r}; known: {', '.join(table)}")
    return table[code]


def stairwells(length_m: float, residential: bool) -> tuple[int, float]:
    """(count, width [m]) of the stairwells of a block of length ``length_m``."""
    r = rules()["stairwell"]["residential" if residential else "public"]
    count = max(1, math.floor(length_m / r["unit_length_m"] + 0.5))
    return count, min(r["width_m"], 0.5 * length_m / count)


def block_from_row(row: dict) -> tuple[dict, list[str]]:
    """One building-table row → (engine block dict for ``expand_block``, assumed columns).

    Keys are those of ``jigai.surveytable.schema.columns()``; values may be text (as from a CSV or
    a form), numbers, Decimal or bool; blanks are None, "" or NaN. Raises
    ``EngineInputError(column, message)`` for a value the engine cannot use.
    """
    clean = {k: (None if is_blank(v) else v) for k, v in row.items()}
    for key in ("use", "year_built", "storeys"):
        if clean.get(key) is None:
            raise EngineInputError(key, "missing")
    try:
        use = Use(str(clean["use"]).strip())
    except ValueError:
        allowed = ", ".join(u.value for u in Use)
        raise EngineInputError("use", f"{clean['use']!r} is not one of {allowed}") from None
    year = _number(clean, "year_built")
    if year != int(year):
        raise EngineInputError("year_built", f"must be a whole year, got {clean['year_built']!r}")
    clean["use"], clean["year_built"] = use.value, int(year)
    try:
        filled, assumed = fill_gaps(clean)
    except LookupError as exc:
        raise EngineInputError("year_built", str(exc)) from None
    storeys = _number(filled, "storeys")
    if storeys != int(storeys):
        raise EngineInputError("storeys", f"must be a whole number, got {filled['storeys']!r}")
    depth = _number(filled, "depth_m")
    if filled.get("length_m") is None:
        length = _number(filled, "floor_area_m2") / (depth * storeys)
        assumed.append("length_m")
    else:
        length = _number(filled, "length_m")
    residential = use.is_residential
    count, width = stairwells(length, residential)
    r = rules()["stairwell"]["residential" if residential else "public"]
    wall = _code(filled, "wall_type", "wall")
    roof = _code(filled, "roof_type", "roof")
    floor = _code(filled, "floor_type", "floor")
    sides = _number(filled, "wwr_sides", positive=False)
    cons: dict[str, Any] = {
        "wall": dict(wall["spec"]),
        "roof": dict(roof["spec"]),
        "window": {"type": str(filled["window_type"]).strip()},
        "door": {"type": rules()["door_type"]},
    }
    if floor.get("spec"):
        cons["floor"] = dict(floor["spec"])
    block = {
        "format": "block",
        "name": " ".join(str(filled[k]) for k in ("community", "building_no") if filled.get(k)),
        "building_type": "residential" if residential else "public",
        "length": length,
        "depth": depth,
        "storeys": int(storeys),
        "storey_height": _number(filled, "storey_height_m"),
        "azimuth": _number(filled, "azimuth_deg", positive=False),
        "wwr": {
            "front": _number(filled, "wwr_front", positive=False),
            "back": _number(filled, "wwr_back", positive=False),
            "left": sides,
            "right": sides,
        },
        "stairwell": {
            "heated": _bool(filled, "stairwell_heated"),
            "count": count,
            "width": width,
            "wwr": r["wwr"],
            "door_area": r["door_area_m2"],
        },
        "floor": floor["floor"],
        "constructions": cons,
    }
    try:
        _window_K_shgc(cons["window"], "window_type", default_data())
    except EngineInputError as exc:
        raise EngineInputError("window_type", exc.message) from None
    return block, assumed


# ---------------------------------------------------------------------------------------
# whole tables at once


def _blank_mask(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        return np.isnan(a)
    if a.dtype.kind in "biu":
        return np.zeros(a.shape, dtype=bool)
    return np.array([is_blank(v) for v in a.tolist()], dtype=bool)


def typology_codes(use: np.ndarray, year_built: np.ndarray) -> np.ndarray:
    """``typology.typology_of`` for every row (one call per distinct (use, year))."""
    pairs = np.char.add(
        np.asarray(use, dtype=str), np.char.add("|", year_built.astype(int).astype(str))
    )
    uniq, inv = np.unique(pairs, return_inverse=True)
    codes = [typology_of(p.split("|")[0], int(p.split("|")[1])) for p in uniq]
    return np.array(codes, dtype=object)[inv]


def fill_gaps_columns(
    cols: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``typology.fill_gaps`` on columns: filled columns and, per fillable column, the mask of
    rows where it was assumed (plus ``length_m`` derived from the floor area)."""
    typ = typology_codes(cols["use"], np.asarray(cols["year_built"]))
    table = _table()["typologies"]
    out = dict(cols)
    assumed = {}
    for name in FILLABLE:
        n = len(typ)
        a = cols.get(name, np.full(n, None, dtype=object))
        blank = _blank_mask(np.asarray(a))
        if blank.any():
            filled = np.array(a, dtype=object)
            for code in np.unique(typ[blank]):
                filled[blank & (typ == code)] = table[code]["values"][name]
            a = filled
        out[name] = a
        assumed[name] = blank
    return out, assumed


def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


def stock_arrays_from_columns(
    cols: dict[str, np.ndarray], *, data: EngineData | None = None
) -> tuple[StockArrays, dict[str, np.ndarray]]:
    """StockArrays of a whole (validated) table, identical to ``block_from_row`` →
    ``expand_block`` → ``StockArrays.from_buildings`` row by row; and the assumed-column masks.
    """
    data = data or default_data()
    filled, assumed = fill_gaps_columns(cols)
    n = len(filled["use"])
    residential = np.asarray(filled["use"], dtype=str) == Use.RESIDENTIAL.value
    nst = _f(filled["storeys"])
    D = _f(filled["depth_m"])
    L = _f(filled["length_m"]) if "length_m" in filled else np.full(n, np.nan)
    no_len = np.isnan(L)
    L = np.where(no_len, _f(filled["floor_area_m2"]) / (D * nst), L)
    assumed["length_m"] = no_len
    h = _f(filled["storey_height_m"])
    az = _f(filled["azimuth_deg"])
    H = nst * h
    heated = np.array(
        [
            bool(v) if isinstance(v, bool | np.bool_) else str(v).lower() in YES_WORDS
            for v in filled["stairwell_heated"].tolist()
        ]
    )

    def lookup(col, kind, position):
        vals = np.asarray(filled[col], dtype=str)
        uniq, inv = np.unique(vals, return_inverse=True)
        Ks = []
        for code in uniq:
            spec = _code({col: code}, col, kind)
            if kind == "floor":
                Ks.append(spec)
            else:
                Ks.append(_construction_K(spec["spec"], col, position, data))
        return uniq, inv, Ks

    _, wi, wK = lookup("wall_type", "wall", Position.WALL)
    _, ri, rK = lookup("roof_type", "roof", Position.ROOF)
    K_wall = np.array(wK)[wi]
    K_roof = np.array(rK)[ri]
    wins = np.asarray(filled["window_type"], dtype=str)
    wu, winv = np.unique(wins, return_inverse=True)
    wks = [data.window(w, "window_type") for w in wu]
    K_win = np.array([w.K for w in wks])[winv]
    shgc = np.array([w.shgc for w in wks])[winv]
    K_door = data.window(rules()["door_type"], "door_type").K
    # floors
    fu, finv, fspecs = lookup("floor_type", "floor", None)
    K_fl = np.zeros(n)
    b_fl = np.ones(n)
    basement = np.zeros(n, dtype=bool)
    for j, spec in enumerate(fspecs):
        sel = finv == j
        if spec["floor"] == "ground":
            K_fl[sel] = _ground_K(L[sel], D[sel], data)
        else:
            pos = Position(spec["spec"].get("position", "basement_ceiling_with_windows"))
            K_fl[sel] = _construction_K(spec["spec"], "floor_type", pos, data)
            b_fl[sel] = data.temperature_factor(spec["floor"], "floor_type")
            basement[sel] = True
    # stairwells (rules(), as ``stairwells``)
    count = np.ones(n)
    width = np.zeros(n)
    s_wwr = np.zeros(n)
    s_door = np.zeros(n)
    for key, sel in (("residential", residential), ("public", ~residential)):
        r = rules()["stairwell"][key]
        c = np.maximum(1.0, np.floor(L / r["unit_length_m"] + 0.5))
        count = np.where(sel, c, count)
        width = np.where(sel, np.minimum(r["width_m"], 0.5 * L / c), width)
        s_wwr = np.where(sel, r["wwr"], s_wwr)
        s_door = np.where(sel, r["door_area_m2"], s_door)
    F = np.zeros((n, len(CLASS_INDEX)))
    KF = np.zeros_like(F)
    sF = np.zeros_like(F)
    rows = np.arange(n)
    south = data.p("orient_south_half_width")
    north = data.p("orient_north_half_width")

    def orient(a):
        a = a % 360.0
        return np.where(
            np.abs(a - 180.0) <= south,
            "S",
            np.where(np.minimum(a, 360.0 - a) <= north, "N", np.where(a < 180.0, "E", "W")),
        )

    def add(prefix, o, area, K, s=None):
        cls = np.array([CLASS_INDEX[f"{p}{x}"] for p, x in zip(prefix, o, strict=True)])
        np.add.at(F, (rows, cls), area)
        np.add.at(KF, (rows, cls), K * area)
        if s is not None:
            np.add.at(sF, (rows, cls), s * area)

    wf = _f(filled["wwr_front"])
    wb = _f(filled["wwr_back"])
    ws = _f(filled["wwr_sides"])
    stair_prefix = np.where(heated, "", "S")
    for name, rot, width_dim, r in (
        ("front", 0.0, L, wf),
        ("right", 90.0, D, ws),
        ("back", 180.0, L, wb),
        ("left", 270.0, D, ws),
    ):
        o = orient(az + rot)
        gross = width_dim * H
        main = gross
        if name == "back":
            s_gross = count * width * H
            main = gross - s_gross
            s_win = s_wwr * s_gross
            s_d = count * s_door
            add(np.char.add(stair_prefix, "WALL_"), o, s_gross - (s_win + s_d), K_wall)
            add(np.char.add(stair_prefix, "WIN_"), o, s_win, K_win, shgc)
            dcls = np.where(heated, CLASS_INDEX["DOOR"], CLASS_INDEX["SDOOR"])
            np.add.at(F, (rows, dcls), s_d)
            np.add.at(KF, (rows, dcls), K_door * s_d)
        win = r * main
        add(np.full(n, "WALL_"), o, main - win, K_wall)
        add(np.full(n, "WIN_"), o, win, K_win, shgc)
    footprint = L * D
    F[:, CLASS_INDEX["ROOF"]] += footprint
    KF[:, CLASS_INDEX["ROOF"]] += K_roof * footprint
    fcls = np.where(basement, CLASS_INDEX["FLOOR_BASEMENT"], CLASS_INDEX["FLOOR_GROUND"])
    np.add.at(F, (rows, fcls), footprint)
    np.add.at(KF, (rows, fcls), K_fl * footprint)
    with np.errstate(invalid="ignore", divide="ignore"):
        K = np.where(F > 0, KF / np.where(F > 0, F, 1.0), 0.0)
        shgc_c = np.where(F > 0, sF / np.where(F > 0, F, 1.0), 0.0)
    b = np.ones((n, len(B_CLASSES)))
    b[:, list(B_CLASSES).index(CLASS_INDEX["FLOOR_BASEMENT"])] = np.where(basement, b_fl, 1.0)
    bt = np.where(residential, "residential", "public")
    stock = StockArrays(
        F=F,
        K=K,
        eps=np.full((n, len(EPS_CLASSES)), np.nan),
        shgc=shgc_c[:, GLAZED_CLASSES],
        b=b,
        A0=footprint * nst,
        V0=footprint * H,
        V_factor=np.where(
            heated, data.p("V_factor.heated_stair"), data.p("V_factor.unheated_stair")
        ),
        N_ach=np.array([data.p(f"N.{t}") for t in ("residential", "public")])[
            (~residential).astype(int)
        ],
        t_n=np.array([data.p(f"t_n.{t}") for t in ("residential", "public")])[
            (~residential).astype(int)
        ],
        q_IH=np.array([data.p(f"q_IH.{t}") for t in ("residential", "public")])[
            (~residential).astype(int)
        ],
        t_stair=data.p("t_stair.unheated"),
    ).validate()
    del bt
    return stock, assumed


def _ground_K(L: np.ndarray, D: np.ndarray, data: EngineData) -> np.ndarray:
    """``building.ground_floor_K`` on arrays (zone method, 2 m strips)."""
    area = L * D

    def inner(x):
        return np.maximum(L - 2 * x, 0.0) * np.maximum(D - 2 * x, 0.0)

    x = 0.0
    UA = np.zeros_like(L)
    for w, K in data.ground_zones:
        x_next = x + w
        UA = UA + K * (inner(x) - inner(x_next) if w != float("inf") else inner(x))
        x = x_next
    return UA / area
