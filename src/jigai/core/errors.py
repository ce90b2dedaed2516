"""Errors raised by services, with messages meant for the user."""

from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, PermissionDenied


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


class BadParameter(BusinessError, BadRequest):
    """A malformed query or form value (``?programme=abc``, ``?since=2023-02-30``): the
    request is answered 400 with the message in the user's language
    (``jigai.core.views.bad_request``) and nothing is read or changed."""


class RefusalLogFilter(logging.Filter):
    """Log a refusal (a 4xx: permission denied, bad request) as one line: Django passes
    the exception with it, which would print a traceback for every 403."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
