"""``jigai serve``: the web server (gunicorn with a worker process per core on Linux,
waitress where gunicorn is unavailable) and, for the embedded database task backend,
one task worker; Ctrl+C (or SIGTERM) stops both."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


def default_workers() -> int:
    return max(2, min(os.cpu_count() or 1, 8))


def _has_gunicorn() -> bool:
    if os.name != "posix":
        return False
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


class Command(BaseCommand):
    help = "Serve the platform (gunicorn, or waitress) with one task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=0, help="web worker processes (default: by cores)"
        )
        parser.add_argument("--threads", type=int, default=8, help="threads (waitress only)")
        parser.add_argument(
            "--no-task-worker", action="store_true", help="do not start a task worker"
        )
        parser.add_argument(
            "--server",
            choices=["auto", "gunicorn", "waitress"],
            default="auto",
            help="web server (default: gunicorn where available, else waitress)",
        )

    def handle(self, *args, host, port, workers, threads, no_task_worker, server, **options):
        from django_tasks import task_backends

        jigai = [sys.executable, "-m", "jigai.cli"]
        children: list[subprocess.Popen] = []
        embedded = type(task_backends["default"]).__name__ == "DatabaseBackend"
        if embedded and not no_task_worker:
            children.append(subprocess.Popen([*jigai, "worker", "--recover"]))
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        if server == "gunicorn" or (server == "auto" and _has_gunicorn()):
            workers = workers if workers > 0 else default_workers()
            self.stdout.write(
                f"jigai serving on http://{host}:{port}/ with gunicorn, {workers} workers "
                f"(database: {database}; task worker: {'yes' if len(children) else 'no'})"
            )
            self.stdout.flush()
            children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "jigai.wsgi:application",
                        "--bind",
                        f"{host}:{port}",
                        "--workers",
                        str(workers),
                        "--access-logfile",
                        "-",
                        "--graceful-timeout",
                        "10",
                        # the proxy's X-Forwarded-Proto only from TRUSTED_PROXIES, as in
                        # jigai.core.proxy, which also takes the client's address from it
                        "--forwarded-allow-ips",
                        ",".join(settings.TRUSTED_PROXIES) or "none",
                    ]
                )
            )
            return self._supervise(children)
        self.stdout.write(
            f"jigai serving on http://{host}:{port}/ with waitress (database: {database})"
        )
        from waitress import serve

        from jigai.wsgi import application

        try:
            # proxy headers pass through to jigai.core.proxy.TrustedProxy, which honours
            # them only from TRUSTED_PROXIES (waitress would trust one address at most)
            serve(
                application,
                host=host,
                port=port,
                threads=threads,
                ident="jigai",
                clear_untrusted_proxy_headers=False,
            )
        finally:
            self._stop(children)

    def _supervise(self, children):
        """Wait until a child ends or we are told to stop; then stop them all."""

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(c.poll() is None for c in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop(children)
        return None

    @staticmethod
    def _stop(children):
        for c in children:
            if c.poll() is None:
                c.terminate()
        for c in children:
            try:
                c.wait(timeout=15)
            except subprocess.TimeoutExpired:
                c.kill()
