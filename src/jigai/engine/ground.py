"""Floors on the ground: the zone method (地带法), uninsulated and insulated.

A floor lying on the soil loses heat through the ground, mostly near the external walls. The
zone method divides it into 2 m strips parallel to the external walls (zone 1 the outermost,
zone 4 the rest) and gives each a thermal resistance R0,z [m²·K/W] that already includes the
soil and the surface resistance (data/ground_zones.csv, K_z = 1/R0,z; source: 实用供热空调设计
手册, 2nd ed., 地面传热 — 非保温地面, restated in GB 50736-2012 practice; recalled—check).

An insulated floor on ground (贴土保温地面, same source) keeps the zones; each zone's resistance
grows by the insulating layers, those whose conductivity λ is below 1.16 W/(m·K) (parameter
``ground_insulating_lambda_max``; denser layers such as concrete are already in R0):

    R_z = R0,z + Σ d_i / (λ_i·α_i)   [m²·K/W]
    K   = Σ_z F_z / R_z / Σ_z F_z     [W/(m²·K)]

Surface resistances of GB 50176 (R_i + R_e) are NOT added: a floor on ground is not an outside
wall. A floor given by layers therefore needs its plate's length and depth [m] (the zones
depend on the distance to the external walls); the block shorthand has them, a detailed
element gives ``length`` and ``depth``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .constructions import Layer, R_layer
from .errors import EngineInputError
from .params import EngineData

Zones = tuple[tuple[float, float], ...]  # (F_z [m²], R_z [m²·K/W]) per zone, outermost first


def zone_areas(length: float, depth: float, widths: Sequence[float]) -> tuple[float, ...]:
    """Areas F_z [m²] of the strips of a length × depth floor [m], the strip widths [m] from
    the external walls inward (the last width may be ``inf``: the remaining core)."""

    def inner(x: float) -> float:
        return max(length - 2.0 * x, 0.0) * max(depth - 2.0 * x, 0.0)

    out = []
    x = 0.0
    for w in widths:
        x_next = x + w
        out.append(inner(x) - inner(x_next) if w != float("inf") else inner(x))
        x = x_next
    return tuple(out)


def ground_zones(length: float, depth: float, data: EngineData, *, R_added: float = 0.0) -> Zones:
    """(F_z, R_z = R0,z + R_added) of each zone of a floor on ground; R0,z = 1/K_z of
    data/ground_zones.csv, R_added [m²·K/W] the insulating layers' resistance."""
    widths = [w for w, _ in data.ground_zones]
    return tuple(
        (F, 1.0 / K + R_added)
        for F, (_, K) in zip(zone_areas(length, depth, widths), data.ground_zones, strict=True)
    )


def K_of_zones(zones: Zones) -> float:
    """Mean K of a zoned floor on ground K = Σ F_z/R_z / Σ F_z [W/(m²·K)]."""
    area = sum(F for F, _ in zones)
    return sum(F / R for F, R in zones if F > 0) / area


def add_resistance(zones: Zones, R: float) -> Zones:
    """The zones with an added layer of resistance R [m²·K/W] (an insulation retrofit)."""
    return tuple((F, Rz + R) for F, Rz in zones)


def insulating_R(layers: Sequence[Layer], data: EngineData, field_path: str) -> float:
    """Σ d/(λ·α) [m²·K/W] of the layers with λ below ``ground_insulating_lambda_max`` (the
    insulating layers of a 贴土保温地面); the other layers add nothing (they are in R0).
    Unknown materials and thicknesses ≤ 0 raise ``EngineInputError`` naming the layer."""
    if not layers:
        raise EngineInputError(field_path, "a layered construction needs at least one layer")
    lam_max = data.p("ground_insulating_lambda_max")
    total = 0.0
    for j, lay in enumerate(layers):
        fp = f"{field_path}[{j}]"
        m = data.material(lay.material, f"{fp}.material")
        if not lay.d > 0:
            raise EngineInputError(f"{fp}.d", f"thickness must be > 0 m, got {lay.d}")
        if m.lambda_ < lam_max:
            total += float(R_layer(lay.d, m.lambda_, m.alpha))
    return total
