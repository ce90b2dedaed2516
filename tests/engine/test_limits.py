"""The advisory limit table: read once, and its rows checked against the limits in force."""

from __future__ import annotations

from jigai.engine import assess_retrofit, tables

from .conftest import YANGQUAN, load_example


def test_retrofit_assessment_reads_no_table_after_the_first(monkeypatch):
    """The limit table (and every shipped table) is parsed once per process, not per
    element: after a first assessment, a second one parses no CSV at all."""
    r = load_example("walkup_brick_6storey.json")
    assess_retrofit(r, YANGQUAN)
    calls = []
    real = tables._read_csv

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "_read_csv", counting)
    res = assess_retrofit(r, YANGQUAN)
    assert calls == []
    # the check itself still ran: 11 retrofitted elements (4 walls + stairwell wall, 3 windows,
    # the entrance doors, roof, basement ceiling) + the shape factor
    assert len(res.limits) == 12
