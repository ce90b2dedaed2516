"""``jigai backup``: the database and the uploaded files, with a manifest of counts, money
and the audit chain's head (see jigai.audit.backup); ``--keep N`` / ``--keep-days D``
delete older backups (run daily by a timer, docs/deploy.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jigai.audit.backup import BackupError, create_backup, prune


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into BACKUP_DIR (or --to)."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="folder to write the backup under")
        parser.add_argument("--keep", type=int, help="keep only the newest N backups")
        parser.add_argument("--keep-days", type=int, help="delete backups older than D days")

    def handle(self, *args, to=None, keep=None, keep_days=None, **options):
        if (keep is not None and keep < 1) or (keep_days is not None and keep_days < 1):
            raise CommandError("--keep and --keep-days must be at least 1")
        try:
            folder, manifest = create_backup(to)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        head = manifest["chain_head"] or {}
        self.stdout.write(
            f"backup {folder}: {manifest['vendor']}, {manifest['dump']['bytes']:,} bytes, "
            f"{sum(manifest['tables'].values()):,} rows, {manifest['files']['count']} files, "
            f"audit head #{head.get('seq')}, {manifest['seconds']:.2f} s"
        )
        if keep is not None or keep_days is not None:
            for gone in prune(to, keep=keep, days=keep_days):
                self.stdout.write(f"deleted old backup {gone.name}")
