"""The audit trail's key, kept outside the database.

Entries since hash version 3 and the anchors of the chain's head are signed with
HMAC-SHA256 under this key, so someone who can write the database but not read the key
cannot rewrite history and recompute the chain. The key comes from the setting
``AUDIT_HMAC_KEY`` (environment) or, when that is empty, from the file
``AUDIT_HMAC_KEY_FILE`` (default ``data/audit-hmac.key``), which ``jigai setup`` creates
with permissions 0600. Keep a copy of the key apart from the backups: without it the chain
of a restored database cannot be verified.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def key_file() -> Path:
    return Path(settings.AUDIT_HMAC_KEY_FILE)


def ensure_key_file() -> tuple[Path, bool]:
    """Create the key file (0600, 256 random bits) unless it exists: (path, created)."""
    path = key_file()
    if getattr(settings, "AUDIT_HMAC_KEY", ""):
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path, False
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    return path, True


def hmac_key() -> bytes:
    """The key: the setting, else the key file (created on first use like ``jigai setup``)."""
    configured = getattr(settings, "AUDIT_HMAC_KEY", "")
    if configured:
        return configured.encode("utf-8")
    path, _created = ensure_key_file()
    found = path.stat()
    if os.name == "posix" and stat.S_IMODE(found.st_mode) & 0o077:
        raise ImproperlyConfigured(
            f"The audit key file {path} is readable by others: chmod 600 it."
        )
    return _read_key(str(path), found.st_mtime_ns, found.st_size)


@functools.lru_cache(maxsize=4)
def _read_key(path: str, mtime_ns: int, size: int) -> bytes:
    """The key file's key (read again only when the file changes)."""
    key = Path(path).read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"The audit key file {path} holds no usable key.")
    return key.encode("ascii")


def sign(text: str) -> str:
    """HMAC-SHA256 of a text under the audit key, as hex."""
    return hmac.new(hmac_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_matches(text: str, signature: str) -> bool:
    return hmac.compare_digest(sign(text), str(signature))
