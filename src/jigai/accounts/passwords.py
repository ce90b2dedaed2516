"""Password rules of GB/T 22239-2019 §8.1.4.1 a): complexity by character classes, no
known-weak password, no reuse of the last ones."""

from __future__ import annotations

import functools
import string
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    """How many of the four classes (upper, lower, digit, symbol) a password uses."""
    return sum(
        [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isalnum() for c in password),
        ]
    )


class CharacterClassValidator:
    def __init__(self, classes: int = 3):
        self.classes = classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(n)d of: upper-case letters, "
                    "lower-case letters, digits, symbols."
                )
                % {"n": self.classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _(
            "Use at least %(n)d of: upper-case letters, lower-case letters, digits, symbols."
        ) % {"n": self.classes}


WEAK_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "weak_passwords.txt"


@functools.cache
def weak_passwords() -> frozenset[str]:
    """The known-weak passwords (lower case) of ``data/weak_passwords.txt``."""
    lines = WEAK_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def _folded(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


class KnownWeakPasswordValidator:
    """Refuse passwords of the known-weak list, and passwords holding the user name or
    the name (or short name) of the user's organisation."""

    def validate(self, password: str, user=None) -> None:
        if password.lower() in weak_passwords():
            raise ValidationError(
                _("This password is on the list of known weak passwords."),
                code="password_known_weak",
            )
        if user is None:
            return
        folded = _folded(password)
        names = [getattr(user, "username", "")]
        organisation = getattr(user, "organisation", None) if user.organisation_id else None
        if organisation is not None:
            names += [organisation.name, organisation.short_name]
        for name in names:
            name = _folded(name or "")
            if len(name) >= 3 and name in folded:
                raise ValidationError(
                    _("The password must not contain your user name or your organisation's name."),
                    code="password_contains_name",
                )

    def get_help_text(self) -> str:
        return _("Not a known weak password, and not containing your user name or organisation.")


class PasswordHistoryValidator:
    """Refuse the last ``PASSWORD_HISTORY`` passwords: the current one and the earlier
    ones kept as hashes in :class:`~jigai.accounts.models.PasswordHistory`."""

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        from jigai.accounts.models import PasswordHistory

        stored = (
            get_user_model().objects.filter(pk=user.pk).values_list("password", flat=True).first()
        )
        earlier = PasswordHistory.objects.filter(user_id=user.pk).values_list(
            "password", flat=True
        )[: settings.PASSWORD_HISTORY - 1]
        for encoded in [stored, *earlier]:
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    _("The password must differ from your last %(n)d passwords.")
                    % {"n": settings.PASSWORD_HISTORY},
                    code="password_reused",
                )

    def get_help_text(self) -> str:
        return _("None of your last %(n)d passwords.") % {"n": settings.PASSWORD_HISTORY}
