"""The audit sentences of programme years
(registered by :class:`jigai.programmes.apps.ProgrammesConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import choice, field_labels, register
from jigai.programmes.models import Programme

register("programme.load", _("Loaded programme %(p)s from %(doc)s with %(n)d task-table cells"))
register("programme.copy", _("Created the %(year)d programme as a draft copy of %(src)s"))
register(
    "programme.update",
    _("Changed %(fields)s of programme %(p)s"),
    fields=field_labels("programmes.Programme"),
)
register("programme.targets", _("Changed %(n)d task-table cell(s) of %(p)s"))
register(
    "programme.status",
    _("Programme %(p)s is now “%(s)s”"),
    s=choice(Programme.Status),
)
register("programme.package_rules", _("Changed the package rules of programme %(p)s"))
