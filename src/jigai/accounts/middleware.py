"""Idle timeout and absolute session lifetime (``SESSION_MAX_HOURS`` from the login,
whatever the activity), and the account policy that stands between a logged-in user
and the platform (:class:`AccountPolicyMiddleware`).

Idle timeout without a session write on every request (GB/T 22239-2019 §8.1.4.1 d,
log out after a period of inactivity).

A logged-in session carries the time of its last recorded activity [s since the epoch]
under ``LAST_ACTIVITY``. A request that finds it older than ``SESSION_IDLE_MINUTES``
ends the session before the view runs (the user is sent to the login page). The stamp
is rewritten only when it is older than ``SESSION_ACTIVITY_WRITE_SECONDS``, so a user
clicking through pages causes one session write a minute at most instead of one per
request — which matters on SQLite, where every write waits for the database's single
write lock (an import holding it froze every page view while sessions were saved on
every request).

Because the stamp may lag the real last request by up to the write interval, a user is
logged out between ``idle − write interval`` and ``idle`` after their last request:
never later than the idle timeout. The stored session (and its database row) outlives
the stamp by the write interval (``SESSION_COOKIE_AGE``) so that it is this check, not
the session's own expiry, that decides.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, connection
from django.shortcuts import redirect

logger = logging.getLogger(__name__)

LAST_ACTIVITY = "_jigai_last_activity"
SESSION_STARTED = "_jigai_session_started"


class IdleTimeoutMiddleware:
    """Place after ``SessionMiddleware`` and before ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        now = time.time()
        idle = settings.SESSION_IDLE_MINUTES * 60
        stamp = session.get(LAST_ACTIVITY)
        started = session.get(SESSION_STARTED)
        if SESSION_KEY in session and (
            (isinstance(stamp, int | float) and now - stamp > idle)
            or (
                isinstance(started, int | float)
                and now - started > settings.SESSION_MAX_HOURS * 3600
            )
        ):
            session.flush()  # logged out: the request goes on as anonymous
        response = self.get_response(request)
        changed_by_view = session.modified
        if SESSION_KEY in session:
            write = False
            if not isinstance(session.get(SESSION_STARTED), int | float):
                # the absolute lifetime counts from the login, whatever the activity since
                session[SESSION_STARTED] = int(now)
                write = True
            stamp = session.get(LAST_ACTIVITY)
            fresh = isinstance(stamp, int | float) and 0 <= now - stamp < (
                settings.SESSION_ACTIVITY_WRITE_SECONDS
            )
            if not fresh:
                session[LAST_ACTIVITY] = int(now)
                write = True
            if write and not changed_by_view:
                _save_stamp_without_waiting(session)
        return response


def _save_stamp_without_waiting(session) -> None:
    """Write the stamp now, giving up after a moment if the database is busy (a long
    import holding SQLite's write lock): the page is served either way and a later
    request writes the stamp. Only the view's own session changes must be saved."""
    try:
        with _short_lock_wait():
            session.save()
    except (UpdateError, DatabaseError):
        logger.info("session activity stamp not written: database busy")
    session.modified = False  # saved, or skipped on purpose


@contextmanager
def _short_lock_wait(ms: int = 200):
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


# --------------------------------------------------------------------------- account policy
OPEN_TO_ALL = frozenset({"accounts:login", "accounts:logout", "set_language"})
STEP_VIEWS = {
    "verify": "accounts:otp_verify",
    "enrol": "accounts:otp_enrol",
    "password": "accounts:password_change",
}


class AccountPolicyMiddleware:
    """What a logged-in user owes before any other page (place after ``OTPMiddleware``):
    first the second factor (a code, or enrolment for the roles that require one), then
    a password change (first login, after an administrator's reset, or expired). Until
    then every view but that step's page, login, logout and the language switch
    redirects to the step's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        name = request.resolver_match.view_name if request.resolver_match else ""
        if name in OPEN_TO_ALL:
            return None
        step = pending_step(user)
        if step is None or name == STEP_VIEWS[step]:
            return None
        return redirect(STEP_VIEWS[step])


def pending_step(user) -> str | None:
    """The step a logged-in user must take before anything else, or None."""
    from jigai.accounts import second_factor, services

    step = second_factor.pending_step(user)
    if step:
        return step
    if services.password_change_reason(user):
        return "password"
    return None
