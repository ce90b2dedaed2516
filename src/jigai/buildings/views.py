from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigai.accounts.scope import get_visible_or_404
from jigai.buildings import (
    eligibility,
    importer,
    mapgrid,
    package_rules,
    services,
)
from jigai.buildings import jobs as survey_jobs
from jigai.buildings.forms import ExceptionForm, UploadForm
from jigai.buildings.limit_report import limit_report
from jigai.buildings.models import Building, ImportJob, Job, PackageRuleException, Screening
from jigai.core.errors import BusinessError
from jigai.core.params import ProgrammeParams, parse
from jigai.core.roles import Cap
from jigai.core.views import capability_required, refuse
from jigai.engine.heat_index import TERM_ZH, TERMS
from jigai.jobs import services as jobs
from jigai.money import equal_shares
from jigai.programmes.services import current_programme
from jigai.surveytable.schema import USE_ZH
from jigai.surveytable.template import template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


def _programme(request):
    pk = parse(ProgrammeParams, request.GET)["programme"]
    if pk:
        from jigai.programmes.models import Programme

        return get_object_or_404(Programme, pk=pk)
    return current_programme()


@capability_required(Cap.VIEW_BUILDINGS)
def building_list(request):
    programme = _programme(request)
    filters = services.Filters.from_query(request.GET)
    page = services.building_page(request.user, programme, filters, request.GET.get("page"))
    divisions = request.user.visible_divisions()
    from jigai.accounts.models import Organisation

    streets = Organisation.objects.filter(
        kind=Organisation.Kind.STREET_OFFICE, division__in=divisions
    ).select_related("division")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "buildings/list.html",
        {
            "page": page,
            "filters": filters,
            "programme": programme,
            "divisions": divisions,
            "streets": streets,
            "statuses": Screening.Status.choices,
            "uses": USE_ZH.items(),
            "categories": programme.categories.all() if programme else [],
            "query": query.urlencode(),
        },
    )


@capability_required(Cap.VIEW_BUILDINGS)
def building_detail(request, pk):
    building = get_visible_or_404(
        Building.objects.select_related("division", "community", "community__street"),
        request,
        pk=pk,
    )
    programme = current_programme()
    screening = (
        Screening.objects.filter(building=building, programme=programme)
        .select_related("category")
        .first()
    )
    exception = building.exceptions.filter(programme=programme).select_related("granted_by").first()
    form = ExceptionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.can(Cap.GRANT_EXCEPTION):
            raise Http404
        if form.is_valid():
            try:
                eligibility.grant_exception(
                    building, programme, form.cleaned_data["reason"], actor=request.user
                )
            except BusinessError as exc:
                return refuse(request, exc, "buildings:detail", pk)
            messages.success(request, _("Exception recorded."))
            return redirect("buildings:detail", pk)
    current = (
        building.assessments.filter(programme=programme, is_current=True).first()
        if programme
        else None
    )
    climate_now, climate_changed = _county_climate(programme, building, current)
    terms = []
    if current and current.before:
        before = current.before["terms"]
        after = current.after["terms"] if current.after else {}
        terms = [
            (f"{name} {TERM_ZH[name]}", before[name], after.get(name)) for name in TERMS
        ]  # jsonb keeps no key order
    rules = package_rule_rows(building, programme, current)
    return render(
        request,
        "buildings/detail.html",
        {
            "assessment": current,
            "terms": terms,
            "limits": limit_report(current.after) if current else None,
            "climate_now": climate_now,
            "climate_changed": climate_changed,
            "b": building,
            "programme": programme,
            "screening": screening,
            "exception": exception,
            "reasons": [eligibility.describe(r) for r in screening.reasons] if screening else [],
            "assessed_shares": equal_shares(
                int((current.funding or {}).get("owners_fen", 0)) if current else 0,
                building.households or 0,
            )
            if current and current.funding
            else [],
            "form": form,
            **rules,
            "can_lift": request.user.can(Cap.GRANT_EXCEPTION),
            "can_except": request.user.can(Cap.GRANT_EXCEPTION)
            and screening is not None
            and exception is None
            and screening.status in (Screening.Status.EXCLUDED, Screening.Status.INCOMPLETE),
        },
    )


