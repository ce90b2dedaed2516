from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jigai.accounts.models import Organisation
from jigai.programmes.forms import YuanField
from jigai.projects.models import ORDER, Ledger, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=200)
    category = forms.ModelChoiceField(label=_("Category"), queryset=None)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = programme.categories.all()


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    on_date = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DATE)
    reason = forms.CharField(
        label=_("Reason / note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TenderForm(forms.Form):
    contract_sum_fen = YuanField(label=_("Contract sum [yuan]"))
    contractor = forms.ModelChoiceField(
        label=_("Contractor"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.CONTRACTOR),
    )
    supervisor = forms.ModelChoiceField(
        label=_("Works supervisor"),
        required=False,
        queryset=Organisation.objects.filter(kind=Organisation.Kind.SUPERVISOR),
    )


class PaymentForm(forms.Form):
    ledger = forms.ChoiceField(label=_("Ledger"), choices=Ledger.choices)
    amount_fen = YuanField(label=_("Amount [yuan]"))
    on_date = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DATE)
    reference = forms.CharField(label=_("Voucher / reference"), max_length=80)
    building = forms.ModelChoiceField(
        label=_("Building (owners' payments)"), queryset=None, required=False
    )
    household = forms.CharField(label=_("Household (room)"), max_length=40, required=False)

    def __init__(self, *args, project, ledgers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ledger"].choices = [(k, v) for k, v in Ledger.choices if k in ledgers]
        from jigai.buildings.models import Building

        self.fields["building"].queryset = Building.objects.filter(project_items__project=project)


class DesignForm(forms.Form):
    eta_pct = forms.DecimalField(
        label=_("Designed improvement η [%]"),
        max_digits=6,
        decimal_places=2,
        min_value=-100,
        max_value=100,
    )
    cost_fen = YuanField(label=_("Cost [yuan]"))
    window_fen = YuanField(label=_("Of which window lines [yuan]"), initial=0)
    measures = forms.CharField(
        label=_("Measures"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class HouseholdsForm(forms.Form):
    rows = forms.CharField(
        label=_("Households: one per line, “room, area m²[, owner]”"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "1-1-101, 62.35, 张三"}),
    )
    file = forms.FileField(label=_("or a file (.xlsx, .csv, .txt)"), required=False)


class AsBuiltForm(forms.Form):
    eta_pct = forms.DecimalField(
        label=_("As-built improvement η [%]"),
        max_digits=6,
        decimal_places=2,
        min_value=-100,
        max_value=100,
    )
    report = forms.CharField(label=_("Test report number"), max_length=80)


class PlanForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for stage in ORDER[1:]:
            self.fields[stage] = forms.DateField(
                label=Stage(stage).label,
                required=False,
                widget=DATE,
            )


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why the entry is reversed"), max_length=200)
