"""Progress of a running job, written to its row outside the job's own transactions.

``Reporter(job, steps)`` keeps the job's steps; ``reporter.step("assess")`` starts a step
and returns a callable ``progress(done, total)`` for the work. In a worker (no
transaction open) the writes go through a small thread with its own database
connection, at most every ``every`` seconds and at least every ``HEARTBEAT`` seconds: so
the page sees progress and ``services.sweep_stale`` sees a heartbeat even while the job
holds a long read cursor (SQLite cannot write on a connection whose read snapshot is
older than another writer's commit) or waits for a lock. Inside a transaction (a test,
an in-process run) the writes are made directly. ``close()`` stops the thread.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable

from django.db import OperationalError, connection, connections
from django.utils import timezone
from tqdm import tqdm

from jigai.jobs.models import STEP_LABELS

HEARTBEAT = 5.0  # [s]


class Reporter:
    def __init__(self, job, step_keys: list[str], *, every: float = 0.5, echo=None):
        self.job = job
        self.every = every
        self.echo = echo  # e.g. a CLI's progress bar: echo(key, done, total)
        self._last = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        job.steps = [{"key": k, "done": 0, "total": 0} for k in step_keys]
        self._write(job.steps)
        if not connection.in_atomic_block:
            self._thread = threading.Thread(
                target=self._beat, name=f"job-progress-{job.pk}", daemon=True
            )
            self._thread.start()

    def step(self, key: str, total: int = 0) -> Callable[[int, int], None]:
        current = next(s for s in self.job.steps if s["key"] == key)
        with self._lock:
            current.update(total=total, done=0, started=True)
        self._save(force=True)

        def progress(done: int, total: int) -> None:
            with self._lock:
                current.update(done=done, total=total)
            if self.echo is not None:
                self.echo(key, done, total)
            self._save(force=done >= total)

        return progress

    def end(self, key: str) -> None:
        current = next(s for s in self.job.steps if s["key"] == key)
        with self._lock:
            current.update(done=current["total"], end=True)
        if self.echo is not None:
            self.echo(key, current["total"], current["total"])
        self._save(force=True)

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join(timeout=30)
            self._thread = None

    def _save(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._last < self.every:
            return
        self._last = time.monotonic()
        if self._thread is not None:
            self._wake.set()
        else:
            self._write(self.job.steps)

    def _write(self, steps) -> None:
        self.job.heartbeat_at = timezone.now()
        type(self.job).objects.filter(pk=self.job.pk).update(
            steps=steps, heartbeat_at=self.job.heartbeat_at
        )

    def _beat(self) -> None:
        try:
            while True:
                self._wake.wait(timeout=HEARTBEAT)
                self._wake.clear()
                with self._lock:
                    steps = copy.deepcopy(self.job.steps)
                with contextlib.suppress(OperationalError):  # busy: the next beat writes
                    self._write(steps)
                if self._stop.is_set():
                    return
        finally:
            connections.close_all()  # this thread's own connection


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
