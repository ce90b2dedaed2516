"""The one way a view reads query or POST values it does not hand to a model form: a
Django form per set of parameters, checked whole. A malformed value (``abc`` for an id,
``99999999999999999999``, ``NaN``, ``2023-02-30``) raises ``BadParameter``, answered 400
with a message naming the parameter, in the user's language; never a 5xx."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigai.core.errors import BadParameter

MAX_ID = 2**63 - 1  # a database id (bigint): larger values are malformed, not "not found"


class IdField(forms.IntegerField):
    """An optional database id: a whole number from 1 to 2⁶³ − 1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class PercentField(forms.DecimalField):
    """An optional percentage, finite (``NaN`` and ``Infinity`` are malformed)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=-1000, max_value=1000, max_digits=12, decimal_places=6, **kwargs)


class ProgrammeParams(forms.Form):
    """``?programme=<id>``: the programme year a page shows (default: the current one)."""

    programme = IdField(label=gettext_lazy("Programme year"))


class VersionParams(forms.Form):
    """``version``: the version of a record the user loaded (optimistic locking)."""

    version = forms.IntegerField(
        label=gettext_lazy("Version"), min_value=0, max_value=MAX_ID, required=False
    )


def parse(form_class: type[forms.Form], data, **kwargs) -> dict:
    """The cleaned values of ``data`` (a QueryDict) under ``form_class``; a malformed value
    raises ``BadParameter`` listing each bad parameter and why."""
    form = form_class(data, **kwargs)
    if form.is_valid():
        return form.cleaned_data
    details = [
        f"{form.fields[name].label or name if name in form.fields else name}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    ]
    raise BadParameter(
        _("The request has a malformed value: %(what)s") % {"what": "; ".join(details)},
        details=details,
    )
