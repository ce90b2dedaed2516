"""Behind the TLS reverse proxy (issue 11, hole 8): the real server, as ``jigai serve``
starts it, takes X-Forwarded-Proto from the trusted proxy's address only."""

import http.client
import os
import socket
import subprocess
import sys
import time

import pytest

from jigai.core.proxy import TrustedProxy


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.fixture
def serve(tmp_path):
    procs = []

    def start(server, trusted):
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
        env.update(
            DJANGO_SETTINGS_MODULE="jigai.settings",
            SECRET_KEY="proxy-test-key-" + "x" * 40,
            JIGAI_HTTPS="true",
            ALLOWED_HOSTS="127.0.0.1,jigai.example.gov.cn",
            JIGAI_DATA_DIR=str(tmp_path),
            TRUSTED_PROXIES=trusted,
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        )
        port = _free_port()
        cmd = [sys.executable, "-m", "jigai.cli", "serve", "--port", str(port)]
        cmd += ["--server", server, "--workers", "1", "--no-task-worker"]
        log = open(tmp_path / f"{server}-{port}.log", "w")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        procs.append((proc, log))
        for _ in range(150):
            try:
                _get(port, "/", {})
                return port
            except OSError:
                time.sleep(0.1)
        pytest.fail((tmp_path / f"{server}-{port}.log").read_text())

    yield start
    for proc, log in procs:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "Host": "127.0.0.1"}


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_https_only_from_the_trusted_proxy(serve, server):
    trusted = serve(server, "127.0.0.1")
    # through the proxy: on to the login page (not sent round to https again), with HSTS
    response = _get(trusted, "/", HTTPS)
    assert response.status == 302
    assert response.getheader("Location") == "/accounts/login/?next=/"
    assert response.getheader("Strict-Transport-Security").startswith("max-age=31536000")
    # without the proxy's header: redirected to https
    plain = _get(trusted, "/", {"Host": "127.0.0.1"})
    assert plain.status == 301
    assert plain.getheader("Location") == "https://127.0.0.1/"
    # the same header from an address that is not the proxy counts for nothing
    untrusted = serve(server, "10.9.9.9")
    forged = _get(untrusted, "/", HTTPS)
    assert forged.status == 301
    assert forged.getheader("Location") == "https://127.0.0.1/"


def _environ(peer, **headers):
    return {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http", **headers}


def _through(environ):
    seen = {}

    def app(env, start_response):
        seen.update(env)
        return []

    TrustedProxy(app, ["127.0.0.1", "::1"])(environ, None)
    return seen


def test_client_address_from_the_proxy_only():
    env = _through(
        _environ(
            "127.0.0.1",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
        )
    )
    # the proxy's own entry (the last) is the client; what the client claimed is not
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"]) == ("203.0.113.7", "https")
    env = _through(
        _environ("192.0.2.9", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="127.0.0.1")
    )
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"]) == ("192.0.2.9", "http")
    assert "HTTP_X_FORWARDED_FOR" not in env and "HTTP_X_FORWARDED_PROTO" not in env
    # a malformed header changes nothing
    env = _through(_environ("::1", HTTP_X_FORWARDED_PROTO="gopher", HTTP_X_FORWARDED_FOR="x"))
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"]) == ("::1", "http")
