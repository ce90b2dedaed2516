"""Reads computed once per state of the data.

Every change to the platform's records lands in the audit trail in the same transaction
(``services.record``), so the trail's head — its last sequence number — names the state of
the data: a figure computed at head N stays right until entry N + 1 is written. Pages whose
figures cost a scan of a city's stock (the survey summary, the map's markers, the order of a
filtered building list) keep their result in Django's cache (``CACHES``) under the head, the
reader's scope and what was asked; the next change makes a new key, and old keys expire.

A state of the data read inside a transaction that has not committed is never shared: the
head is read first, so a result stored under head N was computed from data at N or later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from jigai.audit.models import AuditEntry

T = TypeVar("T")
TIMEOUT = 600  # [s] an unused result is dropped after this


def head() -> int:
    """The sequence number of the trail's last entry (0 for an empty trail): one index read."""
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def cached(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``'s value for ``parts`` (the reader's scope and the query, as a tuple with
    stable ``repr``) at the data's present state, computed at most once per state."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"jigai:{name}:{head()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value
