"""Races with real concurrent connections, for the tests that need PostgreSQL's row locks
(SQLite serialises every writer, so there is nothing to race there)."""

import os
import threading

import pytest
from django.db import connection

POSTGRES_RACE = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks need PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]
"""The ``pytestmark`` of a module of races."""


def race(*targets, timeout: float = 60):
    """Run each target in its own thread and connection, all released at once; the result
    or the exception (a refusal is a result) of each, in order."""
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - a refusal is a result
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
