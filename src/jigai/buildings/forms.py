from django import forms
from django.utils.translation import gettext_lazy as _

from jigai.core.params import IdField, PercentField


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Survey workbook (.xlsx)"))


class ExceptionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for admitting this building"),
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FilterParams(forms.Form):
    """The building list's filters (its query string, and an export job's stored copy)."""

    county = forms.CharField(label=_("County/district"), max_length=64, required=False)
    street = IdField(label=_("Street office"))
    community = forms.CharField(label=_("Community"), max_length=200, required=False)
    status = forms.CharField(label=_("Eligibility"), max_length=32, required=False)
    category = IdField(label=_("Category"))
    use = forms.CharField(label=_("Use"), max_length=32, required=False)
    year_from = forms.IntegerField(
        label=_("Built from"), min_value=0, max_value=9999, required=False
    )
    year_to = forms.IntegerField(label=_("Built to"), min_value=0, max_value=9999, required=False)
    eta_min = PercentField(label=_("η from"))
    eta_max = PercentField(label=_("η to"))
