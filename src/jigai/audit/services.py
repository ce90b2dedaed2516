"""Writing and verifying the audit trail.

Every business action calls :func:`record` inside its own ``transaction.atomic``
block, so the change and its audit row commit or roll back together. Each row's
hash covers its content and the previous row's hash (a hash chain), so an edit
made behind the application's back — even with the triggers dropped — shows up
in :func:`verify_chain`. Since hash version 3 the hash is an HMAC under a key kept
outside the database (:mod:`jigai.audit.keys`): whoever edits the database without
the key cannot recompute the chain after an edit, and the chain's head is anchored
outside the database (:mod:`jigai.audit.anchors`), so cutting its end off shows too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from jigai.audit import messages
from jigai.audit.keys import hmac_key
from jigai.audit.models import AuditEntry
from jigai.audit.source import current_address

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x6A69676169  # "jigai": serialises chain appends on PostgreSQL


class AuditOutsideTransaction(RuntimeError):
    """record() was called outside the transaction of the change it describes."""


def jsonable(value: Any) -> Any:
    """Convert a value to plain JSON types, losslessly for what we store."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


HASH_VERSION = 3  # what new entries are hashed with
KEYED = 3  # the first keyed version: HMAC-SHA256 under the audit key


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the row's content and the previous row's hash.

    Version 1 (rows written before entries carried data; ``hash_version`` NULL or 1)
    covers the fields below; version 2 adds the sentence data and the version itself,
    so changing either of a new row shows in :func:`verify_chain`; version 3 is an
    HMAC-SHA256 under the audit key (:mod:`jigai.audit.keys`) over version 2's body."""
    body = {
        "seq": entry.seq,
        "recorded_at": jsonable(entry.recorded_at),
        "business_date": jsonable(entry.business_date),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "division_code": entry.division_code,
        "action": entry.action,
        "outcome": entry.outcome,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
        "ip_address": entry.ip_address,
        "prev_hash": entry.prev_hash,
    }
    version = getattr(entry, "hash_version", None) or 1
    if version >= 2:
        body["data"] = entry.data
        body["hash_version"] = version
    text = _canonical(body).encode("utf-8")
    if version >= KEYED:
        return hmac.new(hmac_key(), text, hashlib.sha256).hexdigest()
    return hashlib.sha256(text).hexdigest()


def _lock_chain_head(conn=None) -> None:
    conn = conn or connection
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    # SQLite: transactions begin IMMEDIATE (settings), so writers are already serialised.


def record(**fields) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction.

    Fields: actor, action, data (the raw values of the action's registered sentence,
    see :mod:`jigai.audit.messages`), and optionally obj, before, after, division_code,
    business_date, outcome, ip_address, actor_name.
    """
    return record_many([fields])[0]


def record_many(entries: list[dict], *, model=None, using: str = "default") -> list[AuditEntry]:
    """Append several entries (one lock, one insert), in the caller's transaction.

    A data migration passes its historical model (``apps.get_model("audit", "AuditEntry")``)
    and its connection's alias (``schema_editor.connection.alias``): the entries join the
    same chain, hashed the same way, inside the migration's transaction. Only such a
    migration (``model`` given) may still pass a literal ``summary`` (hash version 1): the
    application writes ``data`` of a registered action type (hash version 2)."""
    if model is None:  # the application, not a data migration
        for fields in entries:
            _check_sentence(fields)
    model = model or AuditEntry
    conn = connections[using]
    if not conn.in_atomic_block:
        raise AuditOutsideTransaction("audit.record() must run inside transaction.atomic()")
    _lock_chain_head(conn)
    last = model.objects.using(using).order_by("-seq").values("seq", "hash").first()
    seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
    now = timezone.now()
    rows = []
    for fields in entries:
        seq += 1
        entry = _entry(model, seq=seq, prev_hash=prev, recorded_at=now, **fields)
        entry.hash = entry_hash(entry)
        prev = entry.hash
        rows.append(entry)
    return model.objects.using(using).bulk_create(rows, batch_size=1000)


def _entry(
    model,
    *,
    seq: int,
    prev_hash: str,
    recorded_at,
    actor,
    action: str,
    data: dict | None = None,
    summary: str = "",
    obj=None,
    before: dict | None = None,
    after: dict | None = None,
    division_code: str = "",
    business_date: dt.date | None = None,
    outcome: str = AuditEntry.Outcome.DONE,
    ip_address: str | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    return model(
        seq=seq,
        recorded_at=recorded_at,
        business_date=business_date or timezone.localdate(recorded_at),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name if actor_name is not None else _actor_label(actor),
        division_code=division_code,
        action=action,
        outcome=outcome,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        summary=summary,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        ip_address=ip_address if ip_address is not None else current_address(),
        prev_hash=prev_hash,
        **_sentence_fields(model, data),
    )


def _check_sentence(fields: dict) -> None:
    """Refuse (as a programming error) an entry that cannot be rendered for every reader."""
    action = fields.get("action", "")
    if "summary" in fields:
        raise TypeError(
            f"audit entry {action!r}: pass data=, not a summary built in the writer's language"
        )
    if not messages.is_registered(action):
        raise messages.UnregisteredAction(
            f"audit action {action!r} has no registered sentence (its app's audit_messages)"
        )
    if not isinstance(fields.get("data"), dict):
        raise TypeError(f"audit entry {action!r}: data must be a dict")


def _sentence_fields(model, data: dict | None) -> dict:
    """The data and hash version of a new row (none on a model older than those fields).

    Every new row is keyed (a data migration's row with a summary too), so that a row of
    an older version after a keyed one can only be a forgery (:func:`verify_chain`)."""
    names = {f.name for f in model._meta.get_fields()}
    if "hash_version" not in names:
        return {}
    return {"data": jsonable(data) if data is not None else None, "hash_version": HASH_VERSION}


def record_security_event(**kwargs) -> AuditEntry:
    """Record an event that is not part of a data change (login, lockout…)."""
    with transaction.atomic():
        return record(**kwargs)


def _actor_label(actor) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return ""
    return f"{actor.display_name}（{actor.organisation.short_name or actor.organisation.name}）"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(batch: int = 2000, *, using: str = "default") -> ChainReport:
    """Walk the whole chain in order; report the first row that does not fit.

    Besides gaps, broken links and altered rows, a row of an unkeyed version after a keyed
    one is a finding: only someone without the key writes one (to recompute the chain)."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    keyed = False
    rows = AuditEntry.objects.using(using).order_by("seq").iterator(chunk_size=batch)
    for entry in rows:
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(
                checked, entry.seq, f"entry #{entry.seq} does not link to its predecessor"
            )
        version = entry.hash_version or 1
        if version > HASH_VERSION or (keyed and version < KEYED):
            return ChainReport(
                checked, entry.seq, f"entry #{entry.seq} was altered (hash version {version})"
            )
        keyed = keyed or version >= KEYED
        if not hmac.compare_digest(entry_hash(entry), entry.hash):
            return ChainReport(checked, entry.seq, f"entry #{entry.seq} was altered")
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked, None, "")


def model_snapshot(obj, fields: list[str]) -> dict:
    """The given fields of a model instance as audit-ready JSON (FKs as ids)."""
    snap = {}
    for name in fields:
        field = obj._meta.get_field(name)
        snap[name] = jsonable(getattr(obj, field.attname))
    return snap


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values changed, as (before, after)."""
    changed = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def field_names(names) -> list[str]:
    """The changed fields' names, sorted, for an entry's data (rendered as labels)."""
    return sorted(names)
