"""The audit sentences of the quality of the works
(registered by :class:`jigai.quality.apps.QualityConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import register
from jigai.quality.rules import MATERIAL_LABELS, SITE_LABELS

_OUTCOME = {"pass": _("passed"), "fail": _("failed")}


def _material(code) -> str:
    return str(MATERIAL_LABELS.get(code, code))


def _site_kind(code) -> str:
    return str(SITE_LABELS.get(code, code))


def _outcome(code) -> str:
    return str(_OUTCOME.get(code, code))


register(
    "quality.lots",
    _(
        "%(a)s generated the sampling plan of %(p)s: %(n)d inspection lot(s), %(e)d entry re-test(s)"
    ),
)
register(
    "quality.entry_test",
    _("%(a)s recorded entry re-test report %(r)s (%(m)s of %(k)s) for lot %(l)s: %(o)s"),
    m=_material,
    o=_outcome,
)
register(
    "quality.site_test",
    _("%(a)s recorded %(k)s on %(b)s for lot %(l)s: %(o)s"),
    k=_site_kind,
    o=_outcome,
)
register(
    "quality.as_built",
    _(
        "%(a)s computed the as-built improvement of %(b)s from the measured values: %(e)s "
        "(design %(d)s)"
    ),
)
register(
    "quality.rectification_issue",
    _("%(a)s issued rectification order no. %(n)d on %(p)s at %(w)s to %(c)s, due %(d)s"),
)
register(
    "quality.rectification_answer",
    _("%(a)s answered rectification order no. %(n)d on %(p)s"),
)
register(
    "quality.rectification_close",
    _("%(a)s re-inspected and closed rectification order no. %(n)d on %(p)s"),
)
register(
    "quality.rectification_reopen",
    _("%(a)s re-inspected and reopened rectification order no. %(n)d on %(p)s"),
)
