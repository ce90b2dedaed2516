"""Constructions: K of a layered element (GB 50176-2016), thermal bridges, added layers.

Every function works on floats and on numpy arrays alike, so that the optimiser can vary
insulation thickness over buildings × packages without a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .errors import EngineInputError
from .params import EngineData


class Position(StrEnum):
    """Where an opaque construction sits; selects GB 50176 surface resistances."""

    WALL = "wall"
    ROOF = "roof"
    FLOOR_OVER_OUTDOOR = "floor_over_outdoor"
    BASEMENT_CEILING_WITH_WINDOWS = "basement_ceiling_with_windows"
    BASEMENT_CEILING_NO_WINDOWS = "basement_ceiling_no_windows"
    ATTIC_FLOOR = "attic_floor"
    STAIRWELL_PARTITION = "stairwell_partition"

    @property
    def label_zh(self) -> str:
        return {
            "wall": "外墙",
            "roof": "屋面",
            "floor_over_outdoor": "架空或外挑楼板",
            "basement_ceiling_with_windows": "不采暖地下室顶板(外墙有窗)",
            "basement_ceiling_no_windows": "不采暖地下室顶板(外墙无窗)",
            "attic_floor": "闷顶楼板",
            "stairwell_partition": "楼梯间隔墙",
        }[self.value]


@dataclass(frozen=True)
class Layer:
    """One homogeneous layer: material key (data/materials.csv) and thickness d [m]."""

    material: str
    d: float


@dataclass(frozen=True)
class Construction:
    """An opaque construction: either layers or a known main-area K_p [W/(m²·K)].

    ``delta_K`` is the thermal-bridge increment Σψ·l/A [W/(m²·K)] added to K_p to give the
    mean K_m (JGJ 26-2018 §4.2 / GB 50176-2016 §3.4: K_m = K_p + Σψ_j·l_j/A).
    """

    position: Position = Position.WALL
    layers: tuple[Layer, ...] = ()
    K_p: float | None = None
    delta_K: float = 0.0


def R_layer(d, lambda_, alpha=1.0):
    """Thermal resistance of a layer R = d / (λ·α) [m²·K/W] (GB 50176-2016 eq. 3.4.1).

    d [m], λ [W/(m·K)], α correction factor for conditions of use [-].
    """
    return np.asarray(d, dtype=float) / (np.asarray(lambda_, dtype=float) * alpha)


def K_from_R(R_i, R_layers, R_e):
    """K = 1 / (R_i + ΣR + R_e) [W/(m²·K)] (GB 50176-2016 eqs. 3.4.2–3.4.4)."""
    return 1.0 / (R_i + R_layers + R_e)


def K_layered(
    layers: tuple[Layer, ...] | list[Layer],
    *,
    position: Position | str = Position.WALL,
    data: EngineData,
    field_path: str = "layers",
) -> float:
    """K of a layered construction with GB 50176 surface resistances [W/(m²·K)].

    Unknown materials and non-positive thicknesses raise ``EngineInputError`` naming the layer.
    """
    pos = Position(position) if not isinstance(position, Position) else position
    R_i, R_e = data.surface_resistance(pos.value, f"{field_path}.position")
    if not layers:
        raise EngineInputError(field_path, "a layered construction needs at least one layer")
    total = 0.0
    for j, lay in enumerate(layers):
        fp = f"{field_path}[{j}]"
        m = data.material(lay.material, f"{fp}.material")
        if not (lay.d > 0):
            raise EngineInputError(f"{fp}.d", f"thickness must be > 0 m, got {lay.d}")
        total += float(R_layer(lay.d, m.lambda_, m.alpha))
    return float(K_from_R(R_i, total, R_e))


def K_m(K_p, *, delta_K=0.0):
    """Mean K including linear thermal bridges K_m = K_p + Σψ·l/A [W/(m²·K)].

    JGJ 26-2018 §4.2 / GB 50176-2016 eq. 3.4.x; ``delta_K`` = Σψ_j·l_j / A.
    """
    return np.asarray(K_p, dtype=float) + delta_K


def K_m_area_weighted(K_p, F_p, *, K_B, F_B):
    """Older area-weighted mean K (JGJ 26-1995 eq. 4.2.x):

    K_m = (K_p·F_p + ΣK_B·F_B) / (F_p + ΣF_B) [W/(m²·K)].
    ``K_B``/``F_B`` may be sequences of bridge K and area.
    """
    K_B = np.atleast_1d(np.asarray(K_B, dtype=float))
    F_B = np.atleast_1d(np.asarray(F_B, dtype=float))
    return (K_p * F_p + np.sum(K_B * F_B)) / (F_p + np.sum(F_B))


def K_add_layer(K, d, lambda_, alpha=1.0):
    """K after adding a layer of thickness d [m] to an element of K [W/(m²·K)].

    1/K' = 1/K + d/(λ·α): surface resistances are already inside 1/K. Works on arrays.
    """
    return 1.0 / (1.0 / np.asarray(K, dtype=float) + R_layer(d, lambda_, alpha))


def construction_K(c: Construction, *, data: EngineData, field_path: str = "construction") -> float:
    """K_m of a ``Construction`` [W/(m²·K)]: K_p from layers or given, plus bridges."""
    if c.K_p is not None:
        if not (c.K_p > 0):
            raise EngineInputError(f"{field_path}.K", f"K must be > 0 W/(m²·K), got {c.K_p}")
        K_p = c.K_p
    else:
        K_p = K_layered(c.layers, position=c.position, data=data, field_path=f"{field_path}.layers")
    if c.delta_K < 0:
        raise EngineInputError(f"{field_path}.delta_K", "thermal-bridge increment must be ≥ 0")
    return float(K_m(K_p, delta_K=c.delta_K))
