"""Stock runner: the least-cost package for every building of a table, with county totals.

In-process by default; on a local Dask cluster (``workers``) or an existing one
(``scheduler``) the table is cut into chunks of rows, each chunk optimised by the same pure
function (``optimise_chunk``) — so the results are identical whichever way it runs. Only the
columns the engine needs are sent to the workers.

Per building: survey gaps filled (``typology.fill_gaps``) and listed as assumed; the chosen
package (least-cost reaching the threshold, else the best achievable η, flagged), η, q_H
before/after [W/m²], cost [fen], the funding split [fen], heat [kWh/a], standard coal
[kgce/a] and CO2 [kg/a] saved; plus the engine version, climate and catalogue provenance.

Each building is assessed in its county's climate, as on the platform: ``RunOptions``
holds a default climate and the counties' own ((county name, climate), …, from a
programme file's ``county_climates``; ``jigai.engine.climate.load_programme_climates``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from jigai.engine import ENGINE_VERSION, Climate
from jigai.engine.fire import CROWDED_USES
from jigai.engine.funding import RULE as FUNDING_RULE
from jigai.engine.funding import FundingRates, split_funding_arrays
from jigai.engine.heat_index import seasonal_from_data
from jigai.engine.measures import Catalogue, default_catalogue
from jigai.engine.optimiser import FireArrays
from jigai.engine.params import default_data
from jigai.engine.policy import NO_RULES, PackagePolicy
from jigai.engine.stock_optimiser import optimise_stock
from jigai.engine.vector import ClimateArrays, climate_arrays
from jigai.money import format_yuan
from jigai.stock.engine_input import stock_arrays_from_columns
from jigai.stock.typology import FILLABLE

ENGINE_COLUMNS = (
    "use",
    "year_built",
    "storeys",
    "height_m",
    "floor_area_m2",
    "length_m",
    *FILLABLE,
)
# the columns a chunk is sent: the engine's, and the county that picks the climate
CHUNK_COLUMNS = ("county", *ENGINE_COLUMNS)
KEY_OUT = ("county", "street", "community", "building_no", "use", "floor_area_m2")
ASSUMABLE = ("length_m", *FILLABLE)
# Environment of the local Dask cluster's worker processes, set before they spawn
# (distributed.nanny.pre-spawn-environ; None removes a variable). Dask sets
# MALLOC_TRIM_THRESHOLD_=65536, which also stops glibc from raising its mmap threshold,
# so numpy's large temporaries are mapped and page-faulted afresh in every block.
# Measured here (2·10^5 synthetic buildings, 2 workers, 20,000-row chunks, wall [s],
# three interleaved rounds on a 2-core machine shared with other jobs, identical
# cost and results): Dask default 46.0 / 21.5 / 42.0; unset 21.5 / 13.8 / 27.4;
# 2^30 21.1 / 21.3 / 37.8. Unset was fastest or tied in every round (0.47–0.65× the
# default), so it is removed.
WORKER_ENV: dict[str, str | None] = {"MALLOC_TRIM_THRESHOLD_": None}


@dataclass(frozen=True)
class RunOptions:
    """Everything that decides the numbers (so that workers compute the same).

    ``climate`` is the climate of every county not in ``county_climates``
    ((county name, climate), …; hashable and picklable, sent to the workers as is);
    ``climate_origin`` says where the climates were taken from (for the provenance)."""

    climate: Climate
    county_climates: tuple[tuple[str, Climate], ...] = ()
    climate_origin: str = ""
    catalogue: Catalogue = field(default_factory=default_catalogue)
    threshold: float | None = None
    budget_fen_per_m2: int | None = None
    rates: FundingRates = field(default_factory=FundingRates)
    cavity: bool = False
    roof_fire_resistance_h: float = 1.0
    policy: PackagePolicy = NO_RULES


def climate_of(county: str, opts: RunOptions) -> Climate:
    """The climate a county's buildings are assessed in (its own, else the default)."""
    return dict(opts.county_climates).get(county, opts.climate)


def climate_label(climate: Climate) -> str:
    """The ``climate`` column of a result: name (provenance kind)."""
    return f"{climate.name} ({climate.provenance.kind.value})"


