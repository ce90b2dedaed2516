"""Typed readers for settings taken from environment variables.

Each reader fails loudly (``ImproperlyConfigured``) on a value it cannot parse,
so a typo in a deployment never silently falls back to a default.
"""

from __future__ import annotations

import datetime as dt
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false).")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time(name: str, default: str) -> dt.time | None:
    """A time of day ``HH:MM``; empty means none (a routine switched off)."""
    raw = os.environ.get(name, default).strip()
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw, "%H:%M").time()
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a time of day (HH:MM).") from None


def env_minute(name: str, default: str) -> int | None:
    """A minute of the hour 0–59; empty means none (a routine switched off)."""
    raw = os.environ.get(name, default).strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 59:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a minute of the hour (0–59).")
    return int(raw)
