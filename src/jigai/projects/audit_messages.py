"""The audit sentences of retrofit projects and their money
(registered by :class:`jigai.projects.apps.ProjectsConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import choice, choice_list, in_brackets, percent, register, yuan
from jigai.core.roles import Duty
from jigai.projects.books import Refusal
from jigai.projects.households import Shown
from jigai.projects.models import DesignSource, Ledger, ProjectFunding, Stage
from jigai.projects.workflow import ACTIONS

register("project.create", _("%(a)s created project %(p)s (%(c)s)"))
register("project.buildings", _("%(a)s added %(n)d building(s) to %(p)s"))
register(
    "project.design",
    _("%(a)s set the design of %(b)s: η %(e)s, %(c)s yuan, of which windows %(w)s (%(s)s)"),
    e=percent,
    c=yuan,
    w=yuan,
    s=choice(DesignSource),
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
    b=choice(ProjectFunding.Basis),
    pv=yuan,
    o=yuan,
    c=yuan,
    t=yuan,
)


def _workflow_action(name) -> str:
    action = ACTIONS.get(name)
    return str(action.label) if action else str(name)


# The workflow's actions, one type each: "project.<name>" (jigai.projects.workflow.take).
for _name in ACTIONS:
    register(
        f"project.{_name}",
        _("%(a)s: %(act)s — %(p)s from “%(f)s” to “%(t)s”%(why)s"),
        act=_workflow_action,
        f=choice(Stage),
        t=choice(Stage),
        why=in_brackets,
    )

# The ledgers, one type each: "money.<ledger>" (jigai.projects.funding.record_payment).
for _ledger in Ledger.values:
    register(
        f"money.{_ledger}",
        _("%(a)s recorded %(l)s of %(y)s yuan for %(p)s (voucher %(r)s)"),
        l=choice(Ledger),
        y=yuan,
    )
register(
    "project.refused",
    _("%(a)s was refused “%(act)s” of %(p)s: %(why)s"),
    act=_workflow_action,
    why=choice(Duty),
)
register(
    "money.reverse",
    _("%(a)s reversed %(l)s of %(y)s yuan (voucher %(r)s): %(why)s"),
    l=choice(Ledger),
    y=yuan,
)
# Refused changes of a project's money and dates (jigai.projects.books).
register(
    "money.refused",
    _("%(a)s was refused recording %(l)s of %(y)s yuan dated %(d)s for %(p)s: %(why)s"),
    l=choice(Ledger),
    y=yuan,
    why=choice_list(Refusal),
)
register(
    "money.reverse_refused",
    _("%(a)s was refused reversing %(l)s of %(y)s yuan (voucher %(r)s) of %(p)s: %(why)s"),
    l=choice(Ledger),
    y=yuan,
    why=choice_list(Refusal),
)
register(
    "project.plan_refused",
    _("%(a)s was refused changing the time nodes of %(p)s: %(why)s"),
    why=choice_list(Refusal),
)
register(
    "personal.view",
    _("%(a)s was shown the unmasked %(f)s of %(p)s"),
    f=choice_list(Shown),
)