def row_climates(
    county: np.ndarray, opts: RunOptions
) -> tuple[ClimateArrays, np.ndarray, np.ndarray]:
    """Each row's climate (t_e, Z, irradiance), zone and ``climate`` label, looked up once
    per distinct county."""
    names, inv = np.unique(np.asarray(county, dtype=str), return_inverse=True)
    distinct: list[Climate] = []
    which = np.empty(len(names), dtype=np.intp)
    for j, name in enumerate(names):
        c = climate_of(str(name), opts)
        if c not in distinct:
            distinct.append(c)
        which[j] = distinct.index(c)
    row = which[inv.reshape(-1)]
    ca = climate_arrays(distinct, len(distinct))
    zones = np.array([c.zone for c in distinct], dtype=object)
    labels = np.array([climate_label(c) for c in distinct], dtype=object)
    return ClimateArrays(ca.t_e[row], ca.Z[row], ca.I[row]), zones[row], labels[row]


def optimise_chunk(cols: dict[str, np.ndarray], opts: RunOptions) -> dict[str, np.ndarray]:
    """Optimise one chunk of rows (``CHUNK_COLUMNS`` only), each in its county's climate;
    pure, picklable for Dask."""
    data = default_data()
    climate, zone, climate_txt = row_climates(cols["county"], opts)
    stock, assumed = stock_arrays_from_columns(cols, data=data)
    n = stock.n
    use = np.asarray(cols["use"], dtype=str)
    residential = use == "residential"
    fire = FireArrays(
        residential,
        np.asarray(cols["height_m"], dtype=float),
        np.full(n, opts.cavity),
        np.isin(use, CROWDED_USES),
        np.full(n, opts.roof_fire_resistance_h),
    )
    area = np.asarray(cols["floor_area_m2"], dtype=float)
    res = optimise_stock(
        stock,
        climate,
        fire,
        catalogue=opts.catalogue,
        threshold=opts.threshold,
        budget_fen_per_m2=opts.budget_fen_per_m2,
        floor_area_m2=area,
        policy=opts.policy,
        storeys=np.asarray(cols["storeys"], dtype=float).astype(int),
        zone=zone,
        data=data,
    )
    funding = split_funding_arrays(
        res.cost_fen, area, residential, res.window_fen, rates=opts.rates
    )
    saved = seasonal_from_data(res.q_H_before - res.q_H_after, climate.Z, data)
    names = np.array(ASSUMABLE, dtype=object)
    amask = np.column_stack([assumed[k] for k in ASSUMABLE])
    assumed_txt = np.array([";".join(names[m]) for m in amask], dtype=object)
    out = {
        "assumed_columns": assumed_txt,
        "q_H_before_W_m2": res.q_H_before,
        "q_H_after_W_m2": res.q_H_after,
        "eta": res.eta,
        "reaches_threshold": res.passed,
        "blocked_by": res.blocking,
        "best_eta": res.best_eta,
        "package": res.labels(),
        "cost_fen": res.cost_fen,
        **funding,
        "heat_saved_kWh": saved["Q_kWh_m2"] * stock.A0,
        "coal_saved_kgce": saved["coal_kgce_m2"] * stock.A0,
        "co2_saved_kg": saved["co2_kg_m2"] * stock.A0,
        "climate": climate_txt,
    }
    if res.budget_index is not None:
        out["budget_package"] = res.labels(res.budget_index)
        out["budget_eta"] = res.budget_eta
    return out


def _chunks(n: int, size: int):
    return [slice(i, min(n, i + size)) for i in range(0, n, size)]


