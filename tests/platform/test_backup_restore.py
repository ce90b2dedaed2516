"""Hole 12 / Must 5: ``jigai backup`` then ``jigai restore`` into an empty database gives the
same rows in every table, the same money per ledger to the fen, the same audit head and an
intact keyed chain — on SQLite (online backup API) and PostgreSQL (pg_dump of a snapshot,
restored into a fresh database)."""

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jigai.audit import backup
from jigai.audit.models import AuditEntry
from jigai.projects import funding
from jigai.projects.models import Ledger, LedgerEntry

D = dt.date(2023, 7, 1)
ON_PG = os.environ.get("DATABASE_URL", "").startswith("postgres")


def _money(programme, user):
    from tests.platform.test_projects_money import _project

    project = _project(programme, user, name="备份")
    officer = user("yx_officer")
    entry = funding.record_payment(
        project,
        ledger=Ledger.COUNTY,
        amount_fen=12_345_67,
        on_date=D,
        reference="BK-1",
        actor=officer,
    )
    funding.reverse_entry(entry, reason="录错", actor=officer, on_date=D)
    funding.record_payment(
        project,
        ledger=Ledger.OTHER,
        amount_fen=500_00,
        on_date=D,
        reference="BK-2",
        actor=officer,
    )
    return project


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "files"
    (settings.MEDIA_ROOT / "imports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "imports" / "survey.xlsx").write_bytes(b"PK\x03\x04 survey")
    return settings.MEDIA_ROOT


def _round_trip(tmp_path, into, capsys):
    call_command("backup", "--to", str(tmp_path / "backups"))
    assert capsys.readouterr().out.startswith("backup ")
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    head = AuditEntry.objects.order_by("-seq").first()
    assert manifest["chain_head"] == {"seq": head.seq, "hash": head.hash}
    other = LedgerEntry.objects.filter(ledger=Ledger.OTHER).values_list("amount_fen", flat=True)
    assert manifest["ledger"]["fen_per_ledger"][Ledger.OTHER] == sum(other) > 0
    assert manifest["tables"]["audit_auditentry"] == AuditEntry.objects.count()
    assert manifest["tables"]["projects_ledgerentry"] == LedgerEntry.objects.count()
    assert manifest["files"]["count"] == 1
    restored_files = tmp_path / "restored-files"
    call_command("restore", str(folder), "--into", into, "--files", str(restored_files))
    out = capsys.readouterr().out
    assert "counts, money per ledger, audit head and chain match the manifest" in out
    assert (restored_files / "imports" / "survey.xlsx").read_bytes() == b"PK\x03\x04 survey"
    return folder, manifest


def _restored_figures(manifest, overrides):
    with backup.database_alias("check", **overrides) as alias:
        report = backup.check_restored(alias, manifest)
        ledger = dict(
            LedgerEntry.objects.using(alias)
            .filter(ledger__in=[Ledger.COUNTY, Ledger.OTHER])
            .values_list("reference", "amount_fen")
        )
    return report, ledger


@pytest.fixture(scope="module")
def sqlite_scenario(tmp_path_factory):
    """backup_scenario.py in its own process, on a fresh SQLite data folder."""
    work = tmp_path_factory.mktemp("backup")
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        JIGAI_DATA_DIR=str(work / "data"),
        DJANGO_SETTINGS_MODULE="jigai.conf.test_settings",
        PYTHONPATH=os.pathsep.join([str(root / "src"), str(root)]),
    )
    run = subprocess.run(
        [sys.executable, "-m", "tests.platform.backup_scenario", str(work)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_backup_and_restore_on_sqlite(sqlite_scenario):
    run = sqlite_scenario
    manifest, live, restored = run["manifest"], run["live"], run["restored"]
    assert manifest["vendor"] == "sqlite"
    assert manifest["chain_head"] == live["head"]
    assert manifest["tables"]["audit_auditentry"] == live["audit_rows"]
    assert manifest["tables"]["projects_ledgerentry"] == live["ledger_rows"]
    assert manifest["ledger"]["fen_per_ledger"][Ledger.COUNTY] == 0  # paid, then reversed
    assert manifest["ledger"]["fen_per_ledger"][Ledger.OTHER] == 500_00
    assert manifest["files"]["count"] == 1
    assert (
        "counts, money per ledger, audit head and chain match the manifest" in (run["restore_log"])
    )
    assert restored["problems"] == []
    assert restored["found"] == {k: manifest[k] for k in ("tables", "ledger", "chain_head")}
    assert restored["chain_checked"] == live["head"]["seq"]
    assert restored["ledger"] == [["BK-1", 12_345_67], ["BK-2", 500_00], ["冲正 BK-1", -12_345_67]]
    assert run["restored_file"] == "PK\x03\x04 survey"


def test_restore_refusals_and_retention_on_sqlite(sqlite_scenario):
    run = sqlite_scenario
    assert run["kept"] == 2  # three backups with --keep 2
    assert run["backup_log"].count("deleted old backup") == 1
    assert "exists and is not empty" in run["refused_non_empty"]
    assert run["unchanged_after_refusal"] is True
    assert "differs from the manifest's SHA-256" in run["refused_tampered"]
    assert run["tampered_target_created"] is False


def test_a_backup_inside_a_transaction_is_refused_on_sqlite(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with pytest.raises(backup.BackupError, match="outside any transaction"):
        backup.create_backup(tmp_path)


def test_a_restored_database_that_differs_from_the_manifest_is_reported(db):
    manifest = backup.figures("default")
    assert backup.check_restored("default", manifest).problems == []
    manifest["ledger"]["fen_per_ledger"][Ledger.OWNERS] += 1
    manifest["chain_head"]["hash"] = "0" * 64
    manifest["tables"]["projects_project"] += 1
    report = backup.check_restored("default", manifest)
    assert [p.split(":")[0] for p in report.problems] == ["chain_head", "ledger", "tables"]


@pytest.mark.postgres
@pytest.mark.skipif(not ON_PG, reason="pg_dump/pg_restore need PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_on_postgresql(media, tmp_path, capsys):
    from jigai.accounts.models import User
    from jigai.demo.loader import load_demo
    from jigai.programmes.models import Programme

    load_demo()  # a transactional test starts from whatever earlier ones left
    programme = Programme.objects.get(year=2023)
    _money(programme, lambda name: User.objects.get(username=name))
    fresh = f"restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        folder, manifest = _round_trip(tmp_path, fresh, capsys)
        report, ledger = _restored_figures(manifest, {"NAME": fresh})
        assert report.problems == []
        assert report.chain_checked == manifest["chain_head"]["seq"]
        assert ledger == {"BK-1": 12_345_67, "冲正 BK-1": -12_345_67, "BK-2": 500_00}
        with pytest.raises(CommandError, match="is not empty"):
            call_command("restore", str(folder), "--into", fresh, "--files", str(tmp_path / "f2"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
