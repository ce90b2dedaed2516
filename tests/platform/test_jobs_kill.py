"""kill -9 a real `jigai worker` in the middle of an import, in its own database (a
fresh SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL):
nothing is half-written, the sweep fails the job with its reason, the stored file is
still there, and a retry completes it."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from jigai.jobs.models import STEP_LABELS

ROWS = 1500  # enough for the assess step to run for several seconds here


def _own_database() -> str | None:
    """A fresh PostgreSQL database beside the suite's when it runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    base, _sep, name = url.rpartition("/")
    own = f"{name or 'postgres'}_jobkill"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{own}"')
    return f"{base}/{own}"


def _env(tmp):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="jigai.settings",
        SECRET_KEY="kill-test-key-" + "x" * 40,
        JIGAI_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        JIGAI_DATA_DIR=str(tmp),
    )
    database = _own_database()
    if database:
        env["DATABASE_URL"] = database
    return env


def _jigai(env, *args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "jigai.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        **kw,
    )


class Db:
    """Read-only look at the worker's database from the test process."""

    def __init__(self, env, tmp):
        self.url = env.get("DATABASE_URL", "")
        self.path = tmp / "jigai.sqlite3"

    def one(self, sql, *params):
        if self.url.startswith("postgres"):
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchone()
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql, params).fetchone()

    def counts(self):
        return (
            self.one("SELECT count(*) FROM buildings_building")[0],
            self.one("SELECT count(*) FROM buildings_assessment")[0],
        )

    def job(self, pk):
        status, steps, reason, file = self.one(
            "SELECT status, steps, reason, file FROM buildings_importjob WHERE id = ?", pk
        )
        return status, (json.loads(steps) if isinstance(steps, str) else steps), reason, file


def test_kill_the_worker_mid_import_then_sweep_and_retry(tmp_path):
    from jigai.stock.synthetic import generate, rows
    from jigai.surveytable.writer import save, survey_sheet

    env = _env(tmp_path)
    for step in (["setup"], ["demo", "--buildings", "12"]):
        done = _jigai(env, *step)
        assert done.returncode == 0, done.stderr
    data_rows = list(rows(generate(ROWS, seed=99)))
    for r in data_rows:
        r["community"] = "杀进程" + r["community"]
    path = tmp_path / "big.xlsx"
    path.write_bytes(save(survey_sheet(data_rows)))
    db = Db(env, tmp_path)
    before = db.counts()
    queued = _jigai(env, "import_buildings", str(path), "--user", "zjj_admin", "--queue")
    assert queued.returncode == 0, queued.stderr
    pk = int(queued.stdout.split()[3])
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "jigai.cli", "worker", "--interval", "0.2"],
        env=env,
        stdout=log,
        stderr=log,
    )
    seen = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status, steps, _reason, _file = db.job(pk)
            current = [s["key"] for s in steps if s.get("started") and not s.get("end")]
            point = (status, current[-1] if current else None)
            if not seen or seen[-1] != point:
                seen.append(point)
            if current and current[-1] == "assess" and steps[3]["done"] > 0:
                break
            assert status in ("pending", "running"), (status, steps)
            time.sleep(0.1)
        else:
            pytest.fail(f"the job never reached the assess step: {seen[-5:]}")
        worker.send_signal(signal.SIGKILL)  # kill -9, mid-assessment
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    status, steps, reason, file = db.job(pk)
    written = db.counts()
    print("observed before the kill:", seen, "assess at", steps[3]["done"], "/", steps[3]["total"])
    # the write step committed whole (ROWS new buildings), the assess step not at all
    assert status == "running" and steps[1].get("end") and not steps[3].get("end")
    assert written == (before[0] + ROWS, before[1])
    # a worker that knows it is the only one sweeps the dead one's job, then idles (--batch)
    swept = _jigai(env, "worker", "--batch", "--recover")
    assert "marked 1 job(s) of a dead worker as failed" in swept.stdout, swept.stderr
    status, steps, reason, file = db.job(pk)
    assert status == "failed"
    (language,) = db.one("SELECT language FROM buildings_importjob WHERE id = ?", pk)
    assert language == "zh-hans"  # queued from the command line: the default language
    with translation.override(language):  # the reason is in the requester's language
        template = _(
            "The worker stopped during the step “%(step)s” (no sign of life since %(t)s). "
            "That step was rolled back: nothing of it was written. Retry to run the job again."
        ) % {"step": STEP_LABELS["assess"], "t": "TIME"}
    assert template.startswith("任务进程在“引擎评估”步骤中停止")
    time_pattern = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    assert re.fullmatch(re.escape(template).replace("TIME", time_pattern), reason), reason
    assert (tmp_path / "files" / file).is_file()  # the stored file is still there
    assert db.counts() == written  # the sweep writes nothing
    # retry: the same file imports unchanged, then screening and assessment complete
    again = _jigai(env, "jobs", "--retry", str(pk), "--user", "zjj_admin")
    assert again.returncode == 0, again.stderr
    ran = _jigai(env, "worker", "--batch")
    assert ran.returncode == 0, ran.stderr
    status, steps, reason, file = db.job(pk)
    assert (status, reason) == ("done", "")
    assert [s["done"] for s in steps[1:]] == [ROWS, steps[2]["total"], ROWS]
    assert db.counts() == (before[0] + ROWS, before[1] + ROWS)
    assert db.one(
        "SELECT created, unchanged, attempts FROM buildings_importjob WHERE id = ?", pk
    ) == (
        0,
        ROWS,
        2,
    )