def optimise_table(
    cols: dict[str, np.ndarray],
    opts: RunOptions,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    processes: bool = True,
    chunk_rows: int = 20_000,
    progress: bool | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Per-building results of a validated table (see module docstring)."""
    n = len(cols["use"])
    engine_cols = {k: np.asarray(cols[k]) for k in CHUNK_COLUMNS if k in cols}
    slices = _chunks(n, chunk_rows)
    parts: list[dict | None] = [None] * len(slices)
    show = (n >= 50_000) if progress is None else progress
    from tqdm import tqdm

    bar = tqdm(total=n, unit="bld", disable=not show, desc="optimise")
    if workers is None and scheduler is None:
        for j, sl in enumerate(slices):
            parts[j] = optimise_chunk({k: v[sl] for k, v in engine_cols.items()}, opts)
            bar.update(sl.stop - sl.start)
            if on_chunk:
                on_chunk(j)
    else:
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler is None:
            import dask

            with dask.config.set(
                {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_ENV.items()}
            ):
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                )
            client = Client(cluster)
        else:
            client = Client(scheduler)
        try:
            opts_f = client.scatter(opts, broadcast=True)
            futs = {
                client.submit(
                    optimise_chunk, {k: v[sl] for k, v in engine_cols.items()}, opts_f, pure=False
                ): j
                for j, sl in enumerate(slices)
            }
            for fut in as_completed(futs):
                j = futs[fut]
                parts[j] = fut.result()
                fut.release()
                bar.update(slices[j].stop - slices[j].start)
                if on_chunk:
                    on_chunk(j)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    bar.close()
    out = {k: np.asarray(cols[k]) for k in KEY_OUT}
    for k in parts[0]:
        out[k] = np.concatenate([p[k] for p in parts])
    out["cost_yuan"] = np.array(
        [format_yuan(int(f), grouping=False) for f in out["cost_fen"]], dtype=object
    )
    out["engine_version"] = np.full(n, ENGINE_VERSION, dtype=object)
    out["climate"] = out.pop("climate")
    out["catalogue"] = np.full(n, opts.catalogue.digest, dtype=object)
    return out


def county_totals(result: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Totals per county and a 合计 row: buildings, floor area, buildings reaching the
    threshold, cost and funding shares [fen, exact integer sums], heat/coal/CO2 saved, and
    the county's climate."""
    county = np.asarray(result["county"], dtype=str)
    names, first, inv = np.unique(county, return_index=True, return_inverse=True)
    k = len(names)

    def isum(col):
        acc = np.zeros(k + 1, dtype=np.int64)
        v = np.asarray(result[col], dtype=np.int64)
        np.add.at(acc, inv, v)
        acc[k] = v.sum()
        return acc

    def fsum(col):
        acc = np.zeros(k + 1)
        v = np.asarray(result[col], dtype=float)
        np.add.at(acc, inv, v)
        acc[k] = v.sum()
        return acc

    out = {
        "county": np.array([*names, "合计"], dtype=object),
        "buildings": isum_count(inv, k),
        "floor_area_m2": np.round(fsum("floor_area_m2"), 2),
        "reaching_threshold": isum("reaches_threshold"),
        "cost_fen": isum("cost_fen"),
        "window_fen": isum("window_fen"),
        "provincial_fen": isum("provincial_fen"),
        "owners_fen": isum("owners_fen"),
        "county_fen": isum("county_fen"),
        "heat_saved_kWh": fsum("heat_saved_kWh"),
        "coal_saved_kgce": fsum("coal_saved_kgce"),
        "co2_saved_t": fsum("co2_saved_kg") / 1000.0,
    }
    out["cost_yuan"] = np.array(
        [format_yuan(int(f), grouping=False) for f in out["cost_fen"]], dtype=object
    )
    out["funding_rule"] = np.full(k + 1, FUNDING_RULE, dtype=object)
    if "climate" in result:  # every building of a county has the county's climate
        out["climate"] = np.array([*np.asarray(result["climate"])[first], ""], dtype=object)
    return out


def isum_count(inv: np.ndarray, k: int) -> np.ndarray:
    acc = np.bincount(inv, minlength=k).astype(np.int64)
    return np.append(acc, acc.sum())


def provenance(opts: RunOptions, counties=()) -> dict:
    """What the numbers of a run depend on (written beside the results): among them the
    default climate, where the climates come from, and the climate (with its provenance) of
    each county of the programme's ``county_climates`` and of ``counties`` (those of the
    table), marking those that use the default."""
    own = dict(opts.county_climates)
    names = [*own, *(c for c in dict.fromkeys(str(c) for c in counties) if c not in own)]
    return {
        "engine_version": ENGINE_VERSION,
        "climate": opts.climate.to_dict(),
        "climate_origin": opts.climate_origin,
        "county_climates": {
            name: {**climate_of(name, opts).to_dict(), "is_default": name not in own}
            for name in names
        },
        "catalogue": opts.catalogue.provenance(),
        "eta_threshold": opts.threshold
        if opts.threshold is not None
        else default_data().p("eta_threshold"),
        "budget_fen_per_m2": opts.budget_fen_per_m2,
        "funding_rates": opts.rates.__dict__,
        "funding_rule": FUNDING_RULE,
        "package_rules": opts.policy.to_dict(),
        "fire": {
            "clauses": "GB 50016-2014 §6.7.4–6.7.7, §6.7.10",
            "cavity": opts.cavity,
            "roof_fire_resistance_h": opts.roof_fire_resistance_h,
            "crowded_uses": list(CROWDED_USES),
        },
    }
