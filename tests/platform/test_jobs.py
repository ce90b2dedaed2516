"""Long work as jobs: the database task backend keeps a queued import across a restart
of the web process, the job runs in its requester's language, a dead worker's job is
failed with its reason by the sweep and can be retried, and other counties' jobs are 404.

The kill -9 of a real worker process is in test_jobs_kill.py."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from jigai.audit.models import AuditEntry
from jigai.buildings.models import Assessment, Building, ImportJob, Job
from jigai.jobs import services
from tests.platform.test_survey_import import _import, _rows, _set, _workbook

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _run_one_task():
    """What `jigai worker` does for one task, in this process (a later, other process)."""
    db_result = DBTaskResult.objects.ready().get()
    db_result.claim("test-worker")
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    worker.run_task(db_result)
    db_result.refresh_from_db()
    return db_result


def test_queued_import_survives_a_web_restart_and_runs_later(client_as, settings):
    settings.TASKS = DB_BACKEND
    data = _workbook()
    before = Building.objects.count()
    response = client_as("cq_officer").post(
        "/buildings/import/", {"file": SimpleUploadedFile("ok.xlsx", data)}
    )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/buildings/import/{job.pk}/"
    # queued, not run: nothing written, the file is stored with its digest, no thread
    assert (job.status, job.total_rows, Building.objects.count()) == ("pending", 0, before)
    assert job.file_exists() and job.file.read() == data
    assert job.sha256 == hashlib.sha256(data).hexdigest() and job.size_bytes == len(data)
    assert job.language == "zh-hans"  # the page's language (Chinese by default)
    task = DBTaskResult.objects.get()
    assert (str(task.id), task.status, task.args_kwargs["args"]) == (
        job.task_id,
        "READY",
        [job.pk],
    )
    # "restart": a new client (no state of the old web process) still sees the waiting job
    fresh = Client()
    fresh.force_login(job.user)
    page = fresh.get(f"/buildings/import/{job.pk}/")
    assert 'data-status="pending"' in page.content.decode()
    # a worker started later runs it: the whole chain, 5 rows created, screened, assessed
    assert _run_one_task().status == "SUCCESSFUL"
    job.refresh_from_db()
    assert (job.status, job.created, job.updated, job.unchanged) == ("done", 5, 0, 0)
    assert Building.objects.count() == before + 5
    imported = Building.objects.filter(community__name__startswith="测试")
    assert Assessment.objects.filter(building__in=imported, is_current=True).count() == 5
    assert imported.filter(screenings__isnull=False).count() == 5
    assert [s["key"] for s in job.steps if s.get("end")] == [
        "validate",
        "write",
        "screen",
        "assess",
    ]
    page = fresh.get(f"/buildings/import/{job.pk}/", headers={"HX-Request": "true"})
    html = page.content.decode()
    assert (
        'data-status="done"' in html and 'data-step="assess" data-done="5" data-total="5"' in html
    )


def test_a_job_runs_in_its_requesters_language(client_as, settings):
    settings.TASKS = DB_BACKEND
    bad = _workbook(_set("K3", "六"))  # 地上层数 is column K
    client_as("cq_officer").post("/buildings/import/", {"file": SimpleUploadedFile("b.xlsx", bad)})
    with translation.override("en"):  # the worker's own language does not matter
        _run_one_task()
    job = ImportJob.objects.get()
    with translation.override("zh-hans"):
        chinese = translation.gettext("“%(v)s” is not a number") % {"v": "六"}
    assert chinese != "“六” is not a number"
    assert job.status == "rejected"
    assert job.errors == [{"row": 3, "column": "地上层数", "message": chinese}]


def test_the_sweep_fails_a_dead_workers_job_with_its_reason_then_retry_succeeds(user, settings):
    settings.JOBS_STALE_SECONDS = 300
    officer = user("cq_officer")
    data = _workbook()
    job = ImportJob.objects.create(  # what a worker killed during the write step leaves
        user=officer,
        file_name="survey.xlsx",
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        status="running",
        language="en",
        heartbeat_at=timezone.now() - timedelta(seconds=301),
        steps=[
            {"key": "validate", "done": 0, "total": 0, "started": True, "end": True},
            {"key": "write", "done": 0, "total": 5, "started": True},
            {"key": "screen", "done": 0, "total": 0},
            {"key": "assess", "done": 0, "total": 0},
        ],
    )
    job.file.save("x.xlsx", SimpleUploadedFile("x.xlsx", data))
    fresh = ImportJob.objects.create(
        user=officer,
        file_name="alive.xlsx",
        sha256="0" * 64,
        size_bytes=1,
        status="running",
        heartbeat_at=timezone.now() - timedelta(seconds=299),
    )
    before = (Building.objects.count(), AuditEntry.objects.count())
    assert services.sweep_stale() == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert (job.status, fresh.status) == ("failed", "running")  # 299 s is not yet stale
    assert job.reason.startswith(
        "The worker stopped during the step “Write the buildings” (no sign of life since "
    )
    assert job.file_exists()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id) == ("job.lost", str(job.pk))
    # the entry stores the step and the time, read in the reader's language
    from jigai.audit.messages import render

    since = timezone.localtime(job.heartbeat_at).strftime("%Y-%m-%d %H:%M:%S")
    assert entry.data == {"j": job.pk, "s": "write", "t": job.heartbeat_at.isoformat()}
    assert render(entry.action, entry.data) == (
        f"Job {job.pk} marked failed: its worker stopped during the step “Write the "
        f"buildings” (no sign of life since {since})"
    )
    with translation.override("zh-hans"):
        assert render(entry.action, entry.data) == (
            f"任务 {job.pk} 标记为失败：执行器在步骤“写入楼栋”中停止（最后一次活动于 {since}）"
        )
    assert (Building.objects.count(), AuditEntry.objects.count()) == (before[0], before[1] + 1)
    assert services.sweep_stale() == 0  # swept once only
    # retry (the immediate backend runs it at once): the stored file imports whole
    services.retry(job, actor=officer)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.created, job.reason) == ("done", 1, 5, "")
    assert Building.objects.count() == before[0] + 5


def test_a_dead_workers_task_record_is_closed_too(user, settings):
    settings.TASKS = DB_BACKEND
    job = _queued(user("cq_officer"))
    db_result = DBTaskResult.objects.get()
    db_result.claim("dead-worker")
    ImportJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now())
    assert services.sweep_stale(stale_after=0) == 1
    db_result.refresh_from_db()
    assert (db_result.status, db_result.exception_class_path) == (
        "FAILED",
        "jigai.jobs.services.WorkerLost",
    )


def _queued(actor):
    from jigai.buildings import importer

    return services.enqueue(importer.start(_workbook(), "q.xlsx", actor=actor))


def test_only_a_failed_job_is_retried(user):
    officer = user("cq_officer")
    job = _import(_workbook(), officer)
    from jigai.core.errors import BusinessError

    with pytest.raises(BusinessError, match="Only a failed job can be retried"):
        services.retry(job, actor=officer)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)


@pytest.mark.parametrize("stranger", ["yx_officer", "pd_officer"])
def test_another_countys_job_is_404(client_as, user, stranger, settings):
    settings.TASKS = DB_BACKEND
    job = _queued(user("cq_officer"))
    ImportJob.objects.filter(pk=job.pk).update(status="failed", reason="worker lost")
    client = client_as(stranger)
    assert client.get(f"/buildings/import/{job.pk}/").status_code == 404
    assert client.get(f"/buildings/import/{job.pk}/errors/").status_code == 404
    assert client.post(f"/buildings/import/{job.pk}/retry/").status_code == 404
    job.refresh_from_db()
    assert (job.status, DBTaskResult.objects.count()) == ("failed", 1)  # nothing re-queued
    # the city administrator sees and retries it (queued again: a second task record)
    admin = client_as("zjj_admin")
    assert admin.get(f"/buildings/import/{job.pk}/").status_code == 200
    assert admin.post(f"/buildings/import/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert (job.status, DBTaskResult.objects.count()) == ("pending", 2)


def test_assess_button_queues_a_county_job_with_progress(client_as, settings):
    settings.TASKS = DB_BACKEND
    client = client_as("yx_officer")
    response = client.post("/buildings/assess/")
    job = Job.objects.get()
    assert response["Location"] == f"/buildings/jobs/{job.pk}/"
    assert (job.kind, job.status, job.division.code) == ("assess", "pending", "yuxian")
    # a second press while it waits shows the same job instead of queueing another
    client.post("/buildings/assess/")
    assert (Job.objects.count(), DBTaskResult.objects.count()) == (1, 1)
    assert client_as("cq_officer").get(f"/buildings/jobs/{job.pk}/").status_code == 404
    _run_one_task()
    job.refresh_from_db()
    n = Building.objects.filter(division__code="yuxian").count()
    # the demo assessed every building already: nothing changed, all n unchanged
    assert (job.status, job.result, job.steps[0]["done"], job.steps[0]["total"]) == (
        "done",
        {"unchanged": n},
        n,
        n,
    )


def test_rescreen_button_screens_the_users_buildings_as_a_job(client_as):
    response = client_as("zjj_admin").post("/buildings/screen/")
    job = Job.objects.get()
    assert response["Location"] == f"/buildings/jobs/{job.pk}/"
    total = Building.objects.count()
    assert (job.kind, job.status, sum(job.result.values())) == ("screen", "done", total)
    assert job.steps == [
        {"key": "screen", "done": total, "total": total, "started": True, "end": True}
    ]


def test_cli_queues_an_import_for_the_worker(db, tmp_path, capsys, settings):
    from django.core.management import call_command

    settings.TASKS = DB_BACKEND
    path = tmp_path / "s.xlsx"
    path.write_bytes(_workbook(data_rows=_rows(3)))
    call_command("import_buildings", str(path), "--user", "cq_officer", "--queue")
    job = ImportJob.objects.get()
    assert capsys.readouterr().out.strip() == f"queued import job {job.pk} ({job.sha256})"
    _run_one_task()
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 3)


def test_worker_survives_a_locked_database():
    """A long write in another process (an import) locks SQLite; the worker's poll waits and
    polls again instead of ending (it died on it in the web load benchmark)."""
    import io

    from django.db import OperationalError

    from jigai.jobs.management.commands.worker import run_until_stopped

    calls = []

    class Flaky:
        def run(self):
            calls.append(1)
            if len(calls) < 3:
                raise OperationalError("database is locked")

    err = io.StringIO()
    run_until_stopped(Flaky(), 0, err)
    assert len(calls) == 3
    assert err.getvalue().count("database busy") == 2

    class Broken:
        def run(self):
            raise OperationalError("no such table: x")

    with pytest.raises(OperationalError):
        run_until_stopped(Broken(), 0, io.StringIO())


@pytest.mark.parametrize(("setting", "expected"), [("10", 10), ("0", 0)])
def test_workers_run_below_the_web_servers_priority(setting, expected, tmp_path):
    """A task worker (and a job run from a command) lowers its CPU priority by JOBS_NICE, so
    that a long import takes the cores the web server leaves idle; in a fresh process, since
    niceness cannot be raised back."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "JOBS_NICE": setting,
        "DJANGO_SETTINGS_MODULE": "jigai.settings",
        "SECRET_KEY": "test-" + "x" * 50,
        "JIGAI_DATA_DIR": str(tmp_path),
        "JIGAI_HTTPS": "false",
    }
    code = (
        "import os, django; django.setup(); from jigai.jobs.services import lower_priority; "
        "before = os.nice(0); print(lower_priority() - before, lower_priority() - before)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [str(expected), str(expected)]  # lowered once, not again on a second call
