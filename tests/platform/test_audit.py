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


def drop_audit_triggers():
    """What an attacker with the database file does first (the test's transaction rolls it
    back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update_delete ON audit_auditentry")


def test_tampering_behind_the_applications_back_breaks_the_chain(db):
    # Someone with database rights drops the triggers and edits a row: the chain tells.
    drop_audit_triggers()  # rolled back with the test's transaction
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'rewritten' WHERE seq = 2")
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_broken_seq == 2
    assert "altered" in report.problem
    with pytest.raises(CommandError, match="BROKEN at entry #2"):
        call_command("audit_verify")


def test_deleted_entry_breaks_the_chain(db):
    drop_audit_triggers()
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


def test_reading_the_trail_is_audited_with_the_readers_address(client_as, user):
    client = client_as("auditadmin")
    response = client.get("/audit/", {"action": "programme.update"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    entry = _last()
    assert (entry.action, entry.actor, entry.ip_address) == (
        "audit.read",
        user("auditadmin"),
        "10.1.2.3",
    )
    assert entry.data["f"] == "action=programme.update"
    assert "184" in response.content.decode()  # the retention shown, with the oldest entry


def test_business_entries_carry_the_source_address(programme, user):
    """Business services pass no address: the middleware's context gives it to record()."""
    from django.test import RequestFactory

    from jigai.audit.source import SourceAddressMiddleware

    def view(request):
        programmes.update_parameters(
            programme, {"min_remaining_life_years": 22}, actor=user("zjj_admin"),
            expected_version=1,
        )  # fmt: skip
        return _last()

    entry = SourceAddressMiddleware(view)(RequestFactory().post("/", REMOTE_ADDR="192.0.2.44"))
    assert (entry.action, entry.ip_address) == ("programme.update", "192.0.2.44")
    with transaction.atomic():  # outside a request: no address
        entry = audit.record(actor=None, actor_name="t", action="demo.load", data={"n": 1})
    assert entry.ip_address is None


def test_audit_admin_exports_a_signed_file_and_the_export_is_audited(client_as):
    from jigai.audit import oversight

    client = client_as("auditadmin")
    count = AuditEntry.objects.filter(action="demo.load").count()
    response = client.post("/audit/export/", {"action": "demo.load"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert oversight.check_export(response.content) == []
    entry = _last()
    assert (entry.action, entry.data["n"]) == ("audit.export", count)
    response = client.post("/audit/anchors/")
    assert response.status_code == 200
    assert b'"sig"' in response.content
    assert _last().action == "audit.anchors"


def test_others_cannot_export_or_download_anchors(client_as):
    client = client_as("sjj_auditor")  # reads the trail, but is not its administrator
    count = AuditEntry.objects.count()
    assert client.post("/audit/export/").status_code == 403
    assert client.post("/audit/anchors/").status_code == 403
    assert AuditEntry.objects.count() == count


def test_retention_below_184_days_is_refused(settings, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from jigai.audit.apps import retention_check
    from jigai.conf.env import env_int

    settings.AUDIT_RETENTION_DAYS = 90
    assert [e.id for e in retention_check()] == ["jigai.audit.E001"]
    settings.AUDIT_RETENTION_DAYS = 365
    assert retention_check() == []
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "30")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 184"):
        env_int("AUDIT_RETENTION_DAYS", 184, minimum=184)
