from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigai.accounts.scope import get_visible_or_404
from jigai.audit.models import AuditEntry
from jigai.buildings.models import Building, Screening
from jigai.core.errors import BusinessError
from jigai.core.roles import Cap
from jigai.core.views import capability_required, refuse
from jigai.documents.services import panel as documents_panel
from jigai.programmes.services import current_programme
from jigai.projects import funding, households, services, workflow
from jigai.projects import plan as plans
from jigai.projects.forms import (
    ActionForm,
    AsBuiltForm,
    DesignForm,
    HouseholdsForm,
    PaymentForm,
    PlanForm,
    ProjectForm,
    ReverseForm,
    TenderForm,
)
from jigai.projects.models import (
    ORDER,
    DesignSource,
    Household,
    Ledger,
    Project,
    Stage,
)
from jigai.projects.progress import late_nodes


def _project(request, pk) -> Project:
    return get_visible_or_404(
        Project.objects.select_related("programme", "division", "category", "contractor"),
        request,
        pk=pk,
    )


def _payable_ledgers(user) -> list[str]:
    return [k for k, cap in funding.RECORDER.items() if user.can(cap)]


@capability_required(Cap.VIEW_PROJECTS)
def project_list(request):
    qs = Project.objects.for_user(request.user).select_related("division", "category")
    stage = request.GET.get("stage", "")
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    return render(
        request, "projects/list.html", {"projects": qs, "stages": Stage.choices, "stage": stage}
    )


@capability_required(Cap.MANAGE_PROJECTS)
def project_create(request):
    programme = current_programme()
    form = ProjectForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(
                programme=programme,
                category=form.cleaned_data["category"],
                name=form.cleaned_data["name"],
                actor=request.user,
            )
        except BusinessError as exc:
            return refuse(request, exc, "projects:create")
        return redirect("projects:detail", project.pk)
    return render(request, "projects/create.html", {"form": form, "programme": programme})


@capability_required(Cap.VIEW_PROJECTS)
def project_detail(request, pk):
    project = _project(request, pk)
    items = list(project.items.select_related("building", "building__community"))
    owners_by_building = funding.owner_payments_by_building(project)
    can_list = request.user.can(Cap.RECORD_OWNER_PAYMENTS) and project.stage not in (
        households.CLOSED
    )
    actions = workflow.available_actions(project, request.user)
    history = AuditEntry.objects.filter(
        object_type="projects.Project", object_id=str(project.pk)
    ).order_by("seq")
    candidates = []
    if request.user.can(Cap.MANAGE_PROJECTS) and project.stage in services.EDITABLE:
        candidates = (
            Building.objects.filter(
                division=project.division,
                screenings__programme=project.programme,
                screenings__category=project.category,
                screenings__status__in=[Screening.Status.ELIGIBLE, Screening.Status.EXCEPTION],
            )
            .exclude(project_items__programme=project.programme)
            .select_related("community")[:200]
        )
    nodes = {n.stage: n for n in project.time_nodes.all()}
    personal = _personal(request, project)
    ledger = project.ledger.select_related("building", "recorded_by").order_by("pk")
    if not personal.money:  # each owners' payment is an owner's money
        ledger = ledger.exclude(ledger=Ledger.OWNERS)
        history = history.exclude(action=f"money.{Ledger.OWNERS}").exclude(
            action__in=["money.reverse", "money.refused", "money.reverse_refused"],
            data__l=Ledger.OWNERS,
        )
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "personal": personal,
            "items": items,
            "owners_by_building": owners_by_building,
            "owners": plans.owners_ledger(project, items),
            "household_text": _household_text(items) if can_list else {},
            "can_list": can_list,
            "households_form": HouseholdsForm(),
            "reconciliation": funding.reconcile(project),
            "ledger": ledger,
            "actions": [
                (
                    a,
                    ActionForm(
                        initial={"action": a.name, "version": project.version},
                        auto_id=f"id_{a.name}_%s",
                    ),
                )
                for a in actions
            ],
            "blockers": workflow.blockers(project),
            "history": history,
            "candidates": candidates,
            "late": {n.stage for n in late_nodes(project.programme) if n.project_id == project.pk},
            "nodes": [(Stage(s).label, nodes.get(s), s) for s in ORDER[1:]],
            "tender_form": TenderForm(),
            "plan_form": PlanForm(initial={s: n.planned_on for s, n in nodes.items()}),
            "pay_form": PaymentForm(project=project, ledgers=_payable_ledgers(request.user))
            if _payable_ledgers(request.user)
            else None,
            "design_form": DesignForm(),
            "as_built_form": AsBuiltForm(),
            "reverse_form": ReverseForm(),
            "can_manage": request.user.can(Cap.MANAGE_PROJECTS)
            and project.stage in services.EDITABLE,
            "can_inspect": request.user.can(Cap.INSPECT_PROJECTS)
            and project.stage == Stage.COMPLETED,
            "documents": documents_panel(project, request.user, workflow.next_actions(project)),
        },
    )