def package_rule_rows(building, programme, assessment) -> dict:
    """The building page's package-rules card: each rule's status, the exceptions, the
    package's cost lines by measure group, and what blocks when nothing passes."""
    if programme is None:
        return {"rule_rows": [], "lines": [], "blocking": [], "rule_choices": []}
    exceptions = {
        e.rule: e
        for e in building.rule_exceptions.filter(programme=programme).select_related("granted_by")
    }
    stored = (assessment.rules or {}) if assessment else {}
    applied = {r["rule"]: r for r in stored.get("applied", [])}
    rows = []
    for rule in programme.package_policy.rule_names:
        r = applied.get(rule, {})
        rows.append(
            {
                "rule": rule,
                "label": package_rules.rule_label(rule),
                "status": package_rules.STATUS_LABELS.get(r.get("code"), "—"),
                "elements": r.get("elements", []),
                "exception": exceptions.get(rule),
            }
        )
    lines = [
        {**line, "label": package_rules.LINE_GROUP_LABELS.get(line.get("group"), "")}
        for line in ((assessment.package or {}).get("lines", []) if assessment else [])
    ]
    return {
        "rule_rows": rows,
        "lines": lines,
        "blocking": [package_rules.blocking_text(r) for r in stored.get("blocking", [])],
        "rule_choices": [(r["rule"], r["label"]) for r in rows if r["exception"] is None],
        "policy_source": programme.package_policy.source,
        "facade_price_fen": programme.package_policy.facade_fen_per_m2,
    }


@require_POST
@capability_required(Cap.GRANT_EXCEPTION)
def rule_exception(request, pk):
    """Lift (or restore) one package rule for one building, with a written reason."""
    building = get_visible_or_404(Building, request, pk=pk)
    programme = current_programme()
    if programme is None:
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("action") == "revoke":
            exc = get_visible_or_404(
                PackageRuleException.objects.filter(building=building, programme=programme),
                request,
                pk=request.POST.get("exception") or 0,
            )
            package_rules.revoke_rule_exception(exc, actor=request.user, reason=reason)
            messages.success(request, _("The rule applies again; the building was re-assessed."))
        else:
            package_rules.grant_rule_exception(
                building, programme, request.POST.get("rule", ""), reason, actor=request.user
            )
            messages.success(request, _("Rule lifted; the building was re-assessed."))
    except BusinessError as exc:
        return refuse(request, exc, "buildings:detail", pk)
    return redirect("buildings:detail", pk)


def _county_climate(programme, building, current):
    """(the climate the programme now gives the building's county or None, whether the
    stored assessment ``current`` was made in another climate)."""
    from jigai.engine.errors import EngineInputError
    from jigai.programmes.climates import climate_for_building

    if programme is None:
        return None, False
    try:
        now = climate_for_building(programme, building)
    except EngineInputError:
        return None, False
    used = current.climate if current else {}
    changed = bool(used) and (used.get("name"), used.get("Z"), used.get("t_e")) != (
        now.name,
        now.Z,
        now.t_e,
    )
    return now, changed


