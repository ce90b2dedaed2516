"""The sentences of the audit trail, one per action type, rendered when read.

An audit entry stores its action type (``"money.owners"``) and the raw values of the
sentence's placeholders (``{"a": "王会计", "y": 1250000, ...}``: fen as integers, codes
rather than labels). :func:`render` turns them into a sentence in the *reader's* language,
so a trail written by people working in Chinese and in English reads in one language.

Each action type is registered here with a lazy translatable template whose named
placeholders are the keys of the entry's data and, where a value needs formatting
(yuan from fen, a label from a code), a formatter for that placeholder. Writing an
entry of an unregistered type is refused (:func:`jigai.audit.services.record`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
def yuan(fen) -> str:
    """Integer fen as yuan with thousands separators."""
    return format_yuan(int(fen))


def percent(value) -> str:
    """A ratio (stored as a decimal string) as a percentage with one decimal."""
    try:
        return f"{Decimal(str(value)):.1%}"
    except (InvalidOperation, ValueError):
        return str(value)


def _choice(import_path: str) -> Callable[[Any], str]:
    """Label of a code in a TextChoices class, looked up when the sentence is rendered."""

    def label(code) -> str:
        path, _colon, inner = import_path.partition(":")
        choices = import_string(path)
        if inner:
            choices = getattr(choices, inner)
        try:
            return str(choices(code).label)
        except ValueError:
            return str(code)

    return label


def _field_labels(model_label: str) -> Callable[[Any], str]:
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


def _role_list(codes) -> str:
    role = _choice("jigai.core.roles.Role")
    return "、".join(role(c) for c in codes) or gettext("none")


def _rule(code) -> str:
    # By dotted path, at render time: the audit layer does not import the apps above it.
    return import_string("jigai.buildings.package_rules.rule_label")(code)


def _screening_counts(counts: dict) -> str:
    status = _choice("jigai.buildings.models.Screening:Status")
    return "，".join(f"{status(k)} {v}" for k, v in sorted(counts.items()))


def _plain_counts(counts: dict) -> str:
    return "，".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _names(names) -> str:
    return "，".join(names) or "—"


def _reason_in_brackets(reason) -> str:
    return f"（{reason}）" if reason else ""


_stage = _choice("jigai.projects.models.Stage")
_ledger = _choice("jigai.projects.models.Ledger")

# --------------------------------------------------------------------------- accounts
register("security.login_locked", _("Login as “%(u)s” refused: the account is locked"))
register("security.lockout", _("Account “%(u)s” locked after %(n)d failed logins"))
register("security.login_failed", _("Failed login as “%(u)s” (%(n)d in a row)"))
register("security.login", _("%(u)s logged in"))
register("security.logout", _("%(u)s logged out"))
register("security.unlock", _("%(a)s unlocked the account “%(u)s”"))
register("security.password_change", _("%(u)s changed their password"))
register("user.create", _("%(a)s opened the account %(u)s for %(o)s"))
register("user.update", _("%(a)s changed %(f)s of %(u)s"), f=_field_labels("accounts.User"))
register("user.roles", _("%(a)s set the roles of %(u)s to: %(r)s"), r=_role_list)
register(
    "user.create_admin",
    _("Created the administrator %(u)s (%(r)s) from the command line"),
    r=_choice("jigai.core.roles.Role"),
)
register("organisation.create", _("%(a)s registered the organisation %(o)s"))
register("reference.load", _("Loaded reference data of %(c)s: %(n)d record(s) created or changed"))
register("demo.load", _("Loaded the demo: %(n)d demo accounts"))

# --------------------------------------------------------------------------- programmes
register("programme.load", _("Loaded programme %(p)s from %(doc)s with %(n)d task-table cells"))
register("programme.copy", _("Created the %(year)d programme as a draft copy of %(src)s"))
register(
    "programme.update",
    _("Changed %(fields)s of programme %(p)s"),
    fields=_field_labels("programmes.Programme"),
)
register("programme.targets", _("Changed %(n)d task-table cell(s) of %(p)s"))
register(
    "programme.status",
    _("Programme %(p)s is now “%(s)s”"),
    s=_choice("jigai.programmes.models.Programme:Status"),
)
register("programme.package_rules", _("Changed the package rules of programme %(p)s"))

# --------------------------------------------------------------------------- survey
register("survey.communities", _("Survey import added %(n)d and updated %(m)d communities"))
register(
    "survey.update",
    _("Survey import changed %(f)s of %(b)s"),
    f=_field_labels("buildings.Building"),
)
register("survey.create", _("Survey import added %(n)d building(s)"))
register(
    "survey.screen",
    _("Screened %(n)d building(s) by the rules of %(p)s: %(counts)s"),
    counts=_screening_counts,
)
register("survey.exception", _("%(a)s admitted %(b)s to %(p)s by exception: %(r)s"))
register(
    "survey.assess",
    _("Assessed %(n)d building(s) with %(e)s, climates %(c)s: %(counts)s"),
    c=_names,
    counts=_plain_counts,
)
register(
    "survey.rule_exception",
    _("%(a)s lifted the rule “%(rule)s” for %(b)s in %(p)s: %(r)s"),
    rule=_rule,
)
register(
    "survey.rule_exception_revoke",
    _("%(a)s restored the rule “%(rule)s” for %(b)s in %(p)s: %(r)s"),
    rule=_rule,
)

# --------------------------------------------------------------------------- projects
register("project.create", _("%(a)s created project %(p)s (%(c)s)"))
register("project.buildings", _("%(a)s added %(n)d building(s) to %(p)s"))
register(
    "project.design",
    _("%(a)s set the design of %(b)s: η %(e)s, %(c)s yuan, of which windows %(w)s (%(s)s)"),
    e=percent,
    c=yuan,
    w=yuan,
)
register("project.contract", _("%(a)s recorded the tender of %(p)s: %(c)s, %(y)s yuan"), y=yuan)
register("project.plan", _("%(a)s planned the time nodes of %(p)s"))
register(
    "project.as_built",
    _("%(a)s recorded the as-built re-assessment of %(b)s: η %(e)s"),
    e=percent,
)
register(
    "project.households",
    _("%(a)s recorded the households of %(b)s in %(p)s: %(n)d, %(m)s m²"),
)
register(
    "project.funding_plan",
    _(
        "Funding plan of %(p)s (%(b)s, rule %(r)s): provincial %(pv)s, owners %(o)s, "
        "county %(c)s, total %(t)s yuan"
    ),
    b=_choice("jigai.projects.models.ProjectFunding:Basis"),
    pv=yuan,
    o=yuan,
    c=yuan,
    t=yuan,
)
# The workflow's actions (jigai.projects.workflow.ACTIONS), one type each: "project.<name>".
WORKFLOW_ACTIONS = (
    "declare",
    "approve",
    "return",
    "tender",
    "fund",
    "start",
    "complete",
    "accept",
    "audit",
    "close",
    "suspend",
    "resume",
    "withdraw",
)


def _workflow_action(name) -> str:
    action = import_string("jigai.projects.workflow.ACTIONS").get(name)
    return str(action.label) if action else str(name)


for _name in WORKFLOW_ACTIONS:
    register(
        f"project.{_name}",
        _("%(a)s: %(act)s — %(p)s from “%(f)s” to “%(t)s”%(why)s"),
        act=_workflow_action,
        f=_stage,
        t=_stage,
        why=_reason_in_brackets,
    )

# --------------------------------------------------------------------------- money
LEDGERS = ("owners", "provincial", "county", "other", "contractor")
for _name in LEDGERS:
    register(
        f"money.{_name}",
        _("%(a)s recorded %(l)s of %(y)s yuan for %(p)s (voucher %(r)s)"),
        l=_ledger,
        y=yuan,
    )
register(
    "money.reverse",
    _("%(a)s reversed %(l)s of %(y)s yuan (voucher %(r)s): %(why)s"),
    l=_ledger,
    y=yuan,
)

# --------------------------------------------------------------------------- jobs
register("job.lost", _("Job %(j)s marked failed: %(r)s"))
register("job.retry", _("Retried job %(j)s"))
