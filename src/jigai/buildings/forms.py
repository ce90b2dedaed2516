from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Survey workbook (.xlsx)"))


class ExceptionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for admitting this building"),
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
