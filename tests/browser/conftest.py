"""A real jigai server (own process, own database, demo loaded) and Debian's
Chromium driven by Playwright. Outside CI a missing browser skips these
tests; with CI=true it fails them."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_database(tmp: Path) -> str | None:
    """The server uses the same kind of database as the test run: a fresh
    PostgreSQL database when DATABASE_URL points at PostgreSQL, else SQLite in tmp."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    base, _sep, _name = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS jigai_browser WITH (FORCE)")
        conn.execute("CREATE DATABASE jigai_browser")
    return f"{base}/jigai_browser"


SERVER_ENV: dict[str, str] = {}


def server_python(code: str, *args: str) -> str:
    """Run Python against the browser server's database (Django set up), for the data a
    walk needs but does not itself test; returns its standard output."""
    setup = "import django; django.setup()\n"
    done = subprocess.run(
        [sys.executable, "-c", setup + code, *args],
        env=SERVER_ENV,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="jigai.settings",
        SECRET_KEY="browser-test-key-" + "x" * 40,
        JIGAI_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        JIGAI_DATA_DIR=str(tmp),
    )
    database = _server_database(tmp)
    if database:
        env["DATABASE_URL"] = database
    SERVER_ENV.clear()
    SERVER_ENV.update(env)  # for a test that records data server-side (server_python)
    jigai = [sys.executable, "-m", "jigai.cli"]
    for step in (["setup"], ["demo"]):
        subprocess.run([*jigai, *step], env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([*jigai, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/accounts/login/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("jigai server did not start: " + (tmp / "server.log").read_text())
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        if IN_CI:
            pytest.fail("CI=true but Debian's chromium (or playwright) is missing")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


_LAST_STEP: dict[str, int] = {}


def pass_second_step(page, username: str) -> None:
    """After the password: give the demo TOTP code when the page asks for one (the
    privileged demo accounts). A code is accepted once per account and 30-second step,
    so a second login of the same account within a step waits for the next one."""
    if "/second-factor/verify/" not in page.url:
        return
    from tests.conftest import demo_totp_code

    step = int(time.time() // 30)
    if _LAST_STEP.get(username, -1) >= step:
        time.sleep((step + 1) * 30 - time.time() + 0.5)
        step += 1
    _LAST_STEP[username] = step
    page.fill("#id_code", demo_totp_code())
    page.click("form:not(.inline) button[type=submit]")


@pytest.fixture
def login(page, server):
    def do(username, password="Jigai@2023"):
        page.goto(server + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        pass_second_step(page, username)
        return page

    return do
