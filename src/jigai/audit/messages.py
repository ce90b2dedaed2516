"""The sentences of the audit trail, one per action type, rendered when read.

An audit entry stores its action type (``"money.owners"``) and the raw values of the
sentence's placeholders (``{"a": "王会计", "y": 1250000, ...}``: fen as integers, codes
rather than labels). :func:`render` turns them into a sentence in the *reader's* language,
so a trail written by people working in Chinese and in English reads in one language.

Each app registers the sentences of its own action types, in its ``audit_messages``
module (imported by the app's ``AppConfig.ready()``), with :func:`register`: a lazy
translatable template whose named placeholders are the keys of the entry's data and,
where a value needs formatting (yuan from fen, a label from a code), a formatter for that
placeholder, built from the helpers below. This layer names no app's actions, models or
choices. Writing an entry of an unregistered type is refused
(:func:`jigai.audit.services.record`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext

from jigai.money import format_yuan


@dataclass(frozen=True)
class Message:
    template: Any  # a lazy translatable string with %(name)s placeholders
    formatters: dict[str, Callable[[Any], str]] = field(default_factory=dict)


REGISTRY: dict[str, Message] = {}


class UnregisteredAction(RuntimeError):
    """An audit entry was written with an action type that has no registered sentence."""


def register(action: str, template, **formatters: Callable[[Any], str]) -> None:
    """Register the sentence of an action type (once; a second, different one is a bug)."""
    message = Message(template, formatters)
    if REGISTRY.get(action, message) != message:
        raise ValueError(f"audit action {action!r} is already registered with another sentence")
    REGISTRY[action] = message


def is_registered(action: str) -> bool:
    return action in REGISTRY


def render(action: str, data: dict) -> str:
    """The sentence of an entry in the current language."""
    message = REGISTRY.get(action)
    if message is None:
        raise UnregisteredAction(action)
    values = {
        key: message.formatters[key](value) if key in message.formatters else value
        for key, value in data.items()
    }
    return str(message.template) % values


# --------------------------------------------------------------------------- formatters
# The apps build their sentences' formatters from these.
def yuan(fen) -> str:
    """Integer fen as yuan with thousands separators."""
    return format_yuan(int(fen))


def percent(value) -> str:
    """A ratio (stored as a decimal string) as a percentage with one decimal."""
    try:
        return f"{Decimal(str(value)):.1%}"
    except (InvalidOperation, ValueError):
        return str(value)


def choice(choices) -> Callable[[Any], str]:
    """Label of a code of a ``TextChoices`` class (the code itself if it is no longer one)."""

    def label(code) -> str:
        try:
            return str(choices(code).label)
        except ValueError:
            return str(code)

    return label


def choice_list(choices) -> Callable[[Any], str]:
    """Labels of a list of codes of a ``TextChoices`` class, or “none”."""
    label = choice(choices)

    def labels(codes) -> str:
        return "、".join(label(c) for c in codes) or gettext("none")

    return labels


def field_labels(model_label: str) -> Callable[[Any], str]:
    """Field names as the model's (translated) verbose names."""

    def labels(names) -> str:
        from django.apps import apps

        model = apps.get_model(model_label)
        out = []
        for name in names:
            try:
                out.append(str(model._meta.get_field(name).verbose_name))
            except Exception:  # a field removed since the entry was written
                out.append(str(name))
        return "、".join(out) or "—"

    return labels


def counts(label: Callable[[Any], str]) -> Callable[[dict], str]:
    """``{key: count}`` as “label(key) count, …”, in key order."""

    def listed(values: dict) -> str:
        return "，".join(f"{label(k)} {v}" for k, v in sorted(values.items()))

    return listed


def names(values) -> str:
    return "，".join(values) or "—"


def in_brackets(text) -> str:
    """An optional remark (a reason) in brackets after the sentence, or nothing."""
    return f"（{text}）" if text else ""
