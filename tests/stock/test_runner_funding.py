"""The stock runner's funding split uses each building's own window lines: the vectorised
window cost equals the window lines of the single-building optimiser's package."""

from __future__ import annotations

import numpy as np
import pytest

from jigai.engine import StockArrays, climate_for_city, default_data
from jigai.engine.fire import FireContext
from jigai.engine.funding import split_funding, window_line_fen
from jigai.engine.measures import default_catalogue
from jigai.engine.optimiser import FireArrays, optimise_building
from jigai.engine.stock_optimiser import optimise_stock
from tests.engine.conftest import load_example

DATA = default_data()
CAT = default_catalogue()


@pytest.mark.parametrize("threshold", [0.30, 0.55, 0.99])
def test_window_lines_of_the_chosen_packages(threshold):
    blds = [
        load_example(n).before
        for n in (
            "walkup_brick_6storey.json",
            "block_4storey_heated_stair.json",
            "public_office_detailed.json",
        )
    ]
    ctxs = [
        FireContext(residential=True, height_m=16.8),
        FireContext(residential=True, height_m=12.0),
        FireContext(residential=False, height_m=10.8),
    ]
    stock = StockArrays.from_buildings(blds, data=DATA)
    cl = climate_for_city("阳泉")
    res = optimise_stock(stock, cl, FireArrays.of(ctxs), threshold=threshold, catalogue=CAT)
    window = res.window_fen
    expected = []
    for b, ctx in zip(blds, ctxs, strict=True):
        o = optimise_building(b, cl, fire=ctx, threshold=threshold, catalogue=CAT)
        chosen = o.least_cost or o.best
        expected.append(window_line_fen(chosen.lines, CAT))
        # the runner's split equals the scalar split of the same package
        s = split_funding(
            chosen.cost_fen,
            floor_area_m2=b.A0,
            residential=ctx.residential,
            window_fen=expected[-1],
        )
        assert s.owners_fen <= expected[-1]
    assert window.tolist() == expected
    assert (window <= res.cost_fen).all()


def test_some_chosen_package_replaces_windows():
    """Guard against a vacuous comparison above: at η ≥ 0.99 the best package has windows."""
    b = load_example("walkup_brick_6storey.json").before
    stock = StockArrays.from_buildings([b], data=DATA)
    res = optimise_stock(
        stock,
        climate_for_city("阳泉"),
        FireArrays.of([FireContext(residential=True, height_m=16.8)]),
        threshold=0.99,
        catalogue=CAT,
    )
    assert int(res.window_fen[0]) > 0
    assert np.asarray(res.package_index).shape == (1,)
