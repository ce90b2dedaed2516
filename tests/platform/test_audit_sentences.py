"""Audit entries store an action type and its data; the sentence is rendered when read,
in the reader's language; the hash chain (version 2, keyed since version 3) covers the data."""

import hashlib
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone, translation

from jigai.audit import messages
from jigai.audit import services as audit
from jigai.audit.models import AuditEntry
from jigai.programmes import services as programmes
from jigai.projects.models import Ledger
from jigai.projects.workflow import ACTIONS
from tests.platform.test_audit import drop_audit_triggers

SRC = Path(__file__).resolve().parents[2] / "src" / "jigai"

MONEY = {"a": "王会计", "l": "owners", "y": 1250050, "p": "YQ-2023-001", "r": "PZ-7"}
# 1 250 050 fen = 12 500.50 yuan; ledger "owners" → its label in the reader's language.
MONEY_EN = (
    "王会计 recorded Owners' payments (业主自筹) of 12,500.50 yuan for YQ-2023-001 (voucher PZ-7)"
)
MONEY_ZH = "王会计 为项目 YQ-2023-001 登记业主自筹资金 12,500.50 元（凭证号 PZ-7）"


def _record(action, data, **extra):
    with transaction.atomic():
        return audit.record(actor=None, actor_name="t", action=action, data=data, **extra)


@pytest.mark.parametrize("writer", ["en", "zh-hans"])
def test_sentence_is_in_the_readers_language_whatever_the_writers(db, writer):
    with translation.override(writer):
        entry = _record("money.owners", MONEY)
    stored = AuditEntry.objects.get(pk=entry.pk)
    # raw values are stored: fen as an int, the ledger's code, no sentence
    assert stored.data == MONEY and isinstance(stored.data["y"], int)
    assert stored.summary == ""
    assert stored.hash_version == audit.HASH_VERSION == 3
    with translation.override("zh-hans"):
        assert stored.sentence == MONEY_ZH
    with translation.override("en"):
        assert stored.sentence == MONEY_EN


def test_service_entry_written_in_chinese_reads_in_english(programme, user):
    with translation.override("zh-hans"):
        programmes.update_parameters(
            programme, {"min_remaining_life_years": 25}, actor=user("zjj_admin"), expected_version=1
        )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.data == {"fields": ["min_remaining_life_years"], "p": "阳泉市 2023"}
    with translation.override("en"):
        assert entry.sentence == (
            "Changed minimum remaining service life after retrofit [years] of programme 阳泉市 2023"
        )
    with translation.override("zh-hans"):
        assert entry.sentence == "修改了实施方案 阳泉市 2023 的改造后最低剩余使用年限 [年]"


def test_audit_page_shows_the_sentence_in_the_readers_language(db, client_as):
    with translation.override("en"):
        _record("money.owners", MONEY)
    page = client_as("sjj_auditor").get("/audit/").content.decode()
    assert MONEY_ZH in page
    assert MONEY_EN not in page


def _v1_hash(row: dict) -> str:
    """The hash as version 1 computed it (no data, no version), written out independently."""
    body = {k: row[k] for k in row if k not in ("data", "hash_version", "hash")}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _legacy_row(seq: int, prev_hash: str, now) -> dict:
    return {
        "seq": seq,
        "recorded_at": audit.jsonable(now),
        "business_date": timezone.localdate(now).isoformat(),
        "actor_id": None,
        "actor_name": "旧记录",
        "division_code": "",
        "action": "legacy.event",
        "outcome": "done",
        "object_type": "",
        "object_id": "",
        "object_repr": "",
        "summary": "旧格式的记录",
        "before": None,
        "after": {"n": 1},
        "ip_address": None,
        "prev_hash": prev_hash,
    }


def _insert_legacy(row: dict, now) -> AuditEntry:
    old = AuditEntry(
        **{k: v for k, v in row.items() if k not in ("recorded_at", "business_date")},
        recorded_at=now,
        business_date=timezone.localdate(now),
        hash=_v1_hash(row),
    )
    old.save()
    return old


