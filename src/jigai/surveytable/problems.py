"""What is wrong with a survey table, said in the reader's language.

A :class:`Problem` names the row as the user sees it (the spreadsheet's row or the CSV's line,
the header being 1; a Parquet file's row from 1; 0 for the whole file), the column as the
file names it, and a message: an English template with named placeholders and its values.
The message is put into words when shown (:meth:`Problem.text`), in Chinese or English, from
jigai's one translation catalogue (``jigai/locale``, read here with the standard library's
``gettext`` so that this package needs no Django).
"""

from __future__ import annotations

import gettext
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "locale"
MAX_SHOWN = 20


def N_(message: str) -> str:
    """Marks a message template for the catalogue; it is translated when shown."""
    return message


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    locale = {"zh-hans": "zh_Hans"}.get(language.lower())
    if locale is None:
        return gettext.NullTranslations()
    return gettext.translation("django", LOCALE, languages=[locale], fallback=True)


def language_from_environment() -> str:
    """The command line's language by the usual variables (LANGUAGE, LC_ALL, LC_MESSAGES,
    LANG): Chinese for any ``zh`` locale, otherwise English."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


def translate(message: str, language: str) -> str:
    return _catalogue(language).gettext(message)


@dataclass(frozen=True, order=True)
class Problem:
    row: int
    column: str
    message: str  # English template, e.g. "“%(v)s” is not a number"
    values: dict = field(default_factory=dict, compare=False)

    def text(self, language: str = "en") -> str:
        template = translate(self.message, language)
        return template % self.values if self.values else template

    def as_dict(self, language: str = "en") -> dict:
        """As stored with an import job: {"row", "column", "message"} in ``language``."""
        return {"row": self.row, "column": self.column, "message": self.text(language)}


class TableRejected(ValueError):
    """The table is refused whole; ``problems`` says why, row by row, sorted."""

    def __init__(self, problems: list[Problem], *, source: str = ""):
        self.problems = sorted(problems)
        self.source = source
        super().__init__(self.lines("en"))

    def lines(self, language: str = "en", *, limit: int = MAX_SHOWN) -> str:
        """One line per problem, ``source:row N:column: message`` (at most ``limit``)."""
        out = []
        for p in self.problems[:limit]:
            where = [self.source] if self.source else []
            if p.row:
                where.append(translate(N_("row %(r)d"), language) % {"r": p.row})
            if p.column:
                where.append(p.column)
            out.append(":".join([*where, " " + p.text(language)]))
        if len(self.problems) > limit:
            out.append(
                translate(N_("… and %(n)d more problem(s)"), language)
                % {"n": len(self.problems) - limit}
            )
        return "\n".join(out)
