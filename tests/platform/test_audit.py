"""The audit trail: same transaction as the change, hash chain, refused UPDATE/DELETE."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from jigai.audit import services as audit
from jigai.audit.models import AppendOnlyError, AuditEntry
from jigai.programmes import services as programmes


def _last():
    return AuditEntry.objects.order_by("-seq").first()


def test_record_links_to_the_previous_entry(db):
    previous = _last()
    with transaction.atomic():
        entry = audit.record(actor=None, actor_name="t", action="demo.load", data={"n": 1})
    assert entry.seq == previous.seq + 1
    assert entry.prev_hash == previous.hash
    assert entry.hash == audit.entry_hash(entry)


def test_record_outside_a_transaction_is_refused(db, monkeypatch):
    count = AuditEntry.objects.count()
    monkeypatch.setattr(connections["default"], "in_atomic_block", False)
    with pytest.raises(audit.AuditOutsideTransaction):
        audit.record(actor=None, action="demo.load", data={"n": 1})
    monkeypatch.undo()
    assert AuditEntry.objects.count() == count


def test_change_and_audit_entry_roll_back_together(programme, user):
    admin = user("zjj_admin")
    count = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        programmes.update_parameters(
            programme, {"min_remaining_life_years": 25}, actor=admin, expected_version=None
        )
        raise RuntimeError("something after the change failed")
    programme.refresh_from_db()
    assert programme.min_remaining_life_years == 20
    assert AuditEntry.objects.count() == count


def test_entry_records_who_what_before_after(programme, user):
    admin = user("zjj_admin")
    programmes.update_parameters(
        programme, {"min_remaining_life_years": 25}, actor=admin, expected_version=1
    )
    entry = _last()
    assert entry.action == "programme.update"
    assert entry.actor == admin
    assert entry.actor_name == "王建国（市住建局）"
    assert entry.before == {"min_remaining_life_years": 20}
    assert entry.after == {"min_remaining_life_years": 25}
    assert entry.object_type == "programmes.Programme"
    assert entry.object_id == str(programme.pk)
    assert entry.business_date is not None and entry.recorded_at is not None
    prev = AuditEntry.objects.get(seq=entry.seq - 1)
    assert entry.prev_hash == prev.hash


def test_chain_verifies(db):
    report = audit.verify_chain()
    assert report.ok
    assert report.checked == AuditEntry.objects.count() > 0


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET summary = 'rewritten'",
        "DELETE FROM audit_auditentry",
    ],
)
def test_database_refuses_update_and_delete(db, sql):
    before = list(AuditEntry.objects.order_by("seq").values_list("seq", "summary", "hash"))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", "summary", "hash")) == before


def test_queryset_update_and_delete_are_refused_by_the_database(db):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().update(summary="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1)._raw_delete(connection.alias)


def test_model_save_and_delete_are_refused(db):
    entry = _last()
    entry.summary = "x"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def _drop_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update_delete ON audit_auditentry")


def test_tampering_behind_the_applications_back_breaks_the_chain(db):
    # Someone with database rights drops the triggers and edits a row: the chain tells.
    _drop_triggers()  # rolled back with the test's transaction
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'rewritten' WHERE seq = 2")
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_broken_seq == 2
    assert "altered" in report.problem
    with pytest.raises(CommandError, match="BROKEN at entry #2"):
        call_command("audit_verify")


def test_deleted_entry_breaks_the_chain(db):
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 1")
    report = audit.verify_chain()
    assert report.first_broken_seq == 1
    assert "missing" in report.problem


def test_verify_command_reports_intact_chain(db, capsys):
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out


def test_audit_admin_verifies_from_the_page(client_as):
    client = client_as("auditadmin")
    before = AuditEntry.objects.count()
    response = client.post("/audit/verify/")
    assert response.status_code == 200
    assert response.context["report"].ok
    assert response.context["report"].checked == before
    assert response.context["result"].findings == []
    assert _last().action == "audit.verify"  # the verification itself is audited
    assert _last().data["n"] == before


def test_audit_admin_browses_and_filters(client_as, programme, user):
    programmes.update_parameters(
        programme, {"min_remaining_life_years": 21}, actor=user("zjj_admin"), expected_version=1
    )
    client = client_as("auditadmin")
    response = client.get("/audit/", {"action": "programme.update"})
    assert response.status_code == 200
    entries = list(response.context["page"])
    assert [e.action for e in entries] == ["programme.update"]
    assert "王建国" in response.content.decode()
