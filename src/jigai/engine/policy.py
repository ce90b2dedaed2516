"""Package rules of a programme year: what a retrofit package must contain.

阳政办发〔2023〕36号 二（二）3 (改造内容) and 三 (技术要求) make the envelope the content of a
retrofit — external walls, roofs, doors and windows, basement ceilings, air-tightness — plus
façade renovation (外立面整治). A programme year states this as data (``package_rules`` of its
YAML file), read here into a ``PackagePolicy``:

- ``required``: the measure groups a *residential* package must contain. Each is exempt for a
  building when the existing elements of that group already meet the limit in force for the
  building's zone (``exempt_when_meeting_limit``; limits of ``limits.py``), or when the
  building has no element of that group, or when a per-building exception lifts the rule
  (``require_<group>``).
- ``optional``: groups a package may contain; a group neither required nor optional is not
  offered at all.
- ``facade_fen_per_m2``: the façade-renovation line of every package [fen per m² of façade,
  i.e. the gross area of the outdoor-facing external walls, openings included].

Public buildings have no required group (the plan's content rule is for residential
retrofits; JGJ 176 judges public buildings by energy alone) but pay the façade line too.

``NO_RULES`` reproduces the engine before programme rules: every group optional, no façade
line. ``parse_policy`` refuses a bad rules table naming the row (``PolicyError``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jigai.money import MoneyError, yuan_to_fen

from .errors import EngineInputError
from .measures import PACKAGE_GROUPS, MeasureGroup
from .programme_file import SHIPPED, read_yaml, shipped_programme


class PolicyError(EngineInputError):
    """A bad package-rules table: ``field`` names the row, e.g. ``package_rules.required[1]``."""


LIFTABLE_PREFIX = "require_"


@cache
def rule_name(group: MeasureGroup) -> str:
    """The name of the rule that a package contain ``group`` (what an exception lifts)."""
    return f"{LIFTABLE_PREFIX}{group.value}"


def group_of_rule(rule: str) -> MeasureGroup:
    """Inverse of ``rule_name``; ``ValueError`` for a name that is not a group rule."""
    if not rule.startswith(LIFTABLE_PREFIX):
        raise ValueError(rule)
    g = MeasureGroup(rule[len(LIFTABLE_PREFIX) :])
    if g not in PACKAGE_GROUPS:
        raise ValueError(rule)
    return g


RULE_ZH = {g: f"须含{g.label_zh}" for g in PACKAGE_GROUPS}


@dataclass(frozen=True)
class PackagePolicy:
    """A programme year's package rules (see module docstring). Money in fen."""

    required: tuple[MeasureGroup, ...] = ()
    optional: tuple[MeasureGroup, ...] = PACKAGE_GROUPS
    exempt_when_meeting_limit: bool = True
    facade_fen_per_m2: int = 0
    source: str = "no programme rules (every group optional, no façade line)"
    facade_source: str = ""
    origin: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def allowed(self, group: MeasureGroup) -> bool:
        return group in self.required or group in self.optional

    def required_for(self, residential: bool) -> tuple[MeasureGroup, ...]:
        return self.required if residential else ()

    @property
    def rule_names(self) -> tuple[str, ...]:
        return tuple(rule_name(g) for g in self.required)

    def to_dict(self) -> dict:
        return {
            "required": [g.value for g in self.required],
            "optional": [g.value for g in self.optional],
            "exempt_when_meeting_limit": self.exempt_when_meeting_limit,
            "facade_fen_per_m2": self.facade_fen_per_m2,
            "source": self.source,
            "facade_source": self.facade_source,
            "origin": self.origin,
        }


NO_RULES = PackagePolicy()

_KEYS = {
    "required",
    "optional",
    "exempt_when_meeting_limit",
    "facade_yuan_per_m2",
    "facade_fen_per_m2",
    "source",
    "facade_source",
}


