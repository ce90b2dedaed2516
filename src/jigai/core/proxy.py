"""The TLS reverse proxy, trusted only from the addresses in ``TRUSTED_PROXIES``.

A WSGI wrapper round the application, the same under gunicorn and waitress: a request
whose peer is a trusted proxy takes its scheme from ``X-Forwarded-Proto`` and its client
address (``REMOTE_ADDR``, which the audit trail and the login throttle read) from the
last entry of ``X-Forwarded-For`` — the one that proxy added. From any other peer these
headers are dropped: ``X-Forwarded-Proto: https`` sent by a client does not make its
request secure, nor does ``X-Forwarded-For`` change its address."""

from __future__ import annotations

import ipaddress

FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST")


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


class TrustedProxy:
    def __init__(self, app, trusted: list[str]):
        self.app = app
        self.trusted = {a for a in (_address(t) for t in trusted) if a}

    def __call__(self, environ, start_response):
        peer = _address(environ.get("REMOTE_ADDR", "") or "")
        if peer is not None and peer in self.trusted:
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            client = _address(environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1])
            if client:
                environ["REMOTE_ADDR"] = client
        else:
            for key in FORWARDED:
                environ.pop(key, None)
        return self.app(environ, start_response)
