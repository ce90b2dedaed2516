from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigai.accounts.models import Division
from jigai.core.errors import BusinessError
from jigai.core.params import VersionParams, parse
from jigai.core.roles import Cap
from jigai.core.views import capability_required, refuse
from jigai.engine.measures import MeasureGroup
from jigai.programmes import climates, services
from jigai.programmes.forms import (
    CopyForm,
    PackageRulesForm,
    ParametersForm,
    parse_target_cells,
)
from jigai.programmes.models import Programme


@capability_required(Cap.VIEW_PROGRAMME)
def programme_list(request):
    programmes = Programme.objects.select_related("city", "copied_from")
    return render(request, "programmes/list.html", {"programmes": programmes})


@capability_required(Cap.VIEW_PROGRAMME)
def programme_detail(request, pk):
    programme = get_object_or_404(Programme.objects.select_related("city"), pk=pk)
    county_climates = climates.table(programme)
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "checks": services.consistency(programme),
            "rule_groups": {
                k: [MeasureGroup(g).label_zh for g in (programme.package_rules or {}).get(k, [])]
                for k in ("required", "optional")
            },
            "county_climates": county_climates,
            "climate_sources": list(
                {r.climate.name: r.climate for r in county_climates if r.climate}.values()
            ),
            "copy_form": CopyForm(initial={"year": programme.year + 1}),
            "statuses": Programme.Status,
        },
    )


@capability_required(Cap.MANAGE_PROGRAMME)
def programme_edit(request, pk):
    programme = get_object_or_404(Programme, pk=pk)
    form = ParametersForm(
        request.POST or None,
        instance=Programme.objects.get(pk=pk),
        initial={"version": programme.version},
        counties=Division.objects.filter(parent=programme.city_id),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            services.update_parameters(
                programme,
                changes,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except BusinessError as exc:
            return refuse(request, exc, "programmes:edit", pk)
        messages.success(request, _("Programme parameters saved."))
        return redirect("programmes:detail", pk)
    return render(request, "programmes/edit.html", {"programme": programme, "form": form})


@capability_required(Cap.MANAGE_PROGRAMME)
def rules_edit(request, pk):
    """The year's package rules (what a residential package must contain, the façade line)."""
    programme = get_object_or_404(Programme, pk=pk)
    form = PackageRulesForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_package_rules(
                programme,
                form.rules(),
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except BusinessError as exc:
            return refuse(request, exc, "programmes:rules", pk)
        messages.success(request, _("Package rules saved; re-assess the buildings to apply them."))
        return redirect("programmes:detail", pk)
    return render(request, "programmes/rules.html", {"programme": programme, "form": form})


@capability_required(Cap.MANAGE_PROGRAMME)
def targets_edit(request, pk):
    programme = get_object_or_404(Programme.objects.select_related("city"), pk=pk)
    divisions = list(Division.objects.filter(parent=programme.city))
    categories = list(programme.categories.all())
    current = {(t.division_id, t.category_id): t.target_m2 for t in programme.targets.all()}
    errors = []
    if request.method == "POST":
        version = parse(VersionParams, request.POST)["version"] or 0
        cells, errors = parse_target_cells(request.POST, divisions, categories)
        if not errors:
            try:
                services.set_targets(
                    programme,
                    cells,
                    actor=request.user,
                    expected_version=version,
                )
            except BusinessError as exc:
                return refuse(request, exc, "programmes:targets", pk)
            messages.success(request, _("Task table saved."))
            return redirect("programmes:detail", pk)
    grid = [
        (d, [(c, current.get((d.pk, c.pk), 0), f"t-{d.pk}-{c.pk}") for c in categories])
        for d in divisions
    ]
    return render(
        request,
        "programmes/targets.html",
        {"programme": programme, "grid": grid, "categories": categories, "errors": errors},
    )


@require_POST
@capability_required(Cap.MANAGE_PROGRAMME)
def programme_copy(request, pk):
    source = get_object_or_404(Programme, pk=pk)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the year of the new programme."))
        return redirect("programmes:detail", pk)
    try:
        new = services.copy_programme(source, year=form.cleaned_data["year"], actor=request.user)
    except BusinessError as exc:
        return refuse(request, exc, "programmes:detail", pk)
    messages.success(
        request, _("Draft %(p)s created: edit its figures, then put it in force.") % {"p": new}
    )
    return redirect("programmes:detail", new.pk)


@require_POST
@capability_required(Cap.MANAGE_PROGRAMME)
def programme_status(request, pk):
    programme = get_object_or_404(Programme, pk=pk)
    version = parse(VersionParams, request.POST)["version"] or 0
    try:
        services.set_status(
            programme,
            request.POST.get("status", ""),
            actor=request.user,
            expected_version=version,
        )
    except (BusinessError, ValueError) as exc:
        error = exc if isinstance(exc, BusinessError) else BusinessError(_("Unknown status."))
        return refuse(request, error, "programmes:detail", pk)
    return redirect("programmes:detail", pk)
