"""Hypothesis strategies: block-shorthand buildings and heating-zone climates."""

from __future__ import annotations

from hypothesis import strategies as st

from jigai.engine import Climate, ClimateKind, ClimateProvenance

finite = {"allow_nan": False, "allow_infinity": False}


@st.composite
def block_specs(draw, *, floor=None):
    heated = draw(st.booleans())
    spec = {
        "format": "block",
        "building_type": draw(st.sampled_from(["residential", "public"])),
        "length": draw(st.floats(12, 120, **finite)),
        "depth": draw(st.floats(8, 20, **finite)),
        "storeys": draw(st.integers(1, 12)),
        "storey_height": draw(st.floats(2.6, 4.0, **finite)),
        "azimuth": draw(st.floats(0, 360, **finite)),
        "wwr": {k: draw(st.floats(0, 0.6, **finite)) for k in ("front", "right", "back", "left")},
        "floor": floor
        or draw(
            st.sampled_from(
                ["ground", "unheated_basement_with_windows", "unheated_basement_below_grade"]
            )
        ),
        "air_changes": draw(st.floats(0.3, 1.0, **finite)),
        "constructions": {
            "wall": {"K": draw(st.floats(0.2, 2.5, **finite))},
            "roof": {"K": draw(st.floats(0.2, 2.0, **finite))},
            "window": {
                "K": draw(st.floats(1.0, 6.5, **finite)),
                "shgc": draw(st.floats(0, 0.8, **finite)),
            },
            "door": {"K": draw(st.floats(1.0, 6.0, **finite))},
            "floor": {"K": draw(st.floats(0.3, 4.0, **finite))},
        },
    }
    if draw(st.booleans()):
        spec["stairwell"] = {"heated": heated, "count": draw(st.integers(1, 3)), "width": 2.6}
    return spec


def _climate(draw, *, name: str, t_e_max: float, irr_max: float, z_min: float) -> Climate:
    irr = {o: draw(st.floats(0, irr_max, **finite)) for o in "HSEWN"}
    return Climate(
        name=name,
        zone="2A",
        HDD18=3000.0,
        CDD26=0.0,
        Z=draw(st.floats(z_min, 200, **finite)),
        t_e=draw(st.floats(-15, t_e_max, **finite)),
        I_H=irr["H"],
        I_S=irr["S"],
        I_E=irr["E"],
        I_W=irr["W"],
        I_N=irr["N"],
        provenance=ClimateProvenance(ClimateKind.ESTIMATED, "hypothesis", "estimate—check"),
    )


@st.composite
def climates(draw):
    """Heating-zone climates: t_e in [−15, 3] ℃, irradiance 0–150 W/m² (in this range the
    sol-air gain a_s·R_e·I ≤ 4.2 K stays below every Δt, so every envelope term is a loss)."""
    return _climate(draw, name="hypothesis", t_e_max=3, irr_max=150, z_min=60)


@st.composite
def any_climates(draw):
    """Any heating climate, including mild, very sunny ones (t_e up to 10 ℃, up to 350 W/m²)
    in which the gains of a deep retrofit can exceed its losses (q_H clipped at 0)."""
    return _climate(draw, name="hypothesis (wide)", t_e_max=10, irr_max=350, z_min=30)


_MATERIALS = ("eps", "graphite_eps", "xps", "rock_wool", "polyurethane", "foam_glass")
_WINDOWS = ("pvc_double_clear", "alu_tb_lowe_double", "pvc_lowe_double", "pvc_lowe_triple_argon")


@st.composite
def measure_lists(draw, *, floor="ground"):
    """A valid list of retrofit measures (every kind of apply_measures), 0 to 6 of them."""
    out = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(
            st.sampled_from(
                ["add_insulation", "replace_windows", "replace_doors", "set_K", "set_air_changes"]
            )
        )
        if kind == "add_insulation":
            target = draw(st.sampled_from(["walls", "roof", "floor"]))
            out.append(
                {
                    "measure": kind,
                    "elements": target,
                    "material": draw(st.sampled_from(_MATERIALS)),
                    "thickness": draw(st.floats(0.01, 0.3, **finite)),
                }
            )
        elif kind == "replace_windows":
            if draw(st.booleans()):
                out.append({"measure": kind, "window": draw(st.sampled_from(_WINDOWS))})
            else:
                out.append(
                    {
                        "measure": kind,
                        "K": draw(st.floats(0.6, 6.5, **finite)),
                        "shgc": draw(st.floats(0, 0.9, **finite)),
                    }
                )
        elif kind == "replace_doors":
            out.append({"measure": kind, "K": draw(st.floats(0.8, 6.0, **finite))})
        elif kind == "set_K":
            target = draw(st.sampled_from(["walls", "roof", "floor"]))
            out.append(
                {"measure": kind, "elements": target, "K": draw(st.floats(0.1, 3, **finite))}
            )
        else:
            out.append({"measure": kind, "N": draw(st.floats(0.2, 1.0, **finite))})
    return out
