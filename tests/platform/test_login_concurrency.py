"""A burst of logins as one name at once (issue 11, hole 6), on PostgreSQL with real
concurrent connections: at most LOCKOUT_FAILURES passwords are checked, and after
the lock the right password is refused."""

import threading

import pytest
from django.conf import settings
from django.test import RequestFactory

from tests.platform.concurrency import POSTGRES_RACE, race

pytestmark = POSTGRES_RACE
DEMO_PASSWORD = "Jigai@2023"
BURST = 40


def _burst(fn, n):
    """``fn(i)`` for i in range(n), each in its own thread and connection, all at once."""
    return race(*[lambda i=i: fn(i) for i in range(n)])


def test_a_burst_of_forty_wrong_passwords_checks_five_and_then_refuses_the_right_one(
    monkeypatch,
):
    from jigai.accounts import services
    from jigai.accounts.models import LoginThrottle, User
    from jigai.audit.models import AuditEntry
    from jigai.demo.loader import load_demo

    load_demo(buildings=0)  # a transactional test starts from whatever earlier ones left
    LoginThrottle.objects.filter(username="yx_officer").delete()
    checks = []
    lock = threading.Lock()
    check_password = User.check_password

    def counting(self, raw):
        with lock:
            checks.append(raw)
        return check_password(self, raw)

    monkeypatch.setattr(User, "check_password", counting)
    first_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.9.9.9")

    results = _burst(lambda i: services.login_attempt(request, "yx_officer", f"Wrong#{i}"), BURST)
    assert all(isinstance(r, services.LoginRefused) for r in results), results
    checked_in_burst = len(checks)
    failed_rows = AuditEntry.objects.filter(
        seq__gt=first_seq, action__in=["security.login_failed", "security.lockout"]
    ).count()
    throttle = LoginThrottle.objects.get(username="yx_officer")
    print(f"\npasswords checked in a burst of {BURST}: {checked_in_burst}")  # noqa: T201
    assert checked_in_burst == settings.LOCKOUT_FAILURES == 5, checked_in_burst
    assert failed_rows == 5
    assert throttle.is_locked() and throttle.failures == 5
    # after the burst, the right password is refused without being checked
    with pytest.raises(services.LoginRefused, match="locked"):
        services.login_attempt(request, "yx_officer", DEMO_PASSWORD)
    assert len(checks) == 5
    assert AuditEntry.objects.order_by("-seq").first().action == "security.login_locked"


def test_a_burst_with_the_right_password_among_wrong_ones_never_checks_more_than_five(
    monkeypatch,
):
    from jigai.accounts import services
    from jigai.accounts.models import LoginThrottle, User
    from jigai.demo.loader import load_demo

    load_demo(buildings=0)
    LoginThrottle.objects.filter(username="cq_officer").delete()
    checks = []
    lock = threading.Lock()
    check_password = User.check_password

    def counting(self, raw):
        with lock:
            checks.append(raw)
        return check_password(self, raw)

    monkeypatch.setattr(User, "check_password", counting)
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.9.9.9")
    # 39 wrong passwords and the right one, all at once: the right one is either
    # among the checked (then it logs in and resets the count) or refused as locked
    results = _burst(
        lambda i: services.login_attempt(
            request, "cq_officer", DEMO_PASSWORD if i == 20 else f"Wrong#{i}"
        ),
        BURST,
    )
    logged_in = [r for r in results if isinstance(r, User)]
    assert len(logged_in) <= 1
    # every check but the right one's was counted: with no success, 5; with one, the
    # success reset the count and at most 5 more wrong ones were checked after it
    assert len(checks) <= 5 + (5 if logged_in else 0)
    assert len(checks) >= 5
