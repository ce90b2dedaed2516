"""Hole 7: tampering with the database file behind the application's back, as an attacker
with the file (or database rights) but not the audit key would — each attack is detected.

Runs on SQLite and, with a PostgreSQL DATABASE_URL, on PostgreSQL (the triggers differ)."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from jigai.audit import anchors, oversight
from jigai.audit import services as audit
from jigai.audit.models import AuditEntry
from jigai.audit.verification import verify_all
from jigai.projects import funding
from jigai.projects.models import Ledger, LedgerEntry
from tests.platform.test_audit import drop_audit_triggers
from tests.platform.test_projects_money import _project

D = dt.date(2023, 7, 1)


def _drop_ledger_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER ledger_entry_no_update")
            cursor.execute("DROP TRIGGER ledger_entry_no_delete")
        else:
            cursor.execute("DROP TRIGGER ledger_entry_no_update_delete ON projects_ledgerentry")


def _head():
    return AuditEntry.objects.order_by("-seq").first()


def _rewrite_and_recompute(seq, *, version):
    """Edit entry ``seq`` and recompute the hashes of it and every later entry as the code
    says — without the key: unkeyed SHA-256 (version 2) or an HMAC under a guessed key."""
    drop_audit_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET actor_name = %s WHERE seq = %s", ["改写者", seq]
        )
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else audit.GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        entry.hash_version = version
        if version == 2:
            entry.hash = audit.entry_hash(entry)
        else:
            from django.test import override_settings

            with override_settings(AUDIT_HMAC_KEY="a-guessed-key-0123456789abcdef0123"):
                entry.hash = audit.entry_hash(entry)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditentry SET prev_hash = %s, hash = %s, hash_version = %s "
                "WHERE seq = %s",
                [entry.prev_hash, entry.hash, version, entry.seq],
            )
        prev = entry.hash


def test_new_entries_are_keyed(db, settings):
    with transaction.atomic():
        entry = audit.record(actor=None, actor_name="t", action="demo.load", data={"n": 1})
    assert entry.hash_version == 3
    settings.AUDIT_HMAC_KEY = "another-key-0123456789abcdef0123456789"
    assert audit.entry_hash(entry) != entry.hash  # the hash depends on the key


@pytest.mark.parametrize("version", [2, 3])
def test_rewriting_and_recomputing_without_the_key_is_detected(db, version):
    seq = _head().seq - 3
    _rewrite_and_recompute(seq, version=version)
    report = audit.verify_chain()
    assert (report.ok, report.first_broken_seq) == (False, seq)
    assert "altered" in report.problem
    with pytest.raises(CommandError, match=f"BROKEN at entry #{seq}"):
        call_command("verify")


def test_rewriting_the_whole_chain_unkeyed_is_caught_by_an_anchor(db):
    anchored = anchors.write_anchor()
    _rewrite_and_recompute(1, version=2)  # every row recomputed: no keyed row remains,
    assert AuditEntry.objects.filter(hash_version=3).count() == 0  # the chain alone links up
    result = verify_all()
    assert result.chain.ok
    assert result.findings == [
        f"entry #{anchored.seq} differs from its anchor on line 1 ({anchored.at}): "
        "the chain was rewritten"
    ]


def test_truncating_the_last_entries_is_detected(db, capsys):
    for n in range(3):
        with transaction.atomic():
            audit.record(actor=None, actor_name="t", action="demo.load", data={"n": n})
    anchored = anchors.write_anchor()
    drop_audit_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq > %s", [anchored.seq - 3])
    assert audit.verify_chain().ok  # what is left still links up: only the anchor tells
    result = verify_all()
    assert result.findings == [
        f"anchor line 1 ({anchored.at}) names entry #{anchored.seq} but the chain ends at "
        f"#{anchored.seq - 3}: entries were cut off the end"
    ]
    with pytest.raises(CommandError, match="cut off the end"):
        call_command("verify")
    out = capsys.readouterr().out
    assert "anchors checked: 1" in out


def test_deleting_a_middle_entry_is_detected(db):
    anchored = anchors.write_anchor()
    middle = anchored.seq // 2
    drop_audit_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [middle])
    result = verify_all()
    assert (result.chain.first_broken_seq, result.chain.problem) == (
        middle,
        f"entry #{middle} is missing",
    )
    assert not result.ok


def test_a_forged_anchor_line_is_detected(db):
    anchors.write_anchor()
    head = _head()
    forged = {"seq": head.seq, "hash": head.hash, "at": "2023-01-01T00:00:00+00:00", "sig": "0"}
    with anchors.anchor_file().open("a") as out:
        out.write(json.dumps(forged) + "\n")
    assert verify_all().findings == [
        "anchor line 2 is not signed with the audit key (forged or edited)"
    ]


def _paid(programme, user):
    project = _project(programme, user, name="篡改")
    entry = funding.record_payment(
        project,
        ledger=Ledger.COUNTY,
        amount_fen=12_345_00,
        on_date=D,
        reference="XQ-T-1",
        actor=user("yx_officer"),
    )
    return project, entry


def test_ledger_rows_cannot_be_changed_or_deleted(programme, user):
    project, entry = _paid(programme, user)
    for sql in (
        "UPDATE projects_ledgerentry SET amount_fen = amount_fen * 100",
        "DELETE FROM projects_ledgerentry",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert LedgerEntry.objects.get(pk=entry.pk).amount_fen == 12_345_00


def test_ledger_amount_multiplied_behind_the_back_is_detected(programme, user):
    project, entry = _paid(programme, user)
    assert verify_all().ok
    _drop_ledger_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE projects_ledgerentry SET amount_fen = amount_fen * 100 WHERE id = %s",
            [entry.pk],
        )
    assert funding.balances(project)[Ledger.COUNTY] == 1_234_500_00  # the page would show it
    result = verify_all()
    assert result.chain.ok  # the trail itself is untouched
    assert result.findings == [
        f"ledger row {entry.pk}: amount_fen is 123450000 in the table but 1234500 in audit "
        f"entry #{_seq_of(entry)}",
        f"project {project.code}, ledger county: the table totals 123450000 fen, the audit "
        "entries 1234500 fen",
    ]
    with pytest.raises(CommandError, match="2 finding"):
        call_command("verify")


def _seq_of(entry):
    return AuditEntry.objects.get(action="money.county", after__entry=entry.pk).seq


def test_ledger_rows_inserted_or_deleted_behind_the_back_are_detected(programme, user):
    project, entry = _paid(programme, user)
    reversal = funding.reverse_entry(entry, reason="录错", actor=user("yx_officer"), on_date=D)
    assert verify_all().ok  # a reversal is audited with its amount and date
    _drop_ledger_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM projects_ledgerentry WHERE id = %s", [reversal.pk])
    findings = verify_all().findings
    assert findings == [
        f"ledger row {reversal.pk} written with audit entry #{_reversal_seq(reversal)} is "
        "missing from the table",
        f"project {project.code}, ledger county: the table totals 1234500 fen, the audit "
        "entries 0 fen",
    ]


def _reversal_seq(reversal):
    return AuditEntry.objects.get(action="money.reverse", after__entry=reversal.pk).seq


def test_verify_prints_its_figures(db, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("verify")
    out = capsys.readouterr().out
    assert "audit chain intact" in out
    assert "anchors checked: 0" in out and "ledger rows checked: " in out
    assert "no findings; head anchored" in out
    assert len(anchors.read_anchors()) == 1  # a clean verification anchors the head
    entry = _head()
    assert (entry.action, entry.actor_name, entry.outcome) == (
        "audit.verify",
        "jigai verify",
        "done",
    )


def test_signed_export_detects_an_edited_csv(db, user):
    export = oversight.export(AuditEntry.objects.all(), user("auditadmin"), filters={})
    assert oversight.check_export(export.content) == []
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    name = next(n for n in files if n.endswith(".csv"))
    files[name] = files[name].replace(b"demo.load", b"demo.lost", 1)
    edited = io.BytesIO()
    with zipfile.ZipFile(edited, "w") as archive:
        for n, data in files.items():
            archive.writestr(n, data)
    assert oversight.check_export(edited.getvalue()) == ["the CSV differs from the one signed"]


def test_the_key_file_is_created_0600_and_refused_when_readable_by_others(db, settings, tmp_path):
    import os
    import stat

    from django.core.exceptions import ImproperlyConfigured

    from jigai.audit import keys

    settings.AUDIT_HMAC_KEY = ""
    settings.AUDIT_HMAC_KEY_FILE = tmp_path / "data" / "audit-hmac.key"
    call_command("setup", "--no-static", stdout=__import__("io").StringIO())
    path = settings.AUDIT_HMAC_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) == 64
    with transaction.atomic():
        entry = audit.record(actor=None, actor_name="t", action="demo.load", data={"n": 1})
    assert audit.entry_hash(entry) == entry.hash
    os.chmod(path, 0o644)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        keys.hmac_key()
