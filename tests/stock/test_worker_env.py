"""The stock runner's local Dask workers start without MALLOC_TRIM_THRESHOLD_ (measured
fastest here; see WORKER_ENV in jigai.stock.runner)."""

import dask
import dask.distributed
import numpy as np

from jigai.engine import climate_for_city
from jigai.stock import runner, synthetic


def test_local_cluster_workers_spawn_without_the_trim_threshold(monkeypatch):
    seen = []
    real = dask.distributed.LocalCluster

    def spy(*args, **kwargs):
        seen.append(dict(dask.config.get("distributed.nanny.pre-spawn-environ")))
        return real(*args, **kwargs)

    monkeypatch.setattr(dask.distributed, "LocalCluster", spy)
    table = synthetic.generate(60, seed=3)
    opts = runner.RunOptions(climate=climate_for_city("阳泉"))
    out = runner.optimise_table(table, opts, workers=1, processes=False, chunk_rows=30)
    local = runner.optimise_table(table, opts, chunk_rows=30)
    assert len(seen) == 1
    # Dask's own default sets 65536; the runner removes it (None), other keys stay
    assert dask.config.get("distributed.nanny.pre-spawn-environ")["MALLOC_TRIM_THRESHOLD_"] == 65536
    assert seen[0]["MALLOC_TRIM_THRESHOLD_"] is None
    assert seen[0]["OMP_NUM_THREADS"] == 1
    assert np.array_equal(out["cost_fen"], local["cost_fen"])