def _groups(value: Any, path: str) -> tuple[MeasureGroup, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise PolicyError(path, "must be a list of measure groups")
    out = []
    allowed = ", ".join(g.value for g in PACKAGE_GROUPS)
    for i, v in enumerate(value):
        try:
            g = MeasureGroup(str(v).strip())
        except ValueError:
            g = None
        if g is None or g not in PACKAGE_GROUPS:
            raise PolicyError(
                f"{path}[{i}]", f"unknown measure group {v!r} (known: {allowed})"
            ) from None
        if g in out:
            raise PolicyError(f"{path}[{i}]", f"measure group {g.value!r} listed twice")
        out.append(g)
    return tuple(out)


def parse_policy(d: Any, path: str = "package_rules", *, origin: str = "") -> PackagePolicy:
    """A ``PackagePolicy`` from a rules table (the ``package_rules`` mapping of a programme
    file). Refuses unknown keys and groups, a group both required and optional, a negative or
    non-money façade price, and a missing source — naming the row."""
    if not isinstance(d, dict):
        raise PolicyError(path, "must be a mapping of rules")
    unknown = sorted(set(d) - _KEYS)
    if unknown:
        raise PolicyError(
            f"{path}.{unknown[0]}", f"unknown rule (known: {', '.join(sorted(_KEYS))})"
        )
    required = _groups(d.get("required"), f"{path}.required")
    optional = _groups(d.get("optional"), f"{path}.optional")
    both = [g.value for g in required if g in optional]
    if both:
        raise PolicyError(f"{path}.optional", f"{both[0]!r} is both required and optional")
    exempt = d.get("exempt_when_meeting_limit", True)
    if not isinstance(exempt, bool):
        raise PolicyError(f"{path}.exempt_when_meeting_limit", "must be true or false")
    if "facade_fen_per_m2" in d and "facade_yuan_per_m2" in d:
        raise PolicyError(f"{path}.facade_fen_per_m2", "give the façade price once, in yuan or fen")
    if "facade_fen_per_m2" in d:
        col, raw = "facade_fen_per_m2", d["facade_fen_per_m2"]
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise PolicyError(f"{path}.{col}", f"{raw!r} is not a whole number of fen")
        fen = raw
    else:
        col, raw = "facade_yuan_per_m2", d.get("facade_yuan_per_m2", "0")
        try:
            fen = yuan_to_fen(str(raw).strip())
        except MoneyError as exc:
            raise PolicyError(f"{path}.{col}", str(exc)) from None
    if fen < 0:
        raise PolicyError(f"{path}.{col}", f"the façade price must not be negative, got {raw}")
    source = str(d.get("source") or "").strip()
    if not source:
        raise PolicyError(f"{path}.source", "say which clause the rules come from")
    facade_source = str(d.get("facade_source") or "").strip()
    if fen > 0 and not facade_source:
        raise PolicyError(f"{path}.facade_source", "say where the façade price comes from")
    return PackagePolicy(
        required=required,
        optional=optional,
        exempt_when_meeting_limit=exempt,
        facade_fen_per_m2=fen,
        source=source,
        facade_source=facade_source,
        origin=origin,
    )


def load_policy(path: str | Path) -> PackagePolicy:
    """Rules from a file: a programme YAML (its ``package_rules``) or a rules-only YAML/JSON."""
    doc = read_yaml(path, PolicyError)
    if isinstance(doc, dict) and "package_rules" in doc:
        return parse_policy(doc["package_rules"], "package_rules", origin=str(path))
    return parse_policy(doc, "package_rules", origin=str(path))


_SHIPPED: list[PackagePolicy] = []


def shipped_policy() -> PackagePolicy:
    """The package rules of the shipped 2023 Yangquan programme (cached)."""
    if not _SHIPPED:
        _SHIPPED.append(parse_policy(shipped_programme()["package_rules"], origin=SHIPPED))
    return _SHIPPED[0]
