"""Pages and forms of the quality of the works: the lot page, and the POSTs that generate
the lots, record an entry re-test and issue, answer and re-inspect rectification orders.
Every record is fetched through ``accounts.scope.get_visible_or_404``."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigai.accounts.scope import get_visible_or_404
from jigai.core.errors import BusinessError
from jigai.core.roles import Cap
from jigai.core.views import capability_required, refuse
from jigai.projects.models import Project
from jigai.quality import rules as R
from jigai.quality import services
from jigai.quality.models import InspectionLot, Rectification


def _date(request, name: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(request.POST.get(name, "").strip())
    except ValueError:
        raise BusinessError(_("%(f)s: give a date (YYYY-MM-DD).") % {"f": label}) from None


def _lot(request, lot) -> InspectionLot:
    return get_visible_or_404(
        InspectionLot.objects.select_related("project", "project__division"), request, pk=lot
    )


def _done(request, fn, to: str, *args):
    try:
        message = fn()
    except BusinessError as exc:
        return refuse(request, exc, to, *args)
    messages.success(request, message)
    return redirect(to, *args)


@capability_required(Cap.VIEW_PROJECTS)
def lot_detail(request, lot):
    lot = _lot(request, lot)
    tests = [(t, services.reasons(t)) for t in lot.entry_tests.select_related("recorded_by")]
    rf = R.rules()
    materials = [
        (key, R.MATERIAL_LABELS[key])
        for key, m in rf.doc["materials"].items()
        if lot.element in m["elements"]
    ]
    return render(
        request,
        "quality/lot.html",
        {
            "lot": lot,
            "project": lot.project,
            "tests": tests,
            "rectifications": Rectification.objects.for_user(request.user).filter(lot=lot),
            "materials": materials,
            "properties": [(p, R.property_label(p)) for p in R.allowed_properties(lot.element)],
            "can_record": request.user.can(Cap.RECORD_TESTS),
            "site_tests": [
                (t, services.site_reason(t))
                for t in lot.site_tests.select_related("item", "item__building")
            ],
            "site_kinds": [(k, R.SITE_LABELS[k]) for k in services.site_kinds_of(lot)],
            "site_fields": _site_fields(lot),
            "items": [
                i for i in lot.project.items.select_related("building") if services.uses(i, lot)
            ],
        },
    )


def _site_fields(lot) -> list[tuple[str, str]]:
    """The fields of the lot's on-site test kinds, each once."""
    out = {}
    for kind in services.site_kinds_of(lot):
        for key in R.rules().doc["site_tests"][kind]["fields"]:
            out.setdefault(key, R.FIELD_LABELS[key])
    return list(out.items())


@require_POST
@capability_required(Cap.RECORD_TESTS)
def record_site_test(request, lot):
    lot = _lot(request, lot)

    def run():
        kind = request.POST.get("kind", "")
        if kind not in services.site_kinds_of(lot):
            raise BusinessError(_("Kind: choose an on-site test of this lot."))
        item_id = request.POST.get("item", "").strip()
        item = lot.project.items.filter(pk=int(item_id)).first() if item_id.isdigit() else None
        if item is None:
            raise BusinessError(_("Building: the building is not in this project."))
        fields = R.rules().doc["site_tests"][kind]["fields"]
        test = services.record_site_test(
            lot,
            actor=request.user,
            item=item,
            kind=kind,
            tested_on=_date(request, "tested_on", _("Tested on")),
            values={k: request.POST.get(f"f_{k}", "") for k in fields},
        )
        if test.passed:
            return _("On-site test recorded: passed.")
        return _(
            "On-site test recorded: failed; the lot is blocked until a rectification is closed."
        )

    return _done(request, run, "quality:lot", lot.pk)


