"""The audit sentences of documents and photos
(registered by :class:`jigai.documents.apps.DocumentsConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import in_brackets, register
from jigai.documents.kinds import kind_label

register(
    "document.upload",
    _("%(a)s uploaded %(f)s (%(k)s) to %(p)s%(o)s"),
    k=kind_label,
    o=in_brackets,
)
register("document.download", _("%(a)s downloaded %(f)s (%(k)s) of %(p)s"), k=kind_label)
register(
    "document.supersede",
    _("%(a)s superseded %(g)s (%(k)s) of %(p)s by %(f)s"),
    k=kind_label,
)
