"""The SQLite backup round trip, run in its own process on a database file (the test suite's
database is an in-memory one inside a transaction, which SQLite's online backup cannot copy):
a fresh data folder, migrations, the demo, a project with payments and a reversal, then
``jigai backup`` three times with ``--keep 2``, ``jigai restore`` into a new file, and the
refusals. Prints its findings as JSON (read by test_backup_restore.py).

    python -m tests.platform.backup_scenario WORKDIR
"""

import datetime as dt
import io
import json
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path


def main(work: Path) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from jigai.accounts.models import User
    from jigai.audit import backup
    from jigai.audit.models import AuditEntry
    from jigai.demo.loader import load_demo
    from jigai.programmes.models import Programme
    from jigai.projects import funding
    from jigai.projects.models import Ledger, LedgerEntry
    from tests.platform.test_projects_money import _project

    out: dict = {}
    call_command("migrate", verbosity=0)
    load_demo()
    user = lambda name: User.objects.get(username=name)  # noqa: E731
    project = _project(Programme.objects.get(year=2023), user, name="备份")
    officer, day = user("yx_officer"), dt.date(2023, 7, 1)
    paid = funding.record_payment(
        project, ledger=Ledger.COUNTY, amount_fen=12_345_67, on_date=day,
        reference="BK-1", actor=officer,
    )  # fmt: skip
    funding.reverse_entry(paid, reason="录错", actor=officer, on_date=day)
    funding.record_payment(
        project, ledger=Ledger.OTHER, amount_fen=500_00, on_date=day,
        reference="BK-2", actor=officer,
    )  # fmt: skip
    media = Path(settings.MEDIA_ROOT)
    (media / "imports").mkdir(parents=True, exist_ok=True)
    (media / "imports" / "survey.xlsx").write_bytes(b"PK\x03\x04 survey")
    backups = work / "backups"
    log = io.StringIO()
    with redirect_stdout(log):
        for _ in range(3):
            call_command("backup", "--to", str(backups), "--keep", "2", stdout=log)
    out["backup_log"] = log.getvalue()
    folders = sorted(p for p in backups.iterdir())
    out["kept"] = len(folders)
    folder = folders[-1]
    manifest = json.loads((folder / "manifest.json").read_text())
    head = AuditEntry.objects.order_by("-seq").first()
    out["manifest"] = manifest
    out["live"] = {
        "head": {"seq": head.seq, "hash": head.hash},
        "audit_rows": AuditEntry.objects.count(),
        "ledger_rows": LedgerEntry.objects.count(),
    }
    into = work / "restored" / "jigai.sqlite3"
    files = work / "restored" / "files"
    started = time.perf_counter()
    restore_log = io.StringIO()
    call_command("restore", str(folder), "--into", str(into), "--files", str(files),
                 stdout=restore_log)  # fmt: skip
    out["restore_seconds"] = time.perf_counter() - started
    out["restore_log"] = restore_log.getvalue()
    out["restored_file"] = (files / "imports" / "survey.xlsx").read_bytes().decode("latin-1")
    with backup.database_alias("check", NAME=str(into), OPTIONS={}) as alias:
        report = backup.check_restored(alias, manifest)
        out["restored"] = {
            "problems": report.problems,
            "chain_checked": report.chain_checked,
            "found": report.found,
            "ledger": sorted(
                LedgerEntry.objects.using(alias)
                .filter(project__code=project.code)
                .values_list("reference", "amount_fen")
            ),
        }
    size = into.stat().st_size
    try:
        call_command("restore", str(folder), "--into", str(into), "--files", str(work / "f2"))
    except CommandError as exc:
        out["refused_non_empty"] = str(exc)
    out["unchanged_after_refusal"] = into.stat().st_size == size
    dump = folder / "database.sqlite3"
    dump.write_bytes(dump.read_bytes()[:-1] + b"\x00")
    try:
        call_command(
            "restore", str(folder), "--into", str(work / "x.sqlite3"), "--files", str(work / "f3")
        )
    except CommandError as exc:
        out["refused_tampered"] = str(exc)
    out["tampered_target_created"] = (work / "x.sqlite3").exists()
    return out


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1])), ensure_ascii=False))
