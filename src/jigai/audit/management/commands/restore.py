"""``jigai restore BACKUP``: into an empty database and files folder, then verified against
the backup's manifest (rows per table, money per ledger, audit head and chain)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jigai.audit.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder into an empty database (the configured one, or --into: a "
        "SQLite file or an empty PostgreSQL database's name) and verify it."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)
        parser.add_argument("--into", help="SQLite file / PostgreSQL database to restore into")
        parser.add_argument("--files", type=Path, help="files folder (default MEDIA_ROOT)")

    def handle(self, *args, backup, into=None, files=None, **options):
        try:
            report = restore(backup, into=into, media_root=files)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(report.found["tables"].values())
        self.stdout.write(
            f"restored {backup.name}: {rows:,} rows in {len(report.found['tables'])} tables, "
            f"{report.chain_checked:,} audit entries verified, {report.seconds:.2f} s"
        )
        for problem in report.problems:
            self.stdout.write(f"MISMATCH: {problem}")
        if not report.ok:
            raise CommandError(f"the restored data differ from the backup: {report.problems[0]}")
        self.stdout.write("counts, money per ledger, audit head and chain match the manifest")