def test_old_entries_without_data_still_verify_and_show_their_summary(db):
    """A trail begun before data (version 1) and before the key (versions 1 and 2) verifies
    each entry by its own version, then continues keyed."""
    drop_audit_triggers()  # rolled back with the test's transaction: start a trail afresh
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    now = timezone.now()
    old = _insert_legacy(_legacy_row(1, audit.GENESIS, now), now)
    assert old.hash_version is None and old.data is None
    assert audit.entry_hash(old) == old.hash  # version-1 hashing is unchanged
    v2 = AuditEntry(
        seq=2, recorded_at=now, business_date=timezone.localdate(now), actor_name="t",
        action="demo.load", outcome="done", data={"n": 2}, prev_hash=old.hash, hash_version=2,
    )  # fmt: skip
    v2.hash = audit.entry_hash(v2)  # unkeyed SHA-256, as version 2 computed it
    v2.save()
    new = _record("demo.load", {"n": 3})
    assert (new.seq, new.prev_hash, new.hash_version) == (3, v2.hash, 3)
    report = audit.verify_chain()
    assert report.ok and report.checked == 3
    with translation.override("en"):
        assert AuditEntry.objects.get(seq=old.seq).sentence == "旧格式的记录"
        assert AuditEntry.objects.get(seq=new.seq).sentence == "Loaded the demo: 3 demo accounts"
    call_command("audit_verify")  # no error


def test_an_old_format_entry_after_a_keyed_one_is_a_forgery(db):
    """Only someone without the key writes an unkeyed entry once the trail is keyed."""
    last = AuditEntry.objects.order_by("-seq").first()
    assert last.hash_version == 3
    now = timezone.now()
    old = _insert_legacy(_legacy_row(last.seq + 1, last.hash, now), now)
    assert audit.entry_hash(old) == old.hash  # its own hash fits…
    report = audit.verify_chain()  # …but its version does not
    assert (report.first_broken_seq, report.problem) == (
        old.seq,
        f"entry #{old.seq} was altered (hash version 1)",
    )


@pytest.mark.parametrize(
    "column, value",
    [
        # the amount changed from 12 500.50 to 99 999.99 yuan, the summary left alone
        ("data", json.dumps({**MONEY, "y": 9999999}, ensure_ascii=False)),
        # downgraded to version 1 so that the data would not be hashed
        ("hash_version", None),
    ],
)
def test_tampering_with_the_data_of_a_new_entry_breaks_the_chain(db, column, value):
    entry = _record("money.owners", MONEY)
    _record("demo.load", {"n": 1})
    assert audit.verify_chain().ok
    drop_audit_triggers()  # rolled back with the test's transaction
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_auditentry SET {column} = %s WHERE seq = %s", [value, entry.seq]
        )
    report = audit.verify_chain()
    assert report.first_broken_seq == entry.seq
    assert "altered" in report.problem
    with pytest.raises(CommandError, match=f"BROKEN at entry #{entry.seq}"):
        call_command("audit_verify")


def test_unregistered_action_type_is_refused_and_nothing_is_written(db):
    count = AuditEntry.objects.count()
    with pytest.raises(messages.UnregisteredAction, match="no.such_action"):
        _record("no.such_action", {"n": 1})
    with pytest.raises(TypeError, match="not a summary"), transaction.atomic():
        audit.record(actor=None, action="demo.load", summary="Loaded the demo")
    with pytest.raises(TypeError, match="data must be a dict"), transaction.atomic():
        audit.record(actor=None, action="demo.load")
    assert AuditEntry.objects.count() == count


def _application_sources():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_no_call_site_passes_a_summary():
    offenders = [
        str(path.relative_to(SRC))
        for path, text in _application_sources()
        if path != SRC / "audit" / "services.py" and re.search(r"\bsummary=|\"summary\":", text)
    ]
    assert offenders == []


def test_every_action_type_written_is_registered():
    literal = re.compile(r"""\baction=\s*"([a-z_]+\.[a-z_]+)"|"action":\s*"([a-z_]+\.[a-z_]+)\"""")
    written = {
        a or b
        for path, text in _application_sources()
        if "audit.record" in text or "record_security_event" in text
        for a, b in literal.findall(text)
    }
    assert {"programme.load", "money.reverse", "survey.create", "security.login"} <= written
    # the two families written with f-strings: the workflow's actions and the ledgers
    written |= {f"project.{name}" for name in ACTIONS} | {f"money.{v}" for v in Ledger.values}
    assert sorted(a for a in written if not messages.is_registered(a)) == []


def test_every_registered_sentence_has_a_chinese_translation():
    def texts(language):
        with translation.override(language):
            return {action: str(m.template) for action, m in messages.REGISTRY.items()}

    english, chinese = texts("en"), texts("zh-hans")
    assert sorted(a for a in english if english[a] == chinese[a]) == []
