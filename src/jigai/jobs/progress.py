"""Progress of a running job, written to its row outside any transaction.

``Reporter(job)`` keeps the job's steps; ``reporter.step("assess")`` starts a step
and returns a callable ``progress(done, total)`` for the work, which writes at most
every ``every`` seconds (and the step's start and end always). Each write also
renews the job's heartbeat, which ``services.sweep_stale`` reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.utils import timezone
from tqdm import tqdm

from jigai.jobs.models import STEP_LABELS


class Reporter:
    def __init__(self, job, step_keys: list[str], *, every: float = 0.5, echo=None):
        self.job = job
        self.every = every
        self.echo = echo  # e.g. a CLI's progress bar: echo(key, done, total)
        self._last = 0.0
        job.steps = [{"key": k, "done": 0, "total": 0} for k in step_keys]
        self._save()

    def step(self, key: str, total: int = 0) -> Callable[[int, int], None]:
        current = next(s for s in self.job.steps if s["key"] == key)
        current.update(total=total, done=0, started=True)
        self._save()

        def progress(done: int, total: int) -> None:
            current.update(done=done, total=total)
            if self.echo is not None:
                self.echo(key, done, total)
            if time.monotonic() - self._last >= self.every or done >= total:
                self._save()

        return progress

    def end(self, key: str) -> None:
        current = next(s for s in self.job.steps if s["key"] == key)
        current.update(done=current["total"], end=True)
        if self.echo is not None:
            self.echo(key, current["total"], current["total"])
        self._save()

    def _save(self) -> None:
        self._last = time.monotonic()
        self.job.heartbeat_at = timezone.now()
        type(self.job).objects.filter(pk=self.job.pk).update(
            steps=self.job.steps, heartbeat_at=self.job.heartbeat_at
        )


class ProgressBars:
    """One tqdm bar per job step, fed by the job's progress callbacks."""

    def __init__(self, stream):
        self.stream = stream
        self.bars: dict[str, tqdm] = {}

    def echo(self, key: str, done: int, total: int) -> None:
        bar = self.bars.get(key)
        if bar is None:
            bar = self.bars[key] = tqdm(
                total=total, desc=str(STEP_LABELS.get(key, key)), file=self.stream, leave=True
            )
        bar.total = total
        bar.n = done
        bar.refresh()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for bar in self.bars.values():
            bar.close()
