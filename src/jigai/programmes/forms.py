from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigai.engine.measures import PACKAGE_GROUPS
from jigai.money import MoneyError, fen_to_yuan, yuan_to_fen
from jigai.programmes import climates
from jigai.programmes.models import (
    PARAMETER_FIELDS,
    Programme,
    normalise_grades,
)
from jigai.units import M2_PER_10K, to_10k_m2


class YuanField(forms.DecimalField):
    """Yuan on screen, integer fen in the database."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, min_value=0, **kwargs)

    def prepare_value(self, value):
        return fen_to_yuan(value) if isinstance(value, int) else value

    def clean(self, value):
        value = super().clean(value)
        try:
            return yuan_to_fen(value)
        except MoneyError as exc:
            raise forms.ValidationError(str(exc)) from exc


class Area10kField(forms.DecimalField):
    """万m² on screen (≤ 4 decimals = whole m²), m² in the database."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=4, min_value=0, **kwargs)

    def prepare_value(self, value):
        return to_10k_m2(value) if isinstance(value, int) else value

    def clean(self, value):
        value = super().clean(value)
        return int(value * M2_PER_10K)


COUNTY_CLIMATE = "county-climate-"  # + division code: one select per county


class ParametersForm(forms.ModelForm):
    """The programme's parameters, and one climate select per county (``counties``)
    that together make ``county_climates``; ``changes()`` gives what to save."""

    climate_city = forms.ChoiceField(
        label=gettext_lazy("Climate of the engine"),
        choices=climates.city_choices,
        widget=forms.Select(attrs={"style": "max-width:100%"}),
        help_text=gettext_lazy("The city row used for counties without a climate of their own."),
    )
    provincial_subsidy_fen_per_m2 = YuanField(label=gettext_lazy("Provincial subsidy [yuan/m²]"))
    owner_contribution_fen_per_m2 = YuanField(label=gettext_lazy("Owners' contribution [yuan/m²]"))
    declared_total_m2 = Area10kField(label=gettext_lazy("Declared city total [10⁴ m²]"))
    declared_residential_m2 = Area10kField(
        label=gettext_lazy("Declared residential total [10⁴ m²]")
    )
    declared_public_m2 = Area10kField(label=gettext_lazy("Declared public-building total [10⁴ m²]"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Programme
        fields = [f for f in PARAMETER_FIELDS if f != "county_climates"]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "source": forms.Textarea(attrs={"rows": 3, "style": "max-width:100%"}),
        }

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.counties = list(counties)
        own = self.instance.county_climates or {}
        options = [
            ("", _("The climate of the engine above (%(c)s)") % {"c": self.instance.climate_city})
        ] + climates.choices()
        for division in self.counties:
            self.fields[COUNTY_CLIMATE + division.code] = forms.ChoiceField(
                label=division.name,
                choices=options,
                required=False,
                initial=own.get(division.code, ""),
                widget=forms.Select(attrs={"style": "max-width:100%"}),
            )

    def parameter_fields(self):
        return [f for f in self.visible_fields() if not f.name.startswith(COUNTY_CLIMATE)]

    def county_climate_fields(self):
        return [self[COUNTY_CLIMATE + d.code] for d in self.counties]

    def changes(self) -> dict:
        """The parameters the user changed (of a valid form), ``county_climates`` as one
        mapping {division code: climate reference}."""
        changes = {n: self.cleaned_data[n] for n in self.changed_data if n in PARAMETER_FIELDS}
        mapping = {
            d.code: self.cleaned_data[COUNTY_CLIMATE + d.code]
            for d in self.counties
            if self.cleaned_data.get(COUNTY_CLIMATE + d.code)
        }
        if mapping != (self.instance.county_climates or {}):
            changes["county_climates"] = mapping
        return changes

    def clean_eligible_safety_grades(self):
        try:
            return normalise_grades(self.cleaned_data["eligible_safety_grades"])
        except ValueError:
            raise forms.ValidationError(
                _("Give grades from A, B, C, D separated by commas.")
            ) from None


class CopyForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)


MAX_TARGET_M2 = 10**9  # 100,000 万m²: far above any city's programme, within the database


def parse_target_cells(data, divisions, categories):
    """Read the task-table grid (inputs ``t-<division>-<category>`` in 万m²).

    Returns ({(division_id, category_id): m²}, [error messages naming the cell]).
    """
    cells, errors = {}, []
    for division in divisions:
        for category in categories:
            raw = (data.get(f"t-{division.pk}-{category.pk}") or "").strip()
            where = f"{division.name} · {category.name}"
            try:
                value = Decimal(raw or "0") * M2_PER_10K
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():  # NaN and Infinity are no area
                errors.append(_("%(w)s: “%(v)s” is not a number") % {"w": where, "v": raw})
                continue
            if value < 0:
                errors.append(_("%(w)s: a target cannot be negative") % {"w": where})
            elif value > MAX_TARGET_M2:
                errors.append(_("%(w)s: more than 100,000 万m²") % {"w": where})
            elif value != value.to_integral_value():
                errors.append(_("%(w)s: at most four decimals of 万m²") % {"w": where})
            else:
                cells[(division.pk, category.pk)] = int(value)
    return cells, errors


RULE_CHOICES = [
    ("required", gettext_lazy("required in every residential package")),
    ("optional", gettext_lazy("optional")),
    ("off", gettext_lazy("not offered")),
]


class PackageRulesForm(forms.Form):
    """The year's package rules (jigai.engine.policy): a choice per measure group, the
    limit exemption, the façade price and where each comes from."""

    exempt_when_meeting_limit = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "A required group is exempt where the existing elements meet the limit in force"
        ),
    )
    facade_fen_per_m2 = YuanField(label=gettext_lazy("Façade renovation [yuan per m² of façade]"))
    facade_source = forms.CharField(
        required=False, label=gettext_lazy("Source of the façade price"), max_length=400
    )
    source = forms.CharField(
        label=gettext_lazy("Source of the rules (document and clause)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, programme, **kwargs):
        rules = programme.package_rules or {}
        initial = {
            "exempt_when_meeting_limit": rules.get("exempt_when_meeting_limit", True),
            "facade_fen_per_m2": rules.get("facade_fen_per_m2", 0),
            "facade_source": rules.get("facade_source", ""),
            "source": rules.get("source", ""),
            "version": programme.version,
        }
        for g in PACKAGE_GROUPS:
            initial[f"group_{g.value}"] = (
                "required"
                if g.value in rules.get("required", [])
                else "optional"
                if g.value in rules.get("optional", [g.value for g in PACKAGE_GROUPS])
                else "off"
            )
        super().__init__(*args, initial=initial, **kwargs)
        for g in PACKAGE_GROUPS:
            self.fields[f"group_{g.value}"] = forms.ChoiceField(
                choices=RULE_CHOICES, label=g.label_zh
            )

    def rules(self) -> dict:
        d = self.cleaned_data
        return {
            "required": [g.value for g in PACKAGE_GROUPS if d[f"group_{g.value}"] == "required"],
            "optional": [g.value for g in PACKAGE_GROUPS if d[f"group_{g.value}"] == "optional"],
            "exempt_when_meeting_limit": d["exempt_when_meeting_limit"],
            "facade_fen_per_m2": d["facade_fen_per_m2"],
            "source": d["source"],
            "facade_source": d["facade_source"],
        }
