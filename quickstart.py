#!/usr/bin/env python3
"""jigai quick start: the only two set-up commands.

    python3 quickstart.py start   # set up and start the platform with the demo
    python3 quickstart.py test    # set up and run the whole test suite

Needs only python3 (3.11) with venv and pip. Creates .venv/ with the locked
dependencies; `start` keeps its SQLite database, secret key and static files
in data/ (delete that folder to start afresh).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".jigai-installed"


def say(message: str) -> None:
    print(f"[jigai] {message}", flush=True)


def ensure_venv() -> None:
    """Create .venv and install the locked dependencies (again only when they change)."""
    if sys.version_info[:2] != (3, 11):
        say(f"warning: jigai is built for Python 3.11; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        say("creating the virtual environment .venv/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing the locked dependencies (first time: a minute or two)")
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "install", "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)


def run(*args: str, env: dict | None = None) -> int:
    return subprocess.run([str(BIN / "jigai"), *args], env=env, cwd=ROOT).returncode


def start(args: argparse.Namespace) -> int:
    ensure_venv()
    data = ROOT / "data"
    data.mkdir(exist_ok=True)
    key_file = data / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    env = {
        **os.environ,
        "SECRET_KEY": key_file.read_text().strip(),
        "JIGAI_DATA_DIR": str(data),
        "JIGAI_HTTPS": "false",  # plain http on this machine only
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
    }
    env.pop("DATABASE_URL", None)  # the quick start always uses the embedded database
    say("preparing the database in data/ (migrations, static files, 2023 programme)")
    if run("setup", env=env) != 0:
        return 1
    if run("demo", env=env) != 0:
        return 1
    say(f"open http://127.0.0.1:{args.port}/ and log in with one of the accounts above")
    say("stop with Ctrl+C; start again with the same command (data/ is kept)")
    return run("serve", "--port", str(args.port), env=env)


def test(args: argparse.Namespace) -> int:
    ensure_venv()
    env = {**os.environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [str(BIN / "pytest"), *parallel(args.pytest_args), *args.pytest_args], env=env, cwd=ROOT
    ).returncode


def parallel(pytest_args: list[str]) -> list[str]:
    """Spread the suite over the cores (pytest-xdist, at most 4 processes, each with its own
    test database) unless the arguments choose (``-n 0`` runs it in this process)."""
    chosen = any(a.startswith(("-n", "--numprocesses", "--dist")) for a in pytest_args)
    cores = min(os.cpu_count() or 1, 4)
    return [] if chosen or cores < 2 else ["-n", str(cores)]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="set up and start the platform with the demo")
    p_start.add_argument("--port", type=int, default=8000)
    sub.add_parser("test", help="set up and run the test suite (extra arguments go to pytest)")
    args, rest = parser.parse_known_args()
    if rest and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.pytest_args = rest
    return {"start": start, "test": test}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
