"""Issue 11, authentication (身份鉴别): the second factor, password age, history, forced
change, known-weak passwords, dormant accounts and the absolute session lifetime."""

import datetime as dt
import re
import time

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jigai.accounts import middleware, services
from jigai.accounts.models import PasswordHistory, User
from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError
from tests.conftest import demo_totp_code

PASSWORD = "Jigai@2023"
T0 = timezone.make_aware(dt.datetime(2024, 3, 1, 9, 0))


def _last_action():
    return AuditEntry.objects.order_by("-seq").values_list("action", flat=True).first()


def _password_login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --------------------------------------------------------------------------- second factor
def _code(device, at=None):
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def test_login_with_a_code_and_the_same_code_is_refused_a_second_time(client, db):
    assert _password_login(client, "czj_finance").status_code == 302
    assert client.get("/dashboard/")["Location"] == "/accounts/second-factor/verify/"
    code = demo_totp_code()
    response = client.post("/accounts/second-factor/verify/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/dashboard/").status_code == 200
    # a second login with the same code (same 30 s step): refused, audited
    client.post("/accounts/logout/")
    _password_login(client, "czj_finance")
    response = client.post("/accounts/second-factor/verify/", {"code": code})
    assert response.status_code == 200
    assert client.get("/dashboard/").status_code == 302
    assert _last_action() == "security.otp_failed"


def test_a_wrong_code_is_refused_and_audited(client, db):
    _password_login(client, "fgw_approver")
    wrong = f"{(int(demo_totp_code()) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/second-factor/verify/", {"code": wrong})
    assert response.status_code == 200
    assert client.get("/dashboard/").status_code == 302
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.outcome) == ("security.otp_failed", "refused")


def test_enrolment_recovery_codes_once_each_and_regeneration(client, db, user):
    """A county officer opts in: QR + secret, confirm with a code, 10 recovery codes;
    each recovery code logs in once; new codes replace the old ones."""
    client.force_login(user("yx_officer"))
    page = client.get("/accounts/second-factor/enrol/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline
    device = TOTPDevice.objects.get(user__username="yx_officer", confirmed=False)
    assert page.context["secret"] and len(page.context["secret"]) == 32
    response = client.post("/accounts/second-factor/enrol/", {"code": "000000"})
    assert (
        response.status_code == 200
        and not TOTPDevice.objects.filter(confirmed=True, user=device.user).exists()
    )
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post("/accounts/second-factor/enrol/", {"code": _code(device)})
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    assert _last_action() == "security.otp_enrol"
    # the next login asks for a code; a recovery code works once
    client.post("/accounts/logout/")
    _password_login(client, "yx_officer")
    assert client.get("/buildings/")["Location"] == "/accounts/second-factor/verify/"
    client.post("/accounts/second-factor/verify/", {"code": codes[0]})
    assert client.get("/buildings/").status_code == 200
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.data["n"]) == ("security.recovery_code_used", 9)
    client.post("/accounts/logout/")
    _password_login(client, "yx_officer")
    client.post("/accounts/second-factor/verify/", {"code": codes[0]})
    assert client.get("/buildings/").status_code == 302  # used up
    # a failure makes the next try wait (django-otp's throttle: 1 s, then 2 s, 4 s …)
    StaticDevice.objects.get(user__username="yx_officer").throttle_reset()
    client.post("/accounts/second-factor/verify/", {"code": codes[1]})
    assert client.get("/buildings/").status_code == 200
    # new codes: the old ones stop working
    fresh = client.post("/accounts/second-factor/recovery-codes/").context["codes"]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert StaticToken.objects.filter(device__user=device.user).count() == 10
    assert not StaticToken.objects.filter(token=codes[2]).exists()
    assert _last_action() == "security.recovery_codes"


