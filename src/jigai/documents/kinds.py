"""The kinds of documents and photos, and the kinds each stage transition needs, read from
``data/kinds.yaml`` (data, not code: a new kind or requirement is a line of the file)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import get_language

from jigai.core.roles import Cap

KINDS_FILE = Path(__file__).with_name("data") / "kinds.yaml"
FORMATS = {"pdf", "jpeg", "png", "webp", "xlsx", "docx"}
IMAGES = {"jpeg", "png", "webp"}


@dataclass(frozen=True)
class Kind:
    code: str
    zh: str
    en: str
    accepts: frozenset[str]
    by: frozenset[str]

    @property
    def label(self) -> str:
        """The name in the active language (Chinese unless English is chosen)."""
        return self.en if (get_language() or "").startswith("en") else self.zh

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Catalogue:
    kinds: dict[str, Kind]
    transitions: dict[str, tuple[str, ...]]


@cache
def catalogue() -> Catalogue:
    doc = yaml.safe_load(KINDS_FILE.read_text(encoding="utf-8"))
    caps = {v for k, v in vars(Cap).items() if k.isupper()}
    kinds = {}
    for row in doc["kinds"]:
        kind = Kind(
            row["code"], row["zh"], row["en"], frozenset(row["accepts"]), frozenset(row["by"])
        )
        if kind.code in kinds or not kind.accepts <= FORMATS or not kind.by <= caps:
            raise ValueError(f"{KINDS_FILE.name}: kind {kind.code!r} is not valid")
        kinds[kind.code] = kind
    transitions = {a: tuple(codes) for a, codes in doc["transitions"].items()}
    unknown = {c for codes in transitions.values() for c in codes} - set(kinds)
    if unknown:
        raise ValueError(f"{KINDS_FILE.name}: transitions name unknown kinds {sorted(unknown)}")
    return Catalogue(kinds, transitions)


def kinds() -> dict[str, Kind]:
    return catalogue().kinds


def kind_label(code) -> str:
    """The name of a kind's code (the code itself if the kind is gone from the file)."""
    kind = kinds().get(code)
    return kind.label if kind else str(code)


def needed_for(action: str) -> tuple[Kind, ...]:
    """The kinds the transition ``action`` needs (none for most)."""
    return tuple(kinds()[c] for c in catalogue().transitions.get(action, ()))
