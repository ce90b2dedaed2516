"""Property tests: monotonicity of q_H and η = 0 for no change."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jigai.engine import apply_measures, assess, default_data, expand_block
from jigai.engine.heat_index import eta

from .strategies import block_specs, climates

DATA = default_data()
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(
    spec=block_specs(),
    climate=climates(),
    target=st.sampled_from(["walls", "roof", "floor", "basement_ceiling"]),
    material=st.sampled_from(["eps", "xps", "rock_wool", "polyurethane", "foam_glass"]),
    d=st.floats(0.001, 0.3, allow_nan=False),
)
def test_more_insulation_never_raises_q_H(spec, climate, target, material, d):
    b = expand_block(spec, "b", DATA)
    if target == "basement_ceiling" and spec["floor"] == "ground":
        target = "floor"
    m = [{"measure": "add_insulation", "elements": target, "material": material, "thickness": d}]
    more = apply_measures(b, m, "m", DATA)
    even_more = apply_measures(more, m, "m", DATA)
    q0, q1, q2 = (assess(x, climate, data=DATA).q_H for x in (b, more, even_more))
    assert q1 <= q0 + 1e-9
    assert q2 <= q1 + 1e-9


@SETTINGS
@given(spec=block_specs(), climate=climates(), factor=st.floats(0.1, 1.0))
def test_lower_window_K_at_same_shgc_never_raises_q_H(spec, climate, factor):
    b = expand_block(spec, "b", DATA)
    better = replace(
        b,
        elements=tuple(
            replace(e, K=e.K * factor) if e.kind.value == "window" else e for e in b.elements
        ),
    )
    assert assess(better, climate, data=DATA).q_H <= assess(b, climate, data=DATA).q_H + 1e-9


@SETTINGS
@given(spec=block_specs(), climate=climates(), warmer=st.floats(0.1, 8.0))
def test_warmer_t_e_lowers_q_H(spec, climate, warmer):
    b = expand_block(spec, "b", DATA)
    cold = assess(b, climate, data=DATA)
    warm = assess(b, replace(climate, t_e=climate.t_e + warmer), data=DATA)
    assert warm.q_H < cold.q_H
    for t in ("q_Hq", "q_Hw", "q_Hd", "q_INF"):
        assert warm.terms[t] <= cold.terms[t] + 1e-12


@SETTINGS
@given(spec=block_specs(), climate=climates())
def test_no_change_gives_eta_zero(spec, climate):
    b = expand_block(spec, "b", DATA)
    same = apply_measures(b, [], "m", DATA)
    q0 = assess(b, climate, data=DATA).q_H
    q1 = assess(same, climate, data=DATA).q_H
    assert float(eta(q0, q1)) == 0.0


def test_eta_definition():
    assert float(eta(40.0, 28.0)) == pytest.approx(0.3)