@require_POST
@capability_required(Cap.INSPECT_PROJECTS)
def as_built_measured(request, pk, item):
    project = get_visible_or_404(Project, request, pk=pk)
    target = get_visible_or_404(project.items.select_related("building"), request, pk=item)

    def run():
        done = services.as_built_from_tests(target, actor=request.user)
        return _("As-built η of %(b)s from the measured values: %(e)s (design %(d)s).") % {
            "b": done.building,
            "e": f"{done.as_built_eta:.1%}",
            "d": f"{done.design_eta:.1%}" if done.design_eta is not None else "—",
        }

    return _done(request, run, "projects:detail", project.pk)


@require_POST
@capability_required(Cap.RECORD_TESTS)
def generate(request, pk):
    project = get_visible_or_404(Project, request, pk=pk)

    def run():
        lots = services.generate_lots(
            project, request.user, certified=request.POST.getlist("certified")
        )
        return _("%(n)d inspection lot(s) stored.") % {"n": len(lots)}

    return _done(request, run, "projects:detail", project.pk)


@require_POST
@capability_required(Cap.RECORD_TESTS)
def record_test(request, lot):
    lot = _lot(request, lot)

    def run():
        values = {p: request.POST.get(f"v_{p}", "") for p in R.allowed_properties(lot.element)}
        test = services.record_entry_test(
            lot,
            actor=request.user,
            material=request.POST.get("material", ""),
            maker=request.POST.get("maker", ""),
            batch=request.POST.get("batch", ""),
            quantity=request.POST.get("quantity", ""),
            lab=request.POST.get("lab", ""),
            report_no=request.POST.get("report_no", ""),
            tested_on=_date(request, "tested_on", _("Tested on")),
            values=values,
        )
        if test.passed:
            return _("Report %(r)s recorded: passed.") % {"r": test.report_no}
        return _(
            "Report %(r)s recorded: failed; the lot is blocked until a rectification is closed."
        ) % {"r": test.report_no}

    return _done(request, run, "quality:lot", lot.pk)


@require_POST
@capability_required(Cap.RECORD_TESTS)
def issue(request, pk):
    project = get_visible_or_404(Project, request, pk=pk)

    def run():
        lot_id = request.POST.get("lot", "").strip()
        lot = None
        if lot_id:
            if not lot_id.isdigit():
                raise BusinessError(_("Lot: no such lot."))
            lot = InspectionLot.objects.for_user(request.user).filter(pk=int(lot_id)).first()
            if lot is None:
                raise BusinessError(_("Lot: no such lot."))
        r = services.issue_rectification(
            project,
            actor=request.user,
            what=request.POST.get("what", ""),
            where=request.POST.get("where", ""),
            deadline=_date(request, "deadline", _("Deadline")),
            lot=lot,
        )
        return _("Rectification order no. %(n)d issued.") % {"n": r.pk}

    return _done(request, run, "projects:detail", project.pk)


def _rectification(request, pk) -> Rectification:
    return get_visible_or_404(Rectification.objects.select_related("project"), request, pk=pk)


@require_POST
@capability_required(Cap.ANSWER_RECTIFICATIONS)
def answer(request, pk):
    r = _rectification(request, pk)

    def run():
        services.answer_rectification(
            r, actor=request.user, evidence=request.POST.get("evidence", "")
        )
        return _("Rectification order no. %(n)d answered.") % {"n": r.pk}

    return _done(request, run, "projects:detail", r.project_id)


@require_POST
@capability_required(Cap.RECORD_TESTS)
def review(request, pk):
    r = _rectification(request, pk)

    def run():
        verdict = request.POST.get("verdict", "")
        if verdict not in ("close", "reopen"):
            raise BusinessError(_("Re-inspection: choose closed or reopened."))
        done = services.review_rectification(
            r,
            actor=request.user,
            passed=verdict == "close",
            result=request.POST.get("result", ""),
        )
        return _("Rectification order no. %(n)d is %(s)s.") % {
            "n": done.pk,
            "s": done.get_state_display(),
        }

    return _done(request, run, "projects:detail", r.project_id)
