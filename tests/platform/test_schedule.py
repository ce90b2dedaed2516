"""The routines the worker runs on its own (jigai.jobs.schedule): slots, one run per slot
whichever worker asks, the first start skipped, a failure recorded, the settings checked."""

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from jigai.accounts.models import User
from jigai.audit.anchors import read_anchors
from jigai.conf.env import env_minute, env_time
from jigai.jobs import schedule
from jigai.jobs.models import ScheduledRun

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute):
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    ("now", "hourly", "daily"),
    [
        # hourly at :05, daily at 02:30
        (at(2, 10, 4), at(2, 9, 5), at(2, 2, 30)),
        (at(2, 10, 5), at(2, 10, 5), at(2, 2, 30)),
        (at(2, 2, 29), at(2, 2, 5), at(1, 2, 30)),
        (at(2, 0, 0), at(1, 23, 5), at(1, 2, 30)),
    ],
)
def test_the_latest_slot_of_a_routine(now, hourly, daily):
    assert schedule.Routine("h", 5, None, str).latest_slot(now) == hourly
    assert schedule.Routine("d", None, dt.time(2, 30), str).latest_slot(now) == daily


@pytest.fixture
def routines(db, settings, monkeypatch):
    """The three routines on; the backup's work replaced by a record of its calls (a real
    backup is tested in test_backup_restore.py: SQLite refuses one inside a test's
    transaction)."""
    settings.SCHEDULE_BACKUP_AT = dt.time(2, 30)
    settings.SCHEDULE_ANCHOR_MINUTE = 5
    settings.SCHEDULE_DORMANT_AT = dt.time(3, 0)
    settings.BACKUP_KEEP = 7
    calls = []

    def create_backup(root=None):
        calls.append(("backup", root))
        return Path("jigai-test"), {"dump": {"bytes": 2048}, "tables": {"a": 3, "b": 4}}

    def prune(root=None, *, keep=None, days=None):
        calls.append(("prune", keep))
        return [Path("old-1"), Path("old-2")]

    monkeypatch.setattr("jigai.audit.backup.create_backup", create_backup)
    monkeypatch.setattr("jigai.audit.backup.prune", prune)
    return calls


def _runs():
    return {
        (r.routine, r.slot.astimezone(SH), r.outcome, r.message) for r in ScheduledRun.objects.all()
    }


def test_the_first_start_records_the_slots_and_runs_nothing(routines):
    assert schedule.claim_due(at(2, 10, 0)) == []
    assert _runs() == {
        ("backup", at(2, 2, 30), "skipped", "first start: the next slot runs"),
        ("anchor", at(2, 9, 5), "skipped", "first start: the next slot runs"),
        ("dormant", at(2, 3, 0), "skipped", "first start: the next slot runs"),
    }
    assert routines == []


def test_each_slot_runs_once_whichever_worker_asks(
    routines, user, django_capture_on_commit_callbacks
):
    schedule.claim_due(at(2, 10, 0))
    old = user("pd_officer")
    User.objects.filter(pk=old.pk).update(last_login=at(2, 10, 0) - dt.timedelta(days=120))
    with django_capture_on_commit_callbacks(execute=True):
        claimed = schedule.claim_due(at(3, 10, 6))  # a day later: every routine is due
        again = schedule.claim_due(at(3, 10, 7))  # a second worker, a minute later
    assert sorted(r.routine for r in claimed) == ["anchor", "backup", "dormant"]
    assert again == []
    done = {
        (r.routine, r.slot.astimezone(SH)): r for r in ScheduledRun.objects.filter(outcome="done")
    }
    assert set(done) == {
        ("backup", at(3, 2, 30)),
        ("anchor", at(3, 10, 5)),
        ("dormant", at(3, 3, 0)),
    }
    assert done[("backup", at(3, 2, 30))].message == (
        "jigai-test: 2,048 bytes, 7 rows; 2 old backup(s) deleted"
    )
    assert routines == [("backup", None), ("prune", 7)]  # retention: BACKUP_KEEP
    seq = read_anchors()[-1][1]["seq"]
    assert done[("anchor", at(3, 10, 5))].message == f"anchored #{seq}"
    assert done[("dormant", at(3, 3, 0))].message.startswith("1 account(s) disabled")
    assert User.objects.get(pk=old.pk).is_active is False
    assert all(r.started_at and r.finished_at for r in done.values())


def test_a_failing_routine_is_recorded_and_the_others_run(
    routines, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(root=None):
        raise OSError("No space left on device")

    monkeypatch.setattr("jigai.audit.backup.create_backup", broken)
    schedule.claim_due(at(2, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        schedule.claim_due(at(3, 10, 6))
    outcomes = {
        r.routine: (r.outcome, r.message)
        for r in ScheduledRun.objects.filter(slot__gt=at(2, 10, 0))
    }
    assert outcomes["backup"] == ("failed", "OSError: No space left on device")
    assert outcomes["anchor"][0] == outcomes["dormant"][0] == "done"


def test_a_routine_switched_off_is_never_claimed(routines, settings):
    settings.SCHEDULE_BACKUP_AT = None
    schedule.claim_due(at(2, 10, 0))
    schedule.claim_due(at(3, 10, 6))
    assert not ScheduledRun.objects.filter(routine="backup").exists()


def test_the_schedule_command_lists_next_and_last(routines, capsys):
    schedule.claim_due()
    call_command("schedule")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["backup", "anchor", "dormant"]
    assert all("skipped — first start: the next slot runs" in line for line in lines)


@pytest.mark.parametrize("raw", ["25:00", "2:3x", "noon"])
def test_a_malformed_time_of_day_is_refused(monkeypatch, raw):
    monkeypatch.setitem(os.environ, "SCHEDULE_BACKUP_AT", raw)
    with pytest.raises(ImproperlyConfigured, match="is not a time of day"):
        env_time("SCHEDULE_BACKUP_AT", "02:30")


@pytest.mark.parametrize(("raw", "expected"), [("", None), ("0", 0), ("59", 59)])
def test_minutes_and_switching_off(monkeypatch, raw, expected):
    monkeypatch.setitem(os.environ, "SCHEDULE_ANCHOR_MINUTE", raw)
    assert env_minute("SCHEDULE_ANCHOR_MINUTE", "5") == expected


@pytest.mark.parametrize("raw", ["60", "-1", "x"])
def test_a_malformed_minute_is_refused(monkeypatch, raw):
    monkeypatch.setitem(os.environ, "SCHEDULE_ANCHOR_MINUTE", raw)
    with pytest.raises(ImproperlyConfigured, match="is not a minute of the hour"):
        env_minute("SCHEDULE_ANCHOR_MINUTE", "5")
