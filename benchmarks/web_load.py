"""Concurrent logged-in users against a served city on loopback (issue 10 item 7).

    .venv/bin/python benchmarks/web_load.py [--buildings 50000] [--users 50]
        [--duration 60] [--pause 1.0] [--import-rows 10000] [--data-dir DIR] [--src DIR]

Builds (or reuses, with ``--data-dir``) a throw-away SQLite data folder holding the
2023 programme, the demo accounts and a synthetic survey of ``--buildings`` buildings,
screened; starts ``jigai serve`` on a free 127.0.0.1 port; logs ``--users`` sessions in
through the login page (demo accounts, each used by several sessions); then every user
walks the pages below, pausing ``--pause`` seconds between pages as people do, for
``--duration`` seconds. Prints req/s and p50/p95/p99 [ms] and errors per page. With
``--import-rows N`` a survey workbook of N rows is imported (``jigai import_buildings``
in a subprocess) a quarter into the run, and the latencies of requests made while it
runs are printed apart, with the longest one. ``--src`` serves another checkout's
``src`` folder (to measure before a change). Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import collections
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Jigai@2023"
USERS = ["zjj_admin", "fgw_approver", "sjj_auditor", "yx_officer", "gx_officer", "cq_officer"]
COUNTIES = ["pingding", "yuxian", "chengqu", "kuangqu", "jiaoqu", "gaoxin"]

PREPARE = r"""
import sys, time
from pathlib import Path
from django.core.management import call_command
import django
django.setup()
from jigai.accounts.models import Division
from jigai.buildings import importer
from jigai.surveytable.writer import save, survey_sheet
from jigai.buildings.eligibility import screen
from jigai.buildings.models import Building
from jigai.demo.loader import load_demo, register_demo_streets
from jigai.programmes.services import ensure_programme_2023
from jigai.stock.synthetic import generate, rows
n, import_rows, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
t0 = time.perf_counter()
call_command("setup", verbosity=0)
load_demo(buildings=0)
register_demo_streets()
importer.write_columns(generate(n), actor=None, actor_name="benchmark")
screen(ensure_programme_2023(), Building.objects.all(), actor=None, actor_name="benchmark")
if import_rows:
    out.write_bytes(save(survey_sheet(rows(generate(import_rows, seed=7)))))
print(f"prepared {Building.objects.count()} buildings in {time.perf_counter() - t0:.0f} s")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(data_dir: Path, src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        JIGAI_DATA_DIR=str(data_dir),
        SECRET_KEY="web-load-benchmark-only-" + "x" * 40,
        JIGAI_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="jigai.settings",
        PYTHONPATH=str(src),
    )
    env.pop("DATABASE_URL", None)  # always the embedded SQLite of the data folder
    return env


def jigai(env, *args, **kw):
    return subprocess.Popen([sys.executable, "-m", "jigai.cli", *args], env=env, **kw)


