"""GB 50016-2014 §6.7 as rules: every branch of §6.7.4–6.7.7 and §6.7.10."""

from __future__ import annotations

import numpy as np
import pytest

from jigai.engine.fire import (
    FireContext,
    max_roof_rank,
    max_wall_rank,
    needs_fire_barrier_band,
    needs_fire_rated_openings,
    needs_roof_edge_band,
    roof_allowed,
    rules_zh,
    wall_allowed,
)
from jigai.engine.measures import CombustionClass as CC

A, B1, B2, B3 = CC.A, CC.B1, CC.B2, CC.B3


@pytest.mark.parametrize(
    ("residential", "height", "cavity", "allowed"),
    [
        # §6.7.5-1 residential, no cavity
        (True, 27.0, False, {A, B1, B2}),
        (True, 16.8, False, {A, B1, B2}),
        (True, 27.1, False, {A, B1}),
        (True, 100.0, False, {A, B1}),
        (True, 100.1, False, {A}),
        # §6.7.5-2 other buildings, no cavity
        (False, 24.0, False, {A, B1, B2}),
        (False, 24.1, False, {A, B1}),
        (False, 50.0, False, {A, B1}),
        (False, 50.1, False, {A}),
        # §6.7.6 with a cavity (residential and others alike)
        (True, 24.0, True, {A, B1}),
        (True, 24.1, True, {A}),
        (False, 24.0, True, {A, B1}),
        (False, 60.0, True, {A}),
    ],
)
def test_wall_classes_by_use_height_cavity(residential, height, cavity, allowed):
    ctx = FireContext(residential=residential, height_m=height, cavity=cavity)
    assert {c for c in CC if wall_allowed(ctx, c)} == allowed
    assert not wall_allowed(ctx, B3)  # §6.7.1: never B3


@pytest.mark.parametrize("cavity", [False, True])
def test_crowded_places_need_class_A(cavity):
    ctx = FireContext(residential=False, height_m=10.0, cavity=cavity, crowded=True)  # §6.7.4
    assert {c for c in CC if wall_allowed(ctx, c)} == {A}


def test_vectorised_rank_equals_scalar():
    res = np.array([True, True, True, False, False, False, True, False])
    h = np.array([20.0, 50.0, 120.0, 20.0, 30.0, 60.0, 20.0, 30.0])
    cav = np.array([False] * 6 + [True, True])
    assert max_wall_rank(res, h, cavity=cav).tolist() == [2, 1, 0, 2, 1, 0, 1, 0]
    assert max_wall_rank(True, 20.0) == 2


@pytest.mark.parametrize(
    ("residential", "height", "cls", "needed"),
    [
        (True, 27.0, B1, False),  # §6.7.7-1 exception: B1 on residential ≤ 27 m
        (True, 27.0, B2, True),
        (True, 27.1, B1, True),
        (False, 24.0, B1, False),  # exception: B1 on public ≤ 24 m
        (False, 24.0, B2, True),
        (False, 24.1, B1, True),
        (True, 80.0, A, False),  # class A never
    ],
)
def test_fire_rated_openings(residential, height, cls, needed):
    assert needs_fire_rated_openings(residential, height, cls.rank) is needed


def test_bands():
    assert needs_fire_barrier_band(B1) and needs_fire_barrier_band(B2)  # §6.7.7-2
    assert not needs_fire_barrier_band(A)
    assert needs_roof_edge_band(B1, B2)  # §6.7.10
    assert not needs_roof_edge_band(A, B1)
    assert not needs_roof_edge_band(B1, None)


def test_roof_classes():
    slab = FireContext(residential=True, height_m=18.0)  # RC slab ≥ 1.0 h → ≥ B2
    light = FireContext(residential=True, height_m=18.0, roof_fire_resistance_h=0.5)
    assert {c for c in CC if roof_allowed(slab, c)} == {A, B1, B2}
    assert {c for c in CC if roof_allowed(light, c)} == {A, B1}
    assert max_roof_rank(np.array([1.0, 0.75])).tolist() == [2, 1]


def test_rules_text_cites_clause():
    assert "§6.7.5" in rules_zh(FireContext(residential=True, height_m=18.0))
    assert "§6.7.6" in rules_zh(FireContext(residential=True, height_m=18.0, cavity=True))
    assert "§6.7.4" in rules_zh(FireContext(residential=False, height_m=8.0, crowded=True))


def test_protective_layer_of_6_7_8_over_b1_b2_only():
    from jigai.engine.fire import protective_layer_min_mm

    assert protective_layer_min_mm(B1) == {"first_floor": 15.0, "upper": 5.0}
    assert protective_layer_min_mm(B2) == {"first_floor": 15.0, "upper": 5.0}
    assert protective_layer_min_mm(A) == {"first_floor": 0.0, "upper": 0.0}
