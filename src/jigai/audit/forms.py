from django import forms
from django.utils.translation import gettext_lazy as _


class EntryFilterParams(forms.Form):
    """The audit trail's filters (its query string)."""

    action = forms.CharField(label=_("Action"), max_length=100, required=False)
    actor = forms.CharField(label=_("Actor"), max_length=150, required=False)
    object = forms.CharField(label=_("Object"), max_length=200, required=False)
    outcome = forms.CharField(label=_("Outcome"), max_length=32, required=False)
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)
