"""Errors raised by services, with messages meant for the user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class BusinessError(Exception):
    """A refused action: the message says why, and nothing was changed."""

    def __init__(self, message: str, *, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class StaleVersion(BusinessError):
    """The record changed since the user loaded it."""


def require(user, capability: str) -> None:
    """Refuse (403) unless ``user`` holds ``capability``."""
    if user is None or not user.can(capability):
        raise PermissionDenied(capability)
