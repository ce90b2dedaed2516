"""Stock tests need no Django (the platform's autouse fixture is overridden here)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def messages_in_english():
    """Override the platform's autouse fixture (tests/conftest.py), which needs Django."""
    yield
