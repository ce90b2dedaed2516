"""Backup and restore of the whole platform, checked against the audit trail.

``jigai backup`` writes a folder ``jigai-YYYYMMDD-HHMMSS/`` (under ``BACKUP_DIR``) holding

* the database: SQLite through its online backup API (a consistent copy while the platform
  runs), PostgreSQL through ``pg_dump -Fc`` of an exported snapshot;
* ``files.tar.gz``: the uploaded files (``MEDIA_ROOT``);
* ``manifest.json``: when, which version, the database vendor, the rows of every table,
  the money per ledger in fen, the audit chain's head (seq and hash) and the SHA-256 of
  the dump and the archive — all read from the same state of the data as the dump.

``jigai restore`` loads such a folder into an *empty* database (a new SQLite file, or an
empty PostgreSQL database) and an empty files folder, then checks the restored data
against the manifest: the rows of every table, the money per ledger, the head and the whole
keyed chain (which needs the same audit key: keep it apart from the backups). Any
difference is reported and the command fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.utils import load_backend
from django.utils import timezone

from jigai.audit import integrity
from jigai.audit.anchors import head
from jigai.audit.services import verify_chain

MANIFEST = "manifest.json"
FILES = "files.tar.gz"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
FOLDER = re.compile(r"^jigai-\d{8}-\d{6}(-\d+)?$")


class BackupError(RuntimeError):
    """A backup or restore that cannot be done (the message says why)."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def database_alias(name: str, **overrides):
    """A connection alias to another database (a backup file, a restored database), with the
    default database's settings otherwise; closed and removed afterwards. The connection is
    registered for the ORM's ``using(name)`` but not among the configured databases."""
    base = dict(connections["default"].settings_dict)
    backend = load_backend(overrides.get("ENGINE", base["ENGINE"]))
    connections[name] = backend.DatabaseWrapper({**base, **overrides}, name)
    try:
        yield name
    finally:
        with contextlib.suppress(AttributeError):
            connections[name].close()
            del connections[name]


def figures(using: str) -> dict:
    """The rows of every table, the registered money figures and the chain's head."""
    conn = connections[using]
    with conn.cursor() as cursor:
        tables = sorted(conn.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    last = head(using)
    return {
        "tables": counts,
        **integrity.all_figures(using),
        "chain_head": {"seq": last[0], "hash": last[1]} if last else None,
    }


def _version() -> dict:
    from jigai.engine import ENGINE_VERSION

    described = None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        run = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
        described = run.stdout.strip() or None if run.returncode == 0 else None
    return {"engine": ENGINE_VERSION, "git": described}


def _pg_env(settings_dict: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client) of the server's version or newer"
        )
    return found


def _new_folder(root: Path) -> Path:
    stem = f"jigai-{timezone.localtime():%Y%m%d-%H%M%S}"
    folder, n = root / stem, 1
    while folder.exists():
        n += 1
        folder = root / f"{stem}-{n}"
    folder.mkdir(parents=True)
    return folder


def _backup_sqlite(dump: Path) -> dict:
    source = connections["default"]  # outside a transaction: see create_backup
    source.ensure_connection()
    target = sqlite3.connect(dump)
    try:
        source.connection.backup(target)
    finally:
        target.close()
    with database_alias("jigai_backup", NAME=str(dump), OPTIONS={}) as alias:
        return figures(alias)


def _backup_postgresql(dump: Path) -> dict:
    pg_dump = _tool("pg_dump")
    with database_alias("jigai_backup") as alias:
        conn = connections[alias]
        with transaction.atomic(using=alias), conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            found = figures(alias)  # the same snapshot as the dump
            run = subprocess.run(
                [pg_dump, "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(dump)]
                + [conn.settings_dict["NAME"]],
                env=_pg_env(conn.settings_dict),
                capture_output=True,
                text=True,
            )
        if run.returncode != 0:
            raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
    return found


def _archive_files(target: Path) -> int:
    media = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w:gz") as archive:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media)))
                    count += 1
    return count


def create_backup(root: Path | None = None):
    """Back up the database and the uploaded files into a new folder under ``root``."""
    vendor = connections["default"].vendor
    if vendor not in DUMPS:
        raise BackupError(f"jigai backs up SQLite and PostgreSQL, not {vendor}")
    if vendor == "postgresql":
        _tool("pg_dump")
    elif connections["default"].in_atomic_block:  # SQLite cannot copy what it is writing
        raise BackupError("a backup runs outside any transaction (from the command line)")
    started = time.perf_counter()
    folder = _new_folder(Path(root or settings.BACKUP_DIR))
    dump = folder / DUMPS[vendor]
    found = _backup_sqlite(dump) if vendor == "sqlite" else _backup_postgresql(dump)
    files = _archive_files(folder / FILES)
    manifest = {
        "format": 1,
        "created_at": timezone.now().isoformat(),
        "version": _version(),
        "vendor": vendor,
        "dump": {"file": dump.name, "sha256": _sha256(dump), "bytes": dump.stat().st_size},
        "files": {"file": FILES, "sha256": _sha256(folder / FILES), "count": files},
        **found,
        "seconds": round(time.perf_counter() - started, 3),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return folder, manifest


def prune(root: Path | None = None, *, keep: int | None = None, days: int | None = None):
    """Delete the backups beyond the newest ``keep`` and those older than ``days`` (the
    newest is always kept); returns the deleted folders."""
    root = Path(root or settings.BACKUP_DIR)
    folders = sorted(
        (p for p in root.iterdir() if FOLDER.match(p.name) and (p / MANIFEST).exists()),
        key=lambda p: p.name,
        reverse=True,
    )
    doomed = set(folders[max(keep, 1) :]) if keep is not None else set()
    if days is not None:
        cutoff = time.time() - days * 86400
        doomed |= {p for p in folders[1:] if (p / MANIFEST).stat().st_mtime < cutoff}
    for path in sorted(doomed):
        shutil.rmtree(path)
    return sorted(doomed)


@dataclass
class RestoreReport:
    manifest: dict
    found: dict
    chain_checked: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        dump, archive = folder / manifest["dump"]["file"], folder / manifest["files"]["file"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(
            f"{folder} is not a jigai backup (no readable {MANIFEST}: {exc})"
        ) from None
    if not dump.exists() or _sha256(dump) != manifest["dump"]["sha256"]:
        raise BackupError(f"{dump.name} is missing or differs from the manifest's SHA-256")
    if not archive.exists() or _sha256(archive) != manifest["files"]["sha256"]:
        raise BackupError(f"{archive.name} is missing or differs from the manifest's SHA-256")
    return manifest


def _refuse_non_empty_files(media: Path) -> None:
    if media.exists() and any(media.iterdir()):
        raise BackupError(f"the files folder {media} is not empty: restore only into an empty one")


def restore(folder: Path, *, into: str | None = None, media_root: Path | None = None):
    """Restore a backup into an empty database — ``into``: a SQLite file path, or the name of
    an empty PostgreSQL database on the configured server (default: the configured database)
    — and an empty files folder, then verify it against the manifest."""
    started = time.perf_counter()
    folder = Path(folder)
    manifest = _read_manifest(folder)
    vendor = manifest["vendor"]
    default = connections["default"].settings_dict
    media = Path(media_root or settings.MEDIA_ROOT)
    _refuse_non_empty_files(media)
    if vendor == "sqlite":
        target = Path(into or default["NAME"])
        if connections["default"].vendor == "sqlite" and into is None:
            connections["default"].close()
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(
                f"the database file {target} exists and is not empty: restore only into a "
                "new file (give --into, or move the old one away)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / manifest["dump"]["file"], target)
        overrides = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(target), "OPTIONS": {}}
    elif vendor == "postgresql":
        if connections["default"].vendor != "postgresql":
            raise BackupError("this is a PostgreSQL backup: configure a PostgreSQL DATABASE_URL")
        pg_restore = _tool("pg_restore")
        name = into or default["NAME"]
        overrides = {"NAME": name}
        with database_alias("jigai_restore", **overrides) as alias:
            conn = connections[alias]
            try:
                with conn.cursor() as cursor:
                    tables = conn.introspection.table_names(cursor)
            except Exception as exc:  # noqa: BLE001 - a missing database, told plainly
                raise BackupError(
                    f"cannot open the database {name}: create it empty first (createdb {name})"
                    f" — {exc}"
                ) from None
            if tables:
                raise BackupError(
                    f"the database {name} is not empty ({len(tables)} tables): restore only "
                    "into an empty database"
                )
        run = subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", "-d", name]
            + [str(folder / manifest["dump"]["file"])],
            env=_pg_env(default),
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            raise BackupError(f"pg_restore failed: {run.stderr.strip()}")
    else:
        raise BackupError(f"unknown database vendor in the manifest: {vendor}")
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / manifest["files"]["file"], "r:gz") as archive:
        archive.extractall(media, filter="data")
    with database_alias("jigai_restore", **overrides) as alias:
        report = check_restored(alias, manifest)
    report.seconds = time.perf_counter() - started
    return report


def check_restored(using: str, manifest: dict) -> RestoreReport:
    """The restored database against the manifest: every table's rows, the money figures,
    the chain's head, and the whole chain."""
    found = figures(using)
    report = RestoreReport(manifest, found)
    for key in sorted(set(manifest) & set(found)):
        if manifest[key] != found[key]:
            report.problems.append(
                f"{key}: the backup's manifest says {json.dumps(manifest[key])[:300]}, the "
                f"restored database has {json.dumps(found[key])[:300]}"
            )
    chain = verify_chain(using=using)
    report.chain_checked = chain.checked
    if not chain.ok:
        report.problems.append(f"audit chain: {chain.problem}")
    return report