def _personal(request, project: Project) -> households.PersonalView:
    """How the user sees the project's households; showing them unmasked is audited."""
    view = households.personal_view(request.user, project)
    households.log_unmasked_view(request.user, project, view, ip=request.META.get("REMOTE_ADDR"))
    return view


def _household_text(items) -> dict[int, str]:
    """The current list of each building as the recorder edits it ("room, area, owner")."""
    text: dict[int, list[str]] = {}
    for h in Household.objects.filter(item__in=items).order_by("position"):
        cells = [h.label, "" if h.area_m2 is None else str(h.area_m2), h.owner_name]
        while cells and not cells[-1]:
            cells.pop()
        text.setdefault(h.item_id, []).append(", ".join(cells))
    return {k: "\n".join(v) for k, v in text.items()}


@capability_required(Cap.VIEW_PROJECTS)
def owners(request, pk):
    """The owners' ledger: the share due per building and per household, paid, outstanding —
    printable for a residents' committee collecting it."""
    project = _project(request, pk)
    personal = households.personal_view(request.user, project)
    if not personal.money:
        raise PermissionDenied("household money")
    _personal(request, project)
    return render(
        request,
        "projects/owners.html",
        {
            "project": project,
            "personal": personal,
            "owners": plans.owners_ledger(project),
            "plan": funding.funding_plan(project),
            "entries": project.ledger.filter(ledger=Ledger.OWNERS)
            .select_related("building", "building__community", "recorded_by")
            .order_by("pk"),
        },
    )


@capability_required(Cap.VIEW_BUILDINGS)
def building_owners(request, building):
    """The building page's card of the owners' share in the project that holds it (a
    fragment the building page loads; empty when the building is in no project)."""
    b = get_visible_or_404(Building, request, pk=building)
    row = plans.building_owners_row(b, current_programme())
    if (
        row is not None
        and not Project.objects.for_user(request.user).filter(pk=row.item.project_id).exists()
    ):
        row = None
    personal = _personal(request, row.item.project) if row else None
    return render(
        request,
        "projects/_building_owners.html",
        {"row": row, "owners": [row] if row else [], "personal": personal},
    )


@require_POST
@capability_required(Cap.RECORD_OWNER_PAYMENTS)
def household_list(request, pk, item):
    form = HouseholdsForm(request.POST, request.FILES)

    def run(project):
        target = get_visible_or_404(project.items, request, pk=item)
        if not form.is_valid():
            raise BusinessError(
                _("The household list was not saved."),
                details=[" ".join(v) for v in form.errors.values()],
            )
        upload = form.cleaned_data.get("file")
        if upload:
            rows = households.parse_upload(upload.name, upload.read(households.MAX_BYTES + 1))
        else:
            rows = households.parse_text(form.cleaned_data.get("rows", ""))
        n = households.set_households(target, rows, actor=request.user)
        return _("%(n)d household(s) recorded for %(b)s.") % {"n": n, "b": target.building}

    return _post(request, pk, run)


def _post(request, pk, fn):
    """Run a service for a POSTed form and go back to the project with its outcome."""
    project = _project(request, pk)
    try:
        message = fn(project)
    except BusinessError as exc:
        return refuse(request, exc, "projects:detail", pk)
    if message:
        messages.success(request, message)
    return redirect("projects:detail", pk)


@require_POST
@capability_required(Cap.VIEW_PROJECTS)
def act(request, pk):
    form = ActionForm(request.POST)
    if not any(request.user.can(a.capability) for a in workflow.ACTIONS.values()):
        raise PermissionDenied

    def run(project):
        if not form.is_valid():
            raise BusinessError(_("Give the date of the step."))
        d = form.cleaned_data
        workflow.take(
            project,
            d["action"],
            actor=request.user,
            on_date=d["on_date"],
            reason=d["reason"],
            expected_version=d["version"],
        )
        return _("Done: %(a)s.") % {"a": workflow.ACTIONS[d["action"]].label}

    return _post(request, pk, run)


@require_POST
@capability_required(Cap.MANAGE_PROJECTS)
def add_buildings(request, pk):
    def run(project):
        ids = [int(i) for i in request.POST.getlist("building") if i.isdigit()]
        buildings = list(Building.objects.filter(pk__in=ids, division=project.division))
        if not buildings:
            raise BusinessError(_("Choose at least one building."))
        n = services.add_buildings(project, buildings, actor=request.user)
        return _("%(n)d building(s) added.") % {"n": n}

    return _post(request, pk, run)