def test_security_admin_resets_a_second_factor(client_as, db, user):
    client = client_as("secadmin")
    approver = user("fgw_approver")
    response = client.post(f"/accounts/users/{approver.pk}/second-factor/reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=approver).exists()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.data["u"]) == ("security.otp_reset", "fgw_approver")
    # the system administrator may not
    response = client_as("sysadmin").post(f"/accounts/users/{approver.pk}/second-factor/reset/")
    assert response.status_code == 403
    # the approver must enrol again
    other = client_as("fgw_approver")
    assert other.get("/dashboard/")["Location"] == "/accounts/second-factor/enrol/"


# --------------------------------------------------------------------------- password policy
def test_password_expires_after_90_days(client, db, user, monkeypatch):
    officer = user("yx_officer")
    User.objects.filter(pk=officer.pk).update(password_changed_at=T0)
    for day, forced in [(89, False), (91, True)]:
        monkeypatch.setattr(timezone, "now", lambda d=day: T0 + dt.timedelta(days=d))
        client.force_login(officer)
        response = client.get("/buildings/")
        assert (response.status_code == 302) is forced, day
        if forced:
            assert response["Location"] == "/accounts/password/"
        client.logout()
    # logging in on day 91 records the expiry
    _password_login(client, "yx_officer")
    assert _last_action() == "security.password_expired"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": "Yu#xian2024", "new_password2": "Yu#xian2024"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.data["r"]) == ("security.password_forced_change", "expired")
    assert client.get("/buildings/").status_code == 200


def test_the_last_five_passwords_are_refused_the_sixth_allowed(db, user):
    officer = user("yx_officer")
    chain = [PASSWORD] + [f"Yu#xian20{n:02d}" for n in range(1, 6)]  # the demo one + 5 more
    for old, new in zip(chain, chain[1:], strict=False):
        services.change_own_password(officer, old_password=old, new_password=new)
    current = chain[-1]
    assert PasswordHistory.objects.filter(user=officer).count() == settings.PASSWORD_HISTORY
    # the last five passwords: the current one and the four before it
    for earlier in chain[-5:-1]:
        with pytest.raises(BusinessError) as refused:
            services.change_own_password(officer, old_password=current, new_password=earlier)
        assert "last 5 passwords" in " ".join(refused.value.details)
    # the sixth-last (the demo password) is allowed again
    services.change_own_password(officer, old_password=current, new_password=chain[0])
    assert User.objects.get(pk=officer.pk).check_password(chain[0])


def test_known_weak_passwords_and_names_are_refused(db, user):
    officer = user("yx_officer")
    for weak in ["P@ssw0rd", "Admin@123", "Qwer@1234", "yx_officer#1A", "盂县人民政府Ab1"]:
        with pytest.raises(BusinessError):
            services.change_own_password(officer, old_password=PASSWORD, new_password=weak)
    assert User.objects.get(pk=officer.pk).check_password(PASSWORD)


def test_first_login_and_an_administrators_reset_force_a_change(client, client_as, db, user):
    from jigai.accounts.models import Organisation

    admin = user("sysadmin")
    created = services.create_user(
        actor=admin,
        username="new_clerk",
        organisation=Organisation.objects.get(name="盂县人民政府"),
        password="Initial#2024",
    )
    assert created.must_change_password
    _password_login(client, "new_clerk", "Initial#2024")
    assert client.get("/")["Location"] == "/accounts/password/"
    client.post(
        "/accounts/password/",
        {
            "old_password": "Initial#2024",
            "new_password": "Mine#2024x",
            "new_password2": "Mine#2024x",
        },
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.data["r"]) == ("security.password_forced_change", "first")
    assert client.get("/").status_code == 200  # no role yet: the page that says so
    # the system administrator resets it: forced again
    response = client_as("sysadmin").post(
        f"/accounts/users/{created.pk}/password/", {"password": "Reset#2024y"}
    )
    assert response.status_code == 302
    assert _last_action() == "user.password_reset"
    assert User.objects.get(pk=created.pk).must_change_password


def test_dormant_accounts_are_disabled_after_90_days(db, user, monkeypatch):
    officer, other = user("yx_officer"), user("cq_officer")
    User.objects.filter(pk=officer.pk).update(last_login=T0)
    User.objects.filter(pk=other.pk).update(last_login=T0 + dt.timedelta(days=2))
    User.objects.exclude(pk__in=[officer.pk, other.pk]).update(
        last_login=T0 + dt.timedelta(days=80)
    )
    assert services.disable_dormant(now=T0 + dt.timedelta(days=89)) == []
    assert services.disable_dormant(now=T0 + dt.timedelta(days=91)) == ["yx_officer"]
    assert not User.objects.get(pk=officer.pk).is_active
    assert User.objects.get(pk=other.pk).is_active
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.data) == ("security.dormant_disabled", {"u": "yx_officer", "n": 90})


def test_a_dormant_account_logging_in_is_disabled(client, db, user, monkeypatch):
    officer = user("yx_officer")
    User.objects.filter(pk=officer.pk).update(last_login=timezone.now() - dt.timedelta(days=91))
    response = _password_login(client, "yx_officer")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert not User.objects.get(pk=officer.pk).is_active
    assert _last_action() == "security.dormant_disabled"


def test_disable_dormant_command(db, user):
    from io import StringIO

    from django.core.management import call_command

    User.objects.filter(username="kq_officer").update(
        last_login=timezone.now() - dt.timedelta(days=200)
    )
    out = StringIO()
    call_command("disable_dormant", stdout=out)
    assert "kq_officer" in out.getvalue()
    assert not User.objects.get(username="kq_officer").is_active


# --------------------------------------------------------------------------- session lifetime
class Clock:
    def __init__(self, t: float):
        self.t = t

    def time(self) -> float:
        return self.t


def test_a_session_ends_after_12_hours_even_with_activity(client, db, monkeypatch):
    clock = Clock(1_700_000_000.0)
    monkeypatch.setattr(middleware, "time", clock)
    _password_login(client, "yx_officer")
    assert client.get("/buildings/").status_code == 200
    for _step in range(11 * 4 + 3):  # a page every 15 minutes for 11 h 45 min
        clock.t += 15 * 60
        assert client.get("/buildings/").status_code == 200
    clock.t += 16 * 60  # 12 h 1 min after the login
    response = client.get("/buildings/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
