"""The audit sentences of the trail's own oversight: reading, verifying, exporting and taking the
anchors (registered by :class:`jigai.audit.apps.AuditConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import register

register("audit.read", _("%(a)s read the audit trail (page %(n)s, filter: %(f)s)"))
register(
    "audit.verify",
    _(
        "%(a)s verified the audit trail: %(n)s entries, %(k)s anchors and %(l)s ledger rows "
        "checked, %(x)s finding(s)"
    ),
)
register(
    "audit.export",
    _("%(a)s exported %(n)s audit entries (#%(s)s to #%(e)s) as a signed file %(file)s"),
)
register("audit.anchors", _("%(a)s downloaded the anchors of the audit trail (%(k)s anchors)"))
