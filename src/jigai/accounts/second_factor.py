"""The second factor (GB/T 22239-2019 §8.1.4.1 d, two or more kinds of authentication):
a TOTP authenticator app through django-otp, with single-use recovery codes.

Holders of :data:`jigai.core.roles.SECOND_FACTOR_ROLES` must enrol before they can use
anything else (:class:`jigai.accounts.middleware.AccountPolicyMiddleware`); everybody else
may. A user who has a confirmed authenticator gives a code after the password on each
login. django-otp refuses a code of a time step already used (``last_t``) and slows
guessing down (each failure doubles the wait before the next try is checked).
"""

from __future__ import annotations

import segno
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jigai.accounts.services import protect_administrators, refusals_audited
from jigai.audit import services as audit
from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError, require
from jigai.core.roles import SECOND_FACTOR_ROLES, Cap

RECOVERY_CODES = 10
VERIFY, ENROL = "verify", "enrol"


def required(user) -> bool:
    """Whether the user's roles oblige them to use a second factor."""
    return bool(user.roles & SECOND_FACTOR_ROLES)


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_step(user) -> str | None:
    """What a logged-in user still owes before using the platform: ``VERIFY`` (a code),
    ``ENROL`` (set up an authenticator, privileged roles only) or None."""
    if getattr(user, "is_verified", None) and user.is_verified():
        return None
    if has_authenticator(user):
        return VERIFY
    return ENROL if required(user) else None


def _division_code(user) -> str:
    return user.organisation.division.code


def _record_failure(user) -> None:
    """A wrong second-factor code, in the audit trail (inside the caller's transaction)."""
    audit.record(
        actor=user,
        action="security.otp_failed",
        outcome=AuditEntry.Outcome.REFUSED,
        division_code=_division_code(user),
        data={"u": user.display_name},
    )


# --------------------------------------------------------------------------- enrolment
def enrolment_device(user) -> TOTPDevice:
    """The user's authenticator being set up (a new secret until it is confirmed)."""
    if has_authenticator(user):
        raise BusinessError(
            _(
                "You already have an authenticator. To replace it, ask the security "
                "administrator to reset your second factor."
            )
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no script, no data URI)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def secret_base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode("ascii")


def confirm_enrolment(request, user, code: str) -> list[str]:
    """Confirm the authenticator with a code from it; return the recovery codes (shown
    once). The session counts as verified from then on."""
    code = (code or "").strip().replace(" ", "")
    refusal = None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None or has_authenticator(user):
            raise BusinessError(_("There is no authenticator being set up: start again."))
        if not device.verify_token(code):
            _record_failure(user)
            refusal = _("The code is wrong or expired: enter the code the app shows now.")
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _replace_recovery_codes(user)
            audit.record(
                actor=user,
                action="security.otp_enrol",
                obj=user,
                division_code=_division_code(user),
                data={"u": user.display_name},
            )
    if refusal:
        raise BusinessError(refusal)
    otp_login(request, device)
    return codes


def _replace_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working); shown once."""
    if not has_authenticator(user):
        raise BusinessError(_("Set up an authenticator first."))
    codes = _replace_recovery_codes(user)
    audit.record(
        actor=user,
        action="security.recovery_codes",
        obj=user,
        division_code=_division_code(user),
        data={"u": user.display_name, "n": len(codes)},
    )
    return codes


# --------------------------------------------------------------------------- login step 2
def verify(request, user, code: str) -> None:
    """Check a code of the user's authenticator, or one of their recovery codes (used
    up by this); mark the session verified or raise BusinessError. Audited either way
    when it fails or uses a recovery code."""
    code = (code or "").strip().replace(" ", "").lower()
    refusal = None
    with transaction.atomic():
        used = None
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if code.isdigit() and device.verify_token(code):
                used = device
                break
        recovery = False
        if used is None and code and not code.isdigit():
            for device in StaticDevice.objects.select_for_update().filter(
                user=user, confirmed=True
            ):
                if device.verify_token(code):
                    used, recovery = device, True
                    break
        if used is None:
            _record_failure(user)
            refusal = _(
                "The code is wrong, expired or already used. Wait for the next code "
                "(a new one every 30 seconds) or use a recovery code."
            )
        elif recovery:
            audit.record(
                actor=user,
                action="security.recovery_code_used",
                obj=user,
                division_code=_division_code(user),
                data={"u": user.display_name, "n": StaticToken.objects.filter(device=used).count()},
            )
    if refusal:
        raise BusinessError(refusal)
    otp_login(request, used)


# --------------------------------------------------------------------------- reset
def reset(user, *, actor) -> None:
    """The security administrator removes a user's authenticator and recovery codes
    (a lost phone); a privileged user must then enrol again at the next login."""
    require(actor, Cap.UNLOCK_ACCOUNTS)
    if user.pk == actor.pk:
        raise BusinessError(_("Nobody may reset their own second factor."))
    with (
        refusals_audited(actor, user.username, user.organisation, user.roles),
        transaction.atomic(),
    ):
        protect_administrators(user, actor)
        totp = TOTPDevice.objects.filter(user=user)
        static = StaticDevice.objects.filter(user=user)
        if not totp.exists() and not static.exists():
            raise BusinessError(_("%(u)s has no second factor to reset.") % {"u": user.username})
        totp.delete()
        static.delete()
        audit.record(
            actor=actor,
            action="security.otp_reset",
            obj=user,
            division_code=_division_code(user),
            data={"a": actor.display_name, "u": user.username},
        )
