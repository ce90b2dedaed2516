"""Routines the platform runs on its own at set times, from the task worker: the daily
backup with its retention, the hourly anchor of the audit chain's head, the daily check
for dormant accounts (GB/T 22239-2019 §8.1.4.9 数据备份恢复, §8.1.4.3 安全审计 c,
§8.1.4.2 访问控制 c).

Each routine has slots — every hour at minute M, or every day at HH:MM, local time. The
worker's scheduler (``jigai worker``; ``jigai serve`` starts one) looks every
``SCHEDULE_POLL_SECONDS`` for the latest slot of each routine that has no ``ScheduledRun``
row, claims it by inserting that row (unique per routine and slot, so two workers never
run one slot twice) and hands the routine to the task queue. Only the latest slot is run:
a worker that was down for three days makes one backup when it comes back, not three. The
first time a routine is seen its current slot is recorded as skipped, so a new
installation does not back up the moment its worker starts.

A routine's time is a setting (``SCHEDULE_BACKUP_AT``, ``SCHEDULE_ANCHOR_MINUTE``,
``SCHEDULE_DORMANT_AT``); an empty value turns it off (a deployment that runs the same
commands from systemd timers, docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from jigai.jobs.models import ScheduledRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Routine:
    name: str
    hourly_minute: int | None  # every hour at this minute, or
    daily_at: dt.time | None  # every day at this time
    run: Callable[[], str]

    def latest_slot(self, now: dt.datetime) -> dt.datetime:
        """The latest slot at or before ``now`` (aware, in the platform's time zone)."""
        local = timezone.localtime(now)
        if self.hourly_minute is not None:
            slot = local.replace(minute=self.hourly_minute, second=0, microsecond=0)
            return slot if slot <= local else slot - dt.timedelta(hours=1)
        slot = local.replace(
            hour=self.daily_at.hour, minute=self.daily_at.minute, second=0, microsecond=0
        )
        return slot if slot <= local else slot - dt.timedelta(days=1)


def _backup() -> str:
    from jigai.audit.backup import create_backup, prune

    folder, manifest = create_backup()
    gone = prune(keep=settings.BACKUP_KEEP)
    return (
        f"{folder.name}: {manifest['dump']['bytes']:,} bytes, "
        f"{sum(manifest['tables'].values()):,} rows; {len(gone)} old backup(s) deleted"
    )


def _anchor() -> str:
    from jigai.audit.anchors import write_anchor

    anchor = write_anchor()
    return f"anchored #{anchor.seq}" if anchor else "head already anchored"


def _dormant() -> str:
    from jigai.accounts.services import disable_dormant

    return f"{len(disable_dormant())} account(s) disabled"


def routines() -> list[Routine]:
    """The routines switched on by the settings."""
    found = []
    if settings.SCHEDULE_BACKUP_AT is not None:
        found.append(Routine("backup", None, settings.SCHEDULE_BACKUP_AT, _backup))
    if settings.SCHEDULE_ANCHOR_MINUTE is not None:
        found.append(Routine("anchor", settings.SCHEDULE_ANCHOR_MINUTE, None, _anchor))
    if settings.SCHEDULE_DORMANT_AT is not None:
        found.append(Routine("dormant", None, settings.SCHEDULE_DORMANT_AT, _dormant))
    return found


def _routine(name: str) -> Routine:
    for routine in routines():
        if routine.name == name:
            return routine
    raise LookupError(f"no routine {name!r} is switched on")


def claim_due(now: dt.datetime | None = None) -> list[ScheduledRun]:
    """Claim and queue every routine whose latest slot has not been claimed; return the
    claimed runs (none twice, whichever worker asks)."""
    now = now or timezone.now()
    claimed = []
    for routine in routines():
        slot = routine.latest_slot(now)
        if ScheduledRun.objects.filter(routine=routine.name, slot=slot).exists():
            continue
        first = not ScheduledRun.objects.filter(routine=routine.name).exists()
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(
                    routine=routine.name,
                    slot=slot,
                    outcome=ScheduledRun.Outcome.SKIPPED if first else ScheduledRun.Outcome.QUEUED,
                    message="first start: the next slot runs" if first else "",
                )
        except IntegrityError:  # another worker claimed it a moment ago
            continue
        if not first:
            transaction.on_commit(lambda pk=run.pk: run_routine.enqueue(pk))
            claimed.append(run)
    return claimed


@task()
def run_routine(run_id: int) -> str:
    """Run one claimed slot and record how it ended (the message, or the error)."""
    run = ScheduledRun.objects.get(pk=run_id)
    ScheduledRun.objects.filter(pk=run.pk).update(
        outcome=ScheduledRun.Outcome.RUNNING, started_at=timezone.now()
    )
    try:
        message, outcome = _routine(run.routine).run(), ScheduledRun.Outcome.DONE
    except Exception as exc:  # recorded, not raised: the worker goes on with other tasks
        log.exception("scheduled %s failed", run.routine)
        message, outcome = f"{type(exc).__name__}: {exc}", ScheduledRun.Outcome.FAILED
    ScheduledRun.objects.filter(pk=run.pk).update(
        outcome=outcome, message=message[:1000], finished_at=timezone.now()
    )
    return outcome


def status(now: dt.datetime | None = None) -> list[dict]:
    """Each routine switched on: its next slot and its last run."""
    now = now or timezone.now()
    rows = []
    for routine in routines():
        latest = routine.latest_slot(now)
        step = dt.timedelta(hours=1) if routine.hourly_minute is not None else dt.timedelta(days=1)
        last = ScheduledRun.objects.filter(routine=routine.name).order_by("-slot").first()
        rows.append({"routine": routine.name, "next": latest + step, "last": last})
    return rows
