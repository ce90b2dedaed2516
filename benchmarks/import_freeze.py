"""Do other users freeze while a survey import runs? Starts `jigai serve` (gunicorn and
its task worker) on the embedded SQLite default in a temp folder, uploads an N-row
workbook as the city administrator, and meanwhile times page views of another logged-in
user back to back. Prints the import's wall time per step and the longest page gap.

    .venv/bin/python benchmarks/import_freeze.py [--rows 10000] [--page /buildings/summary/]
"""

import argparse
import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as r:
            return r.read().decode()

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, user: str) -> None:
        self.get("/accounts/login/")
        body = urllib.parse.urlencode(
            {"username": user, "password": "Jigai@2023", "csrfmiddlewaretoken": self.csrf()}
        ).encode()
        self.opener.open(self.base + "/accounts/login/", body, timeout=60).read()

    def upload(self, name: str, data: bytes) -> str:
        boundary = uuid.uuid4().hex
        parts = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f"{self.csrf()}\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            self.base + "/buildings/import/",
            data=parts,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with self.opener.open(request, timeout=120) as r:
            return r.geturl()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--page", default="/buildings/summary/")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jigai-freeze-"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="jigai.settings",
        SECRET_KEY="freeze-benchmark-" + "x" * 40,
        JIGAI_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1",
        JIGAI_DATA_DIR=str(tmp),
    )
    jigai = [sys.executable, "-m", "jigai.cli"]
    for step in (["setup"], ["demo"]):
        subprocess.run([*jigai, *step], env=env, check=True, capture_output=True)
    from jigai.stock.synthetic import generate, rows
    from jigai.surveytable.writer import save, survey_sheet

    data_rows = list(rows(generate(args.rows, seed=77)))
    for r in data_rows:
        r["community"] = "压测" + r["community"]
    data = save(survey_sheet(data_rows))
    port = _port()
    log = open(tmp / "serve.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [*jigai, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        viewer, importer = Browser(base), Browser(base)
        viewer.login("yx_officer")
        importer.login("zjj_admin")
        importer.get("/buildings/import/")
        times: list[tuple[float, float]] = []
        stop = threading.Event()

        def view():
            while not stop.is_set():
                t0 = time.perf_counter()
                viewer.get(args.page)
                times.append((t0, time.perf_counter()))

        thread = threading.Thread(target=view)
        thread.start()
        time.sleep(2)
        t_upload = time.perf_counter()
        url = importer.upload("freeze.xlsx", data)
        pk = int(re.search(r"/import/(\d+)/", url).group(1))
        db = tmp / "jigai.sqlite3"
        marks, status = {}, "pending"
        while status in ("pending", "running"):
            with sqlite3.connect(db) as conn:
                status, steps = conn.execute(
                    "SELECT status, steps FROM buildings_importjob WHERE id = ?", (pk,)
                ).fetchone()
            for s in json.loads(steps):
                if s.get("end") and s["key"] not in marks:
                    marks[s["key"]] = time.perf_counter() - t_upload
            time.sleep(0.05)
        t_done = time.perf_counter()
        time.sleep(2)
        stop.set()
        thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    during = [(a, b) for a, b in times if b >= t_upload and a <= t_done]
    longest = max(b - a for a, b in during)
    print(
        f"{args.rows} rows ({len(data) / 1e6:.1f} MB): {status} in {t_done - t_upload:.1f} s "
        "(steps ended at " + ", ".join(f"{k} {v:.1f} s" for k, v in marks.items()) + ")"
    )
    worst = sorted(during, key=lambda ab: ab[0] - ab[1])[:3]
    print(
        "longest views began at "
        + ", ".join(f"{a - t_upload:.1f} s ({b - a:.2f} s)" for a, b in worst)
    )
    print(
        f"{len(during)} views of {args.page} by another user during the import: longest "
        f"{longest:.2f} s, median {sorted(b - a for a, b in during)[len(during) // 2]:.3f} s"
    )


if __name__ == "__main__":
    main()
