"""The audit administrator's own work on the trail — reading it, verifying it, exporting it,
taking the anchors — each recorded in the trail itself (等保 2.0: the auditors are audited).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jigai.audit import anchors
from jigai.audit.keys import sign, signature_matches
from jigai.audit.services import jsonable, record
from jigai.audit.verification import Verification, verify_all

EXPORT_COLUMNS = [
    "seq",
    "recorded_at",
    "business_date",
    "actor_name",
    "division_code",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "object_repr",
    "sentence",
    "data",
    "before",
    "after",
    "ip_address",
    "prev_hash",
    "hash",
    "hash_version",
]


def _who(actor) -> str:
    return getattr(actor, "display_name", "") or str(actor or "")


def record_read(actor, *, page: int, filters: dict) -> None:
    described = "; ".join(f"{k}={v}" for k, v in sorted(filters.items()) if v) or "—"
    with transaction.atomic():
        record(
            actor=actor,
            action="audit.read",
            data={"a": _who(actor), "n": page, "f": described[:300]},
        )


def verify_and_record(actor=None, *, actor_name: str | None = None) -> Verification:
    """Verify everything, record that it was done (with the figures), and anchor the head
    (once that record is committed) when nothing was found."""
    result = verify_all()
    with transaction.atomic():
        record(
            actor=actor,
            actor_name=actor_name,
            action="audit.verify",
            outcome="done" if result.ok else "refused",
            data={"a": actor_name or _who(actor), **result.figures()},
            after={"findings": result.findings[:50], "seconds": round(result.seconds, 3)},
        )
        if result.ok:
            transaction.on_commit(anchors.write_anchor)
    return result


def anchors_for_download(actor) -> bytes:
    """The anchor file's content (after anchoring the present head), its reading recorded."""
    anchors.write_anchor()
    path = anchors.anchor_file()
    content = path.read_bytes() if path.exists() else b""
    with transaction.atomic():
        record(
            actor=actor,
            action="audit.anchors",
            data={"a": _who(actor), "k": len(anchors.read_anchors())},
        )
    return content


@dataclass(frozen=True)
class Export:
    name: str  # the zip's file name
    content: bytes
    rows: int


def _manifest_text(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def export(entries, actor, *, filters: dict) -> Export:
    """The entries as a CSV with a signed manifest (sha256 of the CSV, rows, first and last
    sequence numbers, the head, who and when; HMAC under the audit key), zipped together;
    the export recorded in the trail."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    rows, first, last = 0, None, None
    for e in entries.order_by("seq").iterator(chunk_size=2000):
        writer.writerow(
            [
                e.seq,
                e.recorded_at.isoformat(),
                e.business_date.isoformat() if e.business_date else "",
                e.actor_name,
                e.division_code,
                e.action,
                e.outcome,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.sentence,
                json.dumps(e.data, ensure_ascii=False) if e.data is not None else "",
                json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
                e.ip_address or "",
                e.prev_hash,
                e.hash,
                e.hash_version or 1,
            ]
        )
        rows += 1
        first = e.seq if first is None else first
        last = e.seq
    csv_bytes = ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8
    now = timezone.now()
    stem = f"audit-{timezone.localtime(now):%Y%m%d-%H%M%S}"
    head = anchors.head()
    manifest = {
        "file": f"{stem}.csv",
        "sha256": hashlib.sha256(csv_bytes).hexdigest(),
        "rows": rows,
        "first_seq": first,
        "last_seq": last,
        "head": {"seq": head[0], "hash": head[1]} if head else None,
        "filters": jsonable({k: v for k, v in filters.items() if v}),
        "exported_at": now.isoformat(),
        "exported_by": _who(actor),
    }
    manifest["signature"] = sign(_manifest_text(manifest))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.csv", csv_bytes)
        archive.writestr(
            f"{stem}.manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1)
        )
    with transaction.atomic():
        record(
            actor=actor,
            action="audit.export",
            data={
                "a": _who(actor),
                "n": rows,
                "s": first or 0,
                "e": last or 0,
                "file": f"{stem}.zip",
            },
            after={"sha256": manifest["sha256"], "signature": manifest["signature"]},
        )
    return Export(f"{stem}.zip", buffer.getvalue(), rows)


def check_export(content: bytes) -> list[str]:
    """What is wrong with an exported zip (nothing when its CSV is as signed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            manifest_name = next(n for n in names if n.endswith(".manifest.json"))
            manifest = json.loads(archive.read(manifest_name))
            csv_bytes = archive.read(manifest["file"])
    except (zipfile.BadZipFile, StopIteration, KeyError, ValueError):
        return ["not an audit export (no manifest or no CSV)"]
    problems = []
    if not signature_matches(_manifest_text(manifest), manifest.get("signature", "")):
        problems.append("the manifest is not signed with the audit key")
    if hashlib.sha256(csv_bytes).hexdigest() != manifest.get("sha256"):
        problems.append("the CSV differs from the one signed")
    return problems
