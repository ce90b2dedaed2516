"""Backup and restore timings (RPO/RTO inputs) on a throw-away platform database.

    python benchmarks/backup_restore.py [--buildings N]

Sets up a fresh SQLite data folder (or the PostgreSQL DATABASE_URL given, restoring into a
new database beside it), loads the demo with N synthetic buildings (default: the demo's
1,200), then runs ``jigai backup`` and ``jigai restore`` into an empty database and prints
the database's size, the backup's time and size, and the restore's time (including the
check of every table's rows, the money per ledger, the head and the whole keyed chain).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jigai-backup-bench-"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("JIGAI_HTTPS", "false")
    os.environ["JIGAI_DATA_DIR"] = str(tmp / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jigai.conf.test_settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from jigai.audit.backup import create_backup, restore
    from jigai.demo.loader import DEMO_BUILDINGS, load_demo

    buildings = DEMO_BUILDINGS if args.buildings is None else args.buildings
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo(buildings=buildings)
    print(f"set up: {buildings:,} buildings in {time.perf_counter() - started:.1f} s")
    settings.MEDIA_ROOT = tmp / "files"
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    folder, manifest = create_backup(tmp / "backups")
    size = sum(p.stat().st_size for p in folder.iterdir())
    rows = sum(manifest["tables"].values())
    print(
        f"backup: {manifest['vendor']}, {rows:,} rows, audit head #{manifest['chain_head']['seq']}"
        f"; {size / 1e6:.1f} MB in {manifest['seconds']:.2f} s"
    )
    if connection.vendor == "sqlite":
        into = str(tmp / "restored" / "jigai.sqlite3")
    else:
        into = f"bench_restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{into}"')
    try:
        report = restore(folder, into=into, media_root=tmp / "restored-files")
        print(
            f"restore + verification: {report.seconds:.2f} s "
            f"({report.chain_checked:,} audit entries verified; "
            f"{'all match' if report.ok else report.problems})"
        )
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{into}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)  # the copies are as large as the database
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
