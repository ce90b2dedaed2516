"""``jigai worker``: run the database task backend's worker (imports, screening,
assessment), after marking as failed the jobs a dead worker left running; beside it, the
scheduler that queues the routines due (``jigai.jobs.schedule``: backup, anchor, dormant
accounts)."""

import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.utils import is_locked_database_exception

from jigai.jobs import schedule, services


class SweepingWorker(Worker):
    """The database backend's worker, sweeping dead workers' jobs before each task."""

    def run_task(self, db_task_result):
        services.sweep_stale()
        return super().run_task(db_task_result)


class Command(BaseCommand):
    help = "Run a task worker for the database backend (jobs: import, screen, assess)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run the waiting tasks, then exit")
        parser.add_argument(
            "--recover",
            action="store_true",
            help="this is the only worker: jobs left running by a previous one failed",
        )
        parser.add_argument("--worker-id", default="")

    def handle(self, *args, interval, batch, recover, worker_id, **options):
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            raise CommandError("TASKS names another backend: run that backend's own worker instead")
        niceness = services.lower_priority()
        swept = services.sweep_stale(stale_after=0 if recover else None)
        if swept:
            self.stdout.write(f"marked {swept} job(s) of a dead worker as failed")
        worker = SweepingWorker(
            queue_names=["default"],
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        self.stdout.write(
            f"jigai worker {worker.worker_id} waiting for tasks (niceness {niceness})",
            ending="\n",
        )
        self.stdout.flush()
        worker.configure_signals()
        if batch:
            schedule.claim_due()  # the routines due now join this batch
        else:
            threading.Thread(
                target=schedule_forever, args=(self.stderr,), name="jigai-scheduler", daemon=True
            ).start()
        run_until_stopped(worker, interval, self.stderr)


def schedule_forever(err) -> None:
    """Queue the routines due, every ``SCHEDULE_POLL_SECONDS``, for as long as the worker
    runs (a daemon thread: it ends with the process)."""
    from django.conf import settings
    from django.db import DatabaseError, connection

    while True:
        try:
            schedule.claim_due()
        except DatabaseError as exc:  # a busy or restarting database: try at the next poll
            err.write(f"scheduler: {exc}; trying again in {settings.SCHEDULE_POLL_SECONDS} s")
        finally:
            connection.close()
        time.sleep(settings.SCHEDULE_POLL_SECONDS)


def run_until_stopped(worker, interval: float, err) -> None:
    """Run the worker; a poll that finds the embedded SQLite database locked by a long
    write (an import in another process) waits and polls again instead of ending the
    worker — django-tasks-db's worker already tolerates a lock on fetching a task, but not
    on opening its exclusive transaction."""
    while True:
        try:
            worker.run()
            return  # batch done, or stopped by a signal
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            err.write(f"database busy ({exc}); polling again in {interval:g} s")
            time.sleep(interval)
