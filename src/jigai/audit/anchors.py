"""Anchors: the chain's signed head, written outside the database.

An anchor is one line of JSON — the head's sequence number and hash, the time, and an
HMAC-SHA256 signature under the audit key (:mod:`jigai.audit.keys`) — appended to
``AUDIT_ANCHOR_DIR/audit-anchors.jsonl``, a file the audit administrator keeps (and
downloads from the audit page). ``jigai audit_anchor`` (run by a timer, see docs/deploy.md)
and ``jigai verify`` write one. Verification checks every anchor against the chain:

* an anchored entry whose hash differs → the chain was rewritten after the anchor;
* an anchor beyond the chain's last entry → entries were cut off the end (truncated);
* an anchored entry that is missing → entries were deleted;
* a line whose signature does not match → the anchor file itself was forged or edited.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from jigai.audit.keys import sign, signature_matches
from jigai.audit.models import AuditEntry

FILE_NAME = "audit-anchors.jsonl"


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR) / FILE_NAME


def _body(seq: int, hash_: str, at: str) -> str:
    return json.dumps({"at": at, "hash": hash_, "seq": seq}, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    sig: str


def head(using: str = "default") -> tuple[int, str] | None:
    """The chain's last entry (seq, hash), as committed."""
    last = AuditEntry.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
    return tuple(last) if last else None


def read_anchors(path: Path | None = None) -> list[tuple[int, dict | None]]:
    """The anchor file's lines as (line number, parsed or None when unreadable)."""
    path = path or anchor_file()
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                parsed = json.loads(line)
            except ValueError:
                parsed = None
            out.append((number, parsed if isinstance(parsed, dict) else None))
    return out


def write_anchor(using: str = "default") -> Anchor | None:
    """Append the present head's anchor (None for an empty chain or when the last anchor
    already names this head)."""
    current = head(using)
    if current is None:
        return None
    seq, hash_ = current
    lines = read_anchors()
    if lines and lines[-1][1] and (lines[-1][1].get("seq"), lines[-1][1].get("hash")) == current:
        return None
    at = timezone.now().isoformat(timespec="seconds")
    anchor = Anchor(seq, hash_, at, sign(_body(seq, hash_, at)))
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(anchor.__dict__, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return anchor


@dataclass
class AnchorReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    last_seq: int | None = None  # the latest anchored entry

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_anchors(using: str = "default", path: Path | None = None) -> AnchorReport:
    """Check every anchor of the file against the chain in the database."""
    report = AnchorReport()
    lines = read_anchors(path)
    wanted = {a["seq"] for _n, a in lines if a and isinstance(a.get("seq"), int) and a["seq"] > 0}
    stored = dict(AuditEntry.objects.using(using).filter(seq__in=wanted).values_list("seq", "hash"))
    last = head(using)
    last_seq = last[0] if last else 0
    for number, anchor in lines:
        report.checked += 1
        try:
            seq, hash_, at, sig = anchor["seq"], anchor["hash"], anchor["at"], anchor["sig"]
            signed = isinstance(seq, int) and signature_matches(_body(seq, hash_, at), sig)
        except (KeyError, TypeError):
            signed = False
        if not signed:
            report.problems.append(
                f"anchor line {number} is not signed with the audit key (forged or edited)"
            )
            continue
        report.last_seq = max(report.last_seq or 0, seq)
        if seq > last_seq:
            report.problems.append(
                f"anchor line {number} ({at}) names entry #{seq} but the chain ends at "
                f"#{last_seq}: entries were cut off the end"
            )
        elif seq not in stored:
            report.problems.append(
                f"entry #{seq}, anchored on line {number} ({at}), is missing: entries were deleted"
            )
        elif stored[seq] != hash_:
            report.problems.append(
                f"entry #{seq} differs from its anchor on line {number} ({at}): "
                "the chain was rewritten"
            )
    return report
