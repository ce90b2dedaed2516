"""Login hardening, password policy, separation of the three administrators."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jigai.accounts import services
from jigai.accounts.models import LoginThrottle, Organisation, User
from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError
from jigai.core.roles import CAPABILITIES, Role

DEMO_PASSWORD = "Jigai@2023"


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.parametrize("password", ["Ab1!", "abcdefgh", "abcdefg1", "ABCDEFG1", "12345678"])
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["Yqjn2023x", "yqjn2023!", "YQJN2023!", "Zh0ngGuo#"])
def test_passwords_with_three_classes_and_eight_characters_pass(db, password):
    validate_password(password)


def test_login_with_the_right_password(client, db):
    response = _login(client, "yx_officer", DEMO_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="yx_officer").pk)
    assert AuditEntry.objects.order_by("-seq").first().action == "security.login"


def test_lockout_by_user_name_after_five_failures(client, db):
    for i in range(1, 5):
        response = _login(client, "yx_officer", "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        assert LoginThrottle.objects.get(username="yx_officer").failures == i
    response = _login(client, "yx_officer", "wrong")  # the fifth
    throttle = LoginThrottle.objects.get(username="yx_officer")
    assert throttle.is_locked()
    locked_for = throttle.locked_until - throttle.last_failure_at
    assert locked_for == dt.timedelta(minutes=settings.LOCKOUT_MINUTES)
    # now even the right password is refused …
    response = _login(client, "yx_officer", DEMO_PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # … while a colleague from the same address logs in normally.
    response = _login(client, "cq_officer", DEMO_PASSWORD)
    assert response.status_code == 302
    actions = list(AuditEntry.objects.order_by("-seq").values_list("action", flat=True)[:3])
    assert actions == ["security.login", "security.login_locked", "security.lockout"]


def test_lock_expires(client, db):
    LoginThrottle.objects.create(
        username="yx_officer", failures=5, locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _login(client, "yx_officer", DEMO_PASSWORD).status_code == 302
    assert LoginThrottle.objects.get(username="yx_officer").failures == 0


def test_security_admin_unlocks(client_as, db):
    LoginThrottle.objects.create(
        username="yx_officer", failures=5, locked_until=timezone.now() + dt.timedelta(minutes=10)
    )
    client = client_as("secadmin")
    assert client.get("/accounts/lockouts/").status_code == 200
    response = client.post("/accounts/lockouts/unlock/", {"username": "yx_officer"})
    assert response.status_code == 302
    assert not LoginThrottle.objects.get(username="yx_officer").is_locked()
    assert AuditEntry.objects.order_by("-seq").first().action == "security.unlock"


def test_no_superuser_and_no_default_admin(db):
    with pytest.raises(NotImplementedError):
        User.objects.create_superuser("admin", "a@b.c", "admin")
    assert not User.objects.filter(username="admin").exists()


def test_administrators_share_no_capability():
    admin_caps = [
        CAPABILITIES[r] for r in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
    ]
    business = set().union(
        *(
            CAPABILITIES[r]
            for r in Role
            if r not in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.AUDITOR)
        )
    )
    for i, caps in enumerate(admin_caps):
        for j, other in enumerate(admin_caps):
            if i != j:
                assert not caps & other
        assert not caps & business


def test_administrator_role_cannot_be_combined(db, user):
    with pytest.raises(BusinessError, match="cannot be combined"):
        services.set_roles(
            user("yx_officer"), {Role.COUNTY_OFFICER, Role.AUDIT_ADMIN}, actor=user("secadmin")
        )
    assert user("yx_officer").roles == {Role.COUNTY_OFFICER}


def test_nobody_changes_their_own_roles(db, user):
    with pytest.raises(BusinessError, match="own roles"):
        services.set_roles(user("secadmin"), set(), actor=user("secadmin"))
    assert user("secadmin").roles == {Role.SECURITY_ADMIN}


def test_system_admin_cannot_grant_roles_and_security_admin_cannot_open_accounts(db, user):
    with pytest.raises(PermissionDenied):
        services.set_roles(user("yx_officer"), {Role.APPROVER}, actor=user("sysadmin"))
    with pytest.raises(PermissionDenied):
        services.create_user(
            actor=user("secadmin"),
            username="x1",
            password="Abcdefg1!",
            organisation=Organisation.objects.get(short_name="盂县政府"),
        )


def test_account_lifecycle_through_the_pages(client_as, db):
    yu = Organisation.objects.get(short_name="盂县政府")
    sys_client = client_as("sysadmin")
    response = sys_client.post(
        "/accounts/users/new/",
        {
            "username": "yx_new",
            "last_name": "新",
            "first_name": "同事",
            "email": "",
            "phone": "",
            "organisation": yu.pk,
            "password": "simple",
        },
    )
    assert response.status_code == 200 and not User.objects.filter(username="yx_new").exists()
    response = sys_client.post(
        "/accounts/users/new/",
        {
            "username": "yx_new",
            "last_name": "新",
            "first_name": "同事",
            "email": "",
            "phone": "",
            "organisation": yu.pk,
            "password": "Yuxian#2024",
        },
    )
    assert response.status_code == 302
    new = User.objects.get(username="yx_new")
    assert new.roles == frozenset() and new.organisation == yu
    sec_client = client_as("secadmin")
    response = sec_client.post(f"/accounts/users/{new.pk}/roles/", {"roles": ["county_officer"]})
    assert response.status_code == 302
    assert User.objects.get(pk=new.pk).roles == {"county_officer"}
    actions = list(AuditEntry.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == ["user.roles", "user.create"]


def test_county_officer_role_needs_a_county_organisation(db, user):
    with pytest.raises(BusinessError, match="may not hold the role") as refused:
        services.set_roles(user("fgw_approver"), {Role.COUNTY_OFFICER}, actor=user("secadmin"))
    assert refused.value.details == [
        "County officer: County/district government、Street office、"
        "Community / residents' committee, inside a county."
    ]
    assert user("fgw_approver").roles == {Role.APPROVER}


def test_password_change_enforces_policy(client_as, user):
    client = client_as("yx_officer")
    response = client.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert user("yx_officer").check_password(DEMO_PASSWORD)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password": "Yangquan#2024",
            "new_password2": "Yangquan#2024",
        },
    )
    assert response.status_code == 302
    assert user("yx_officer").check_password("Yangquan#2024")


@pytest.fixture
def fresh_login_cache():
    services.UNKNOWN_NAMES.clear()
    services.UNKNOWN_AUDITED.clear()
    yield
    services.UNKNOWN_NAMES.clear()
    services.UNKNOWN_AUDITED.clear()


def _login_en(client, username, password, **extra):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def test_unknown_names_fill_neither_the_throttle_table_nor_the_trail(client, db, fresh_login_cache):
    """Issue 11: 100 made-up names from one address left 100 throttle rows and 100
    audit rows; now none and one (one a minute per address)."""
    throttles = LoginThrottle.objects.count()
    seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    for i in range(100):
        response = _login_en(client, f"nobody{i:03d}", "Wrong#Pass1")
        assert response.status_code == 200
        assert "Wrong user name or password." in response.content.decode()
    assert LoginThrottle.objects.count() == throttles
    new = AuditEntry.objects.filter(seq__gt=seq)
    assert list(new.values_list("action", "data")) == [
        ("security.login_unknown", {"u": "nobody000"})
    ]
    # from another address, one more row
    _login_en(client, "nobody100", "x", REMOTE_ADDR="10.1.2.3")
    assert AuditEntry.objects.filter(seq__gt=seq).count() == 2


def test_an_unknown_name_is_answered_like_a_real_one(client, db, fresh_login_cache, monkeypatch):
    """Same message, a password hash all the same, and locked after as many tries."""
    from django.contrib.auth.hashers import get_hasher

    hasher = type(get_hasher())
    hashes = []
    encode = hasher.encode
    monkeypatch.setattr(
        hasher, "encode", lambda self, *a, **k: hashes.append(1) or encode(self, *a, **k)
    )
    answers, work = {}, {}
    for name in ("yx_officer", "no_such_officer"):
        answers[name] = []
        hashes.clear()
        for _i in range(settings.LOCKOUT_FAILURES + 1):
            page = _login_en(client, name, "Wrong#Pass1").content.decode()
            answers[name].append("account is locked until" in page)
        work[name] = len(hashes)
    assert answers["yx_officer"] == answers["no_such_officer"] == [False] * 4 + [True, True]
    assert work["yx_officer"] == work["no_such_officer"] == 5
