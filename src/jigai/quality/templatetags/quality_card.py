"""``{% quality_card project %}``: the project page's quality card (lots, tests, orders).

A template tag rather than context from the project view, so that ``projects`` does not
import ``quality`` (which sits above it: tests/test_layers.py)."""

from django import template
from django.utils.translation import gettext_lazy as _

from jigai.quality.services import project_context

register = template.Library()


@register.inclusion_tag("quality/plan.html", takes_context=True)
def quality_card(context, project):
    request = context["request"]
    return {
        **project_context(request, project),
        "project": project,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


UNITS = {"m2": "m²", "each": _("windows (units)")}


@register.filter
def unit_label(unit: str) -> str:
    """A rule file's unit as the reader writes it (m², 樘)."""
    return UNITS.get(unit, unit)
