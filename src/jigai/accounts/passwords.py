"""Password rules of GB/T 22239-2019 §8.1.4.1 a): complexity by character classes."""

from __future__ import annotations

import string

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