@capability_required(Cap.IMPORT_BUILDINGS)
def import_start(request):
    """Upload: the file is stored with its SHA-256 and an import job is queued for a
    worker; the page then follows the job's steps."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            messages.error(
                request,
                _("The file is %(size).1f MB, more than the limit of %(max).0f MB")
                % {"size": upload.size / 1e6, "max": settings.IMPORT_MAX_BYTES / 1e6},
            )
            return redirect("buildings:import")
        job = importer.start(upload, upload.name, actor=request.user)
        jobs.enqueue(job)
        return redirect("buildings:import_job", job.pk)
    jobs.sweep_stale()
    recent = ImportJob.objects.filter(user=request.user)[:10]
    return render(
        request,
        "buildings/import.html",
        {"form": form, "jobs": recent, "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
    )


def _own_job(request, pk) -> ImportJob:
    """An import job in the user's scope; another county's job answers 404."""
    return get_visible_or_404(ImportJob, request, pk=pk)


def _job_progress(request, job, template: str):
    """A job's page, or its progress partial for htmx polling; a running job whose worker
    died is marked failed first (``jobs.sweep_stale``)."""
    if job.status == job.Status.RUNNING and jobs.sweep_stale():
        job.refresh_from_db()
    if request.headers.get("HX-Request"):
        template = template.replace("/job.html", "/_job.html")
    return render(request, template, {"job": job, "steps": job.step_rows()})


def _retry(request, job, page: str):
    try:
        jobs.retry(job, actor=request.user)
    except BusinessError as exc:
        return refuse(request, exc, page, job.pk)
    return redirect(page, job.pk)


@capability_required(Cap.IMPORT_BUILDINGS)
def import_job(request, pk):
    return _job_progress(request, _own_job(request, pk), "buildings/job.html")


@require_POST
@capability_required(Cap.IMPORT_BUILDINGS)
def import_retry(request, pk):
    return _retry(request, _own_job(request, pk), "buildings:import_job")


@capability_required(Cap.IMPORT_BUILDINGS)
def import_errors(request, pk):
    job = _own_job(request, pk)
    return _xlsx(importer.error_report(job.errors), f"import-{job.pk}-errors.xlsx")


@capability_required(Cap.IMPORT_BUILDINGS)
def template_download(request):
    return _xlsx(template(), "jigai-survey-template.xlsx")


def _start_job(request, kind):
    try:
        job = survey_jobs.start(kind, actor=request.user)
    except BusinessError as exc:
        return refuse(request, exc, "buildings:summary")
    return redirect("buildings:job", job.pk)


@require_POST
@capability_required(Cap.GRANT_EXCEPTION)
def rescreen(request):
    """Queue a screening of every building the user sees (a county or the city)."""
    return _start_job(request, Job.Kind.SCREEN)


@require_POST
@capability_required(Cap.IMPORT_BUILDINGS)
def assess(request):
    """Queue an assessment of every building the user sees (a county or the city)."""
    return _start_job(request, Job.Kind.ASSESS)


@require_POST
@capability_required(Cap.VIEW_BUILDINGS)
def export(request):
    """Queue an export of the building list as filtered (the query string); the job's page
    offers the file when it is written."""
    try:
        job = survey_jobs.start(Job.Kind.EXPORT, actor=request.user, params=request.GET)
    except BusinessError as exc:
        return refuse(request, exc, "buildings:list")
    return redirect("buildings:job", job.pk)


@capability_required(Cap.VIEW_BUILDINGS)
def job_output(request, pk):
    """The file an export job wrote: only for the one who asked for it."""
    job = get_visible_or_404(Job, request, pk=pk)
    if job.user_id != request.user.pk or job.status != Job.Status.DONE:
        raise Http404
    if not job.output:
        raise Http404
    return FileResponse(
        job.output.open("rb"), as_attachment=True, filename=job.output.name.rsplit("/", 1)[-1]
    )


@capability_required(Cap.VIEW_BUILDINGS)
def job_page(request, pk):
    """A screening or assessment job's progress (polled by htmx while it runs)."""
    job = get_visible_or_404(Job, request, pk=pk)
    return _job_progress(request, job, "jobs/job.html")


@require_POST
@capability_required(Cap.VIEW_BUILDINGS)
def job_retry(request, pk):
    return _retry(request, get_visible_or_404(Job, request, pk=pk), "buildings:job")


@capability_required(Cap.VIEW_BUILDINGS)
def summary(request):
    programme = _programme(request)
    figures = services.survey_summary(request.user, programme)
    return render(
        request,
        "buildings/summary.html",
        {
            **figures,
            "programme": programme,
            "reasons": [
                (eligibility.RULE_NAMES[code], n)
                for code, n in sorted(figures["reasons"].items(), key=lambda kv: -kv[1])
            ],
        },
    )


@capability_required(Cap.VIEW_BUILDINGS)
def building_map(request):
    """The map page; with ``format=json`` only its markers for ``zoom`` and ``bbox``."""
    programme = _programme(request)
    error = None
    try:
        view = mapgrid.View.from_query(request.GET)
    except BusinessError as e:
        view, error = mapgrid.View(), e.message
    if request.GET.get("format") == "json":
        if error:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse(mapgrid.map_data(request.user, programme, view))
    if error:
        messages.error(request, error)
    return render(
        request,
        "buildings/map.html",
        {
            "programme": programme,
            "data": mapgrid.map_data(request.user, programme, view),
            "extent": mapgrid.extent(request.user),
            "max_zoom": mapgrid.MAX_ZOOM,
            "seats": [
                [float(d.seat_lon), float(d.seat_lat), d.name]
                for d in request.user.visible_divisions()
            ],
            "statuses": [(s.value, str(s.label)) for s in Screening.Status]
            + [("unscreened", _("Not screened"))],
        },
    )