class User:
    """One browser: its own cookie jar and session."""

    def __init__(self, base: str, username: str, seed: int):
        self.base = base
        self.username = username
        self.rng = random.Random(seed)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except OSError as e:  # refused, reset or timed out: an error of the page
            return 0, str(e).encode()

    def login(self) -> None:
        status, body = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode(
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        req = urllib.request.Request(
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(req, timeout=60) as r:
            if "/accounts/login/" in r.url:
                raise SystemExit(f"login of {self.username} failed")

    def next_page(self) -> tuple[str, str]:
        r = self.rng
        county = r.choice(COUNTIES)
        return r.choice(
            [
                ("dashboard", "/dashboard/"),
                ("list", "/buildings/"),
                ("list county", f"/buildings/?county={county}&page={r.randint(1, 20)}"),
                ("list status", f"/buildings/?status=eligible&page={r.randint(1, 400)}"),
                ("detail", f"/buildings/{r.randint(1, 50_000)}/"),
                ("summary", "/buildings/summary/"),
                ("map", "/buildings/map/"),
                ("map zoom", f"/buildings/map/?format=json&zoom=5&bbox={_box(r)}"),
            ]
        )


def _box(r: random.Random) -> str:
    lon, lat = r.uniform(113.2, 113.8), r.uniform(37.8, 38.1)
    return f"{lon:.3f},{lat:.3f},{lon + 0.1:.3f},{lat + 0.08:.3f}"


def run_user(user: User, stop: float, pause: float, log: list, lock: threading.Lock) -> None:
    time.sleep(user.rng.uniform(0, pause))  # users do not all click at once
    while time.monotonic() < stop:
        name, path = user.next_page()
        t = time.monotonic()
        status, body = user.get(path)
        elapsed = time.monotonic() - t
        # a building id outside one's county answers 404 by design: not an error
        ok = status == 200 or (name == "detail" and status == 404)
        why = body[:120].decode("utf-8", "replace") if status == 0 else ""
        with lock:
            log.append((name, t, elapsed, ok, status, why))
        time.sleep(pause)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def report(title: str, log: list, seconds: float) -> None:
    print(f"\n{title}: {len(log)} requests in {seconds:.0f} s = {len(log) / seconds:.1f} req/s")
    print(
        f"{'page':<12} {'n':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} errors"
    )
    names = sorted({e[0] for e in log})
    for name in [*names, "all"]:
        rows = [e for e in log if name in ("all", e[0])]
        if not rows:
            continue
        times = [e[2] for e in rows]
        errors = [e[4] for e in rows if not e[3]]
        print(
            f"{name:<12} {len(rows):>6} {len(rows) / seconds:>6.1f} "
            f"{statistics.median(times) * 1000:>7.0f} {pct(times, 0.95):>7.0f} "
            f"{pct(times, 0.99):>7.0f} {max(times) * 1000:>7.0f} {len(errors)}"
            + (f" {sorted(set(errors))}" if errors else "")
        )
    causes = collections.Counter(e[5] for e in log if not e[3] and e[5])
    for why, n in sorted(causes.items(), key=lambda kv: -kv[1])[:3]:
        print(f"  {n} × no answer: {why}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buildings", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="[s], at most 600")
    parser.add_argument("--pause", type=float, default=1.0, help="[s] between a user's pages")
    parser.add_argument("--import-rows", type=int, default=0, help="import this many rows midway")
    parser.add_argument("--data-dir", type=Path, help="reuse (or create) this data folder")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the src folder to serve")
    parser.add_argument("--serve-arg", action="append", default=[], help="extra jigai serve args")
    args = parser.parse_args()
    if not (0 < args.duration <= 600 and 0 < args.users <= 200):
        parser.error("--duration must be in (0, 600] s and --users in (0, 200]")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="jigai-load-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = env_for(data_dir, args.src.resolve())
    workbook = data_dir / f"import-{args.import_rows}.xlsx"
    if not (data_dir / "jigai.sqlite3").exists():
        subprocess.run(
            [sys.executable, "-c", PREPARE, str(args.buildings), str(args.import_rows), workbook],
            env=env,
            check=True,
        )
    elif args.import_rows and not workbook.exists():
        parser.error(f"{workbook} is missing: prepare a new data folder with --import-rows")
    subprocess.run([sys.executable, "-m", "jigai.cli", "migrate", "-v0"], env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = (data_dir / "serve.log").open("ab")
    server = jigai(
        env,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *args.serve_arg,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    print(f"server log: {data_dir / 'serve.log'}")
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        users = [User(base, USERS[i % len(USERS)], seed=i) for i in range(args.users)]
        t = time.monotonic()
        for u in users:
            u.login()
        print(
            f"{args.users} users logged in in {time.monotonic() - t:.1f} s; running {args.duration:.0f} s"
        )
        log: list = []
        lock = threading.Lock()
        start = time.monotonic()
        stop = start + args.duration
        threads = [
            threading.Thread(target=run_user, args=(u, stop, args.pause, log, lock), daemon=True)
            for u in users
        ]
        for th in threads:
            th.start()
        window = None
        if args.import_rows:
            time.sleep(args.duration / 4)
            t0 = time.monotonic()
            proc = jigai(
                env,
                "import_buildings",
                str(workbook),
                "--user",
                "zjj_admin",
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            out, _ = proc.communicate()
            window = (t0, time.monotonic())
            print(
                f"import of {args.import_rows} rows: {window[1] - t0:.1f} s, exit {proc.returncode}: {out.strip()[-200:]}"
            )
        for th in threads:
            th.join()
        seconds = time.monotonic() - start
        report("whole run", log, seconds)
        if window:
            during = [e for e in log if window[0] <= e[1] <= window[1]]
            report("requests made during the import", during, window[1] - window[0])
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()


if __name__ == "__main__":
    main()
