"""Idle timeout without a session write on every request (issue 10 item 7)."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jigai.accounts import middleware

DEMO_PASSWORD = "Jigai@2023"


class Clock:
    def __init__(self, t: float):
        self.t = t

    def time(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch):
    c = Clock(1_700_000_000.0)
    monkeypatch.setattr(middleware, "time", c)
    return c


def _session_writes(queries) -> int:
    table = Session._meta.db_table
    return sum(
        1
        for q in queries
        if table in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def _log_in(client, username):
    """Log in through the pages: the password, then the code for accounts with a second
    factor (the privileged demo accounts)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import demo_totp_code

    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    if response.status_code == 302 and TOTPDevice.objects.filter(user__username=username).exists():
        response = client.post("/accounts/second-factor/verify/", {"code": demo_totp_code()})
    return response


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_settings_no_longer_save_every_request():
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_IDLE_MINUTES == 30
    # the stored session outlives the stamp by the write interval: 30 min + 60 s
    assert settings.SESSION_COOKIE_AGE == 30 * 60 + 60


@pytest.mark.parametrize("username", ["zjj_admin", "yx_officer", "sjj_auditor"])
def test_pages_within_a_minute_write_no_session(client, db, clock, username):
    response = _log_in(client, username)
    assert response.status_code == 302 and _logged_in(client)
    assert client.session[middleware.LAST_ACTIVITY] == 1_700_000_000
    clock.t += 30  # two pages 30 s and 59 s after login: no write at all
    with CaptureQueriesContext(connection) as first:
        assert client.get("/dashboard/").status_code == 200
    clock.t += 29
    with CaptureQueriesContext(connection) as second:
        assert client.get("/buildings/").status_code == 200
    assert _session_writes(first.captured_queries) == 0
    assert _session_writes(second.captured_queries) == 0
    assert client.session[middleware.LAST_ACTIVITY] == 1_700_000_000
    # 60 s after the stamp the next page writes it once: 1_700_000_060
    clock.t += 1
    with CaptureQueriesContext(connection) as third:
        assert client.get("/dashboard/").status_code == 200
    assert _session_writes(third.captured_queries) == 1
    assert client.session[middleware.LAST_ACTIVITY] == 1_700_000_060


def test_idle_for_thirty_minutes_logs_out(client, db, clock):
    _log_in(client, "zjj_admin")
    key = client.session.session_key
    # 30 min exactly after the stamp is still within the timeout (idle > 1800 s logs out)
    clock.t += 30 * 60
    assert client.get("/dashboard/").status_code == 200
    assert client.session[middleware.LAST_ACTIVITY] == 1_700_000_000 + 1800
    # another 30 min 1 s of silence: logged out, sent to the login page, row deleted
    clock.t += 30 * 60 + 1
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not _logged_in(client)
    assert not Session.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(session_key=client.session.session_key or "").exists()


def test_idle_timeout_follows_the_setting(client, db, clock, settings):
    settings.SESSION_IDLE_MINUTES = 5
    _log_in(client, "yx_officer")
    clock.t += 5 * 60 + 1  # 301 s > 300 s
    assert client.get("/dashboard/").status_code == 302
    assert not _logged_in(client)


def test_expired_stored_session_no_longer_authenticates(client, db):
    _log_in(client, "zjj_admin")
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get("/dashboard/").status_code == 302


def test_anonymous_requests_create_no_session(client, db):
    with CaptureQueriesContext(connection) as q:
        client.get("/accounts/login/")
    assert _session_writes(q.captured_queries) == 0
    assert Session.objects.count() == 0


def test_a_busy_database_does_not_fail_the_page(client, db, clock, monkeypatch):
    """The stamp write gives up when the database is locked (a long import): the page
    is served, the stamp stays old and the next request after that writes it."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.backends.db import SessionStore

    _log_in(client, "zjj_admin")
    real_save = SessionStore.save

    def locked(self, must_create=False):
        raise UpdateError

    monkeypatch.setattr(SessionStore, "save", locked)
    clock.t += 61
    assert client.get("/dashboard/").status_code == 200
    monkeypatch.setattr(SessionStore, "save", real_save)
    assert client.session[middleware.LAST_ACTIVITY] == 1_700_000_000  # not written
    clock.t += 1
    with CaptureQueriesContext(connection) as q:
        assert client.get("/dashboard/").status_code == 200
    assert _session_writes(q.captured_queries) == 1
    assert client.session[middleware.LAST_ACTIVITY] == 1_700_000_062
