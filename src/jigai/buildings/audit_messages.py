"""The audit sentences of the building survey: import, screening, assessment and
exceptions (registered by :class:`jigai.buildings.apps.BuildingsConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import choice, counts, field_labels, names, register
from jigai.buildings.models import AssessOutcome, Screening
from jigai.buildings.package_rules import rule_label

register("survey.communities", _("Survey import added %(n)d and updated %(m)d communities"))
register(
    "survey.update",
    _("Survey import changed %(f)s of %(b)s"),
    f=field_labels("buildings.Building"),
)
register("survey.create", _("Survey import added %(n)d building(s)"))
register(
    "survey.screen",
    _("Screened %(n)d building(s) by the rules of %(p)s: %(counts)s"),
    counts=counts(choice(Screening.Status)),
)
register("survey.exception", _("%(a)s admitted %(b)s to %(p)s by exception: %(r)s"))
register(
    "survey.assess",
    _("Assessed %(n)d building(s) with %(e)s, climates %(c)s: %(counts)s"),
    c=names,
    counts=counts(choice(AssessOutcome)),
)
register(
    "survey.rule_exception",
    _("%(a)s lifted the rule “%(rule)s” for %(b)s in %(p)s: %(r)s"),
    rule=rule_label,
)
register(
    "survey.rule_exception_revoke",
    _("%(a)s restored the rule “%(rule)s” for %(b)s in %(p)s: %(r)s"),
    rule=rule_label,
)
