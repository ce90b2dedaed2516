"""Production settings and a production set-up (no demo, no default accounts),
run as separate processes the way an operator would."""

import os
import subprocess
import sys

import pytest


def _jigai(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "jigai.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _create_admin(password, env):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "jigai.cli",
            "create_admin",
            "--role",
            "system_admin",
            "--username",
            "ops",
            "--organisation",
            "阳泉市住房和城乡建设局",
            "--password-stdin",
        ],
        input=password + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def production_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "JIGAI_HTTPS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="jigai.settings",
        SECRET_KEY="p" * 20 + "-Zq8#vN2!kR5@xW9$mT3%hL6^bY1&cJ4*",
        ALLOWED_HOSTS="jigai.example.gov.cn",
        JIGAI_DATA_DIR=str(tmp_path),
    )
    env.pop("DATABASE_URL", None)
    return env


def test_check_deploy_passes_with_production_settings(production_env):
    result = _jigai("check", "--deploy", "--fail-level", "WARNING", env=production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_fails_loudly(production_env):
    production_env.pop("SECRET_KEY")
    result = _jigai("check", env=production_env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_bad_boolean_fails_loudly(production_env):
    production_env["DEBUG"] = "maybe"
    result = _jigai("check", env=production_env)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_setup_creates_no_account_and_admins_are_made_explicitly(production_env):
    result = _jigai("setup", "--no-static", env=production_env)
    assert result.returncode == 0, result.stderr
    assert "programme in force: 阳泉市 2023" in result.stdout
    count = _jigai(
        "shell",
        "-c",
        "from jigai.accounts.models import User; print(User.objects.count())",
        env=production_env,
    )
    assert count.stdout.strip().splitlines()[-1] == "0"
    weak = _create_admin("admin", production_env)
    assert weak.returncode != 0
    good = _create_admin("Kx7#Yangquan-2023", production_env)
    assert good.returncode == 0, good.stderr
    verify = _jigai("audit_verify", env=production_env)
    assert verify.returncode == 0 and "entries verified" in verify.stdout
