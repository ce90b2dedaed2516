"""The source address of the request being served, for every audit entry it writes.

:class:`SourceAddressMiddleware` sets it for the length of a request;
:func:`jigai.audit.services.record` reads it when the caller gives no address. Work
outside a request (commands, task workers) has none: its entries carry no address.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar

_address: ContextVar[str | None] = ContextVar("jigai_audit_source_address", default=None)


def current_address() -> str | None:
    return _address.get()


def _valid(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


class SourceAddressMiddleware:
    """Keep the request's address (``REMOTE_ADDR``, as the trusted proxy set it) in a
    context variable for the audit entries the request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _address.set(_valid(request.META.get("REMOTE_ADDR")))
        try:
            return self.get_response(request)
        finally:
            _address.reset(token)