@require_POST
@capability_required(Cap.MANAGE_PROJECTS)
def design(request, pk, item):
    form = DesignForm(request.POST)

    def run(project):
        target = get_visible_or_404(project.items, request, pk=item)
        if request.POST.get("source") == DesignSource.OPTIMISER:
            services.design_from_assessment(target, actor=request.user)
            return _("The optimiser's package was taken.")
        if not form.is_valid():
            raise BusinessError(
                _("Give η, the cost and the cost of its window lines."),
                details=[
                    f"{form.fields[k].label}: {' '.join(v)}" if k in form.fields else " ".join(v)
                    for k, v in form.errors.items()
                ],
            )
        d = form.cleaned_data
        measures = [m.strip() for m in d["measures"].splitlines() if m.strip()]
        services.set_design(
            target,
            measures=measures,
            eta=d["eta_pct"] / Decimal(100),
            cost_fen=d["cost_fen"],
            window_fen=d["window_fen"],
            source=DesignSource.ENTERED,
            actor=request.user,
        )
        return _("Design saved.")

    return _post(request, pk, run)


@require_POST
@capability_required(Cap.MANAGE_PROJECTS)
def tender(request, pk):
    form = TenderForm(request.POST)

    def run(project):
        if not form.is_valid():
            raise BusinessError(_("Give the contract sum and the contractor."))
        services.record_tender(project, actor=request.user, **form.cleaned_data)
        return _("Tender recorded.")

    return _post(request, pk, run)


@require_POST
@capability_required(Cap.MANAGE_PROJECTS)
def plan(request, pk):
    form = PlanForm(request.POST)

    def run(project):
        if not form.is_valid():
            raise BusinessError(_("Dates are not valid."))
        services.plan_dates(
            project, {k: v for k, v in form.cleaned_data.items() if v}, actor=request.user
        )
        return _("Time nodes saved.")

    return _post(request, pk, run)


@require_POST
@capability_required(Cap.VIEW_PROJECTS)
def pay(request, pk):
    if not _payable_ledgers(request.user):
        raise PermissionDenied

    def run(project):
        form = PaymentForm(request.POST, project=project, ledgers=_payable_ledgers(request.user))
        if not form.is_valid():
            raise BusinessError(
                _("The payment was not recorded."),
                details=[
                    f"{form.fields[k].label}: {' '.join(v)}" if k in form.fields else " ".join(v)
                    for k, v in form.errors.items()
                ],
            )
        entry = funding.record_payment(project, actor=request.user, **form.cleaned_data)
        return _("Recorded: %(e)s.") % {"e": entry.get_ledger_display()}

    return _post(request, pk, run)


@require_POST
@capability_required(Cap.VIEW_PROJECTS)
def reverse(request, pk, entry):
    form = ReverseForm(request.POST)

    def run(project):
        target = get_visible_or_404(project.ledger, request, pk=entry)
        funding.reverse_entry(target, reason=form.data.get("reason", ""), actor=request.user)
        return _("Entry reversed.")

    return _post(request, pk, run)


@require_POST
@capability_required(Cap.INSPECT_PROJECTS)
def as_built(request, pk, item):
    form = AsBuiltForm(request.POST)

    def run(project):
        target = get_visible_or_404(project.items, request, pk=item)
        if request.POST.get("method") == "engine":
            services.as_built_by_engine(
                target, report=request.POST.get("report", "").strip(), actor=request.user
            )
            return _("As-built re-assessment computed by the engine.")
        if not form.is_valid():
            raise BusinessError(_("Give η and the test report number."))
        services.record_as_built(
            target,
            eta=form.cleaned_data["eta_pct"] / Decimal(100),
            record={"report": form.cleaned_data["report"]},
            actor=request.user,
        )
        return _("As-built re-assessment recorded.")

    return _post(request, pk, run)


@capability_required(Cap.VIEW_PROJECTS)
def reconciliation(request):
    """Money per county: planned and received per source, paid out, balance."""
    programme = current_programme()
    projects = (
        Project.objects.for_user(request.user)
        .filter(programme=programme)
        .select_related("division", "category", "programme")
    )
    rows, by_county, totals = funding.reconcile_counties(projects)
    return render(
        request,
        "projects/reconciliation.html",
        {
            "programme": programme,
            "rows": rows,
            "by_county": by_county,
            "totals": totals,
            "ledgers": Ledger,
        },
    )
