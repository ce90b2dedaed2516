"""Shared fixtures: the demo (Yangquan reference data, 2023 programme, one
account per role) is loaded once per test session; every test then runs in a
transaction that is rolled back."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from jigai.demo.loader import load_demo

    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def programme(db):
    from jigai.programmes.models import Programme

    return Programme.objects.get(city__code="yangquan", year=2023)


@pytest.fixture
def user(db):
    """user("zjj_admin") → that demo account."""
    from jigai.accounts.models import User

    def get(username):
        return User.objects.get(username=username)

    return get


def pass_second_factor(client, user) -> None:
    """Mark a test client's session as having passed the second factor with the user's
    authenticator (the privileged demo accounts have one), as a code would."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def demo_totp_code(at: float | None = None) -> str:
    """The demo accounts' TOTP code at time ``at`` (now by default)."""
    import time
    from base64 import b32decode

    from django_otp.oath import TOTP

    from jigai.demo.loader import demo_totp_secret

    totp = TOTP(b32decode(demo_totp_secret()))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


@pytest.fixture
def client_as(client, user):
    """client_as("yx_officer") → a test client logged in as that demo account (past the
    second factor for the accounts that have one)."""

    def login(username):
        subject = user(username)
        client.force_login(subject)
        pass_second_factor(client, subject)
        return client

    return login


@pytest.fixture(autouse=True)
def audit_anchors_per_test(tmp_path_factory, settings):
    """Each test appends the audit chain's anchors to its own file: an anchor of a head that
    the test's rollback undoes must not meet the next test's chain."""
    settings.AUDIT_ANCHOR_DIR = tmp_path_factory.mktemp("anchors")


@pytest.fixture(autouse=True)
def messages_in_english():
    """Service messages are asserted in English (the msgids); pages render in
    the language each request asks for (Chinese by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield
