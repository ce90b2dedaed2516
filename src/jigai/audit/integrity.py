"""Checks of other records against the audit trail, registered by the apps that own them.

The trail is the one record no one can rewrite unnoticed (keyed chain, anchors). An app
whose rows must agree with it — the projects' ledgers — registers a :class:`Check` here
(from its ``AppConfig.ready()``): ``verify(using)`` compares its rows with their audit
entries, ``figures(using)`` gives the totals a backup's manifest records. ``jigai verify``
and ``jigai backup``/``restore`` run every registered check; this layer names no app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class CheckReport:
    name: str
    checked: int = 0  # rows compared
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Check:
    name: str
    verify: Callable[[str], CheckReport]
    figures: Callable[[str], dict]


CHECKS: dict[str, Check] = {}


def register(check: Check) -> None:
    CHECKS[check.name] = check


def run_all(using: str = "default") -> list[CheckReport]:
    return [check.verify(using) for check in CHECKS.values()]


def all_figures(using: str = "default") -> dict[str, dict]:
    return {name: check.figures(using) for name, check in CHECKS.items()}
