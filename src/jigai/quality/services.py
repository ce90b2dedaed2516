"""Quality of the works: the sampling plan and its inspection lots, entry re-inspections,
rectification orders. Every change is checked here, audited in its own transaction, and
scoped through the project (``projects.access.lock``)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jigai.audit import services as audit
from jigai.core.errors import BusinessError, require
from jigai.core.roles import Cap
from jigai.engine.measures import CostUnit, default_catalogue
from jigai.engine.params import default_data
from jigai.projects.access import lock
from jigai.projects.models import DONE, Project, Stage
from jigai.quality import rules as R
from jigai.quality.models import Element, EntryTest, InspectionLot, Rectification


# --------------------------------------------------------------------------- sampling plan
@dataclass
class OnsiteRequirement:
    test: str
    per: int  # tests per lot, or per unit project (building)
    basis: str  # "lot" or "building"
    required: int
    clause: str
    verify: bool

    @property
    def label(self) -> str:
        return str(R.TEST_LABELS[self.test])


@dataclass
class PlanRow:
    """The plan of one element made of one catalogue measure, over the whole project."""

    element: str
    measure_id: str
    name: str
    material: str
    unit: str
    quantity: float
    buildings: int
    lot_size: int
    lots: list[float]
    lot_clause: str
    entry_required: int
    entry_per: int | None
    entry_clause: str
    entry_properties: list[str]
    certified: bool
    certified_lost: bool
    onsite: list[OnsiteRequirement] = field(default_factory=list)
    verify: bool = False

    @property
    def element_label(self) -> str:
        return Element(self.element).label


def _material_of(measure) -> str:
    if measure.group.value == "window":
        return "window"
    return measure.material


def _quantities(project: Project) -> dict[tuple[str, str], dict]:
    """Per (element, measure id): the quantity of the project's design lines [m², m² of band,
    windows] and the buildings (unit projects) that use it. A line's quantity is its cost
    over the measure's unit rate (the optimiser priced it as rate × quantity)."""
    catalogue = default_catalogue()
    doc = R.rules().doc
    out: dict[tuple[str, str], dict] = {}
    for item in project.items.all():
        for line in item.design_lines or []:
            try:
                measure = catalogue.by_id(line.get("id", ""))
            except KeyError:
                continue  # the facade line, or a row no longer in the catalogue
            element = R.rules().element_of_group(measure.group.value)
            if element is None or not measure.cost_fen:
                continue
            qty = int(line.get("fen", 0)) / measure.cost_fen
            if measure.unit is CostUnit.M:
                qty *= doc["band_height_m"][measure.group.value]["value"]
            elif element == Element.WINDOW:
                qty = math.ceil(qty / doc["window_unit_area_m2"]["value"] - 1e-9)
            if qty <= 0:
                continue
            slot = out.setdefault((element, measure.id), {"q": 0.0, "b": set(), "m": measure})
            slot["q"] += qty
            slot["b"].add(item.pk)
    return out


def sampling_plan(project: Project, certified=None) -> list[PlanRow]:
    """The project's lots and tests per element and product, from its design lines and the
    rule file, with the clause of each figure. ``certified``: the measure ids whose product
    is certified (§3.2.3); by default those of the stored lots. A product with a failed entry
    re-test loses the reduction (§3.2.3)."""
    rf = R.rules()
    if certified is None:
        certified = set(
            project.inspection_lots.filter(certified=True).values_list("measure_id", flat=True)
        )
    failed = set(
        EntryTest.objects.filter(lot__project=project, passed=False).values_list(
            "lot__measure_id", flat=True
        )
    )
    order = list(Element.values)
    rows = []
    for (element, mid), slot in sorted(
        _quantities(project).items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])
    ):
        rule = rf.element(element)
        quantity = round(slot["q"], 2)
        lots = R.lots(int(rule["lot"]["size"]), quantity)
        cert = mid in certified and mid not in failed
        kinds = 1  # one maker, one opening type and one profile series per catalogue product
        entry_n, per = R.entry_count(element, quantity, kinds=kinds, certified=cert)
        onsite = [
            OnsiteRequirement(
                o["test"],
                int(o["count"]),
                "lot",
                int(o["count"]) * len(lots),
                o["clause"],
                bool(o.get("verify")),
            )
            for o in rule["onsite_per_lot"]
        ] + [
            OnsiteRequirement(
                o["test"],
                int(o["count"]),
                "building",
                int(o["count"]) * len(slot["b"]),
                o["clause"],
                bool(o.get("verify")),
            )
            for o in rule["onsite_per_unit_project"]
        ]
        measure = slot["m"]
        rows.append(
            PlanRow(
                element=element,
                measure_id=mid,
                name=measure.name_zh,
                material=_material_of(measure),
                unit=rule["unit"],
                quantity=quantity,
                buildings=len(slot["b"]),
                lot_size=int(rule["lot"]["size"]),
                lots=lots,
                lot_clause=rule["lot"]["clause"],
                entry_required=entry_n,
                entry_per=per,
                entry_clause=rule["entry_retest"]["clause"]
                + (f"; {rf.doc['certified_reduction']['clause']}" if cert else ""),
                entry_properties=list(rule["entry_retest"]["properties"]),
                certified=cert,
                certified_lost=mid in certified and mid in failed,
                onsite=onsite,
                verify=bool(rule["lot"].get("verify") or rule["entry_retest"].get("verify")),
            )
        )
    return rows


@transaction.atomic
def generate_lots(project: Project, actor, certified=()) -> list[InspectionLot]:
    """Store the plan's inspection lots (replacing earlier ones while nothing was tested)."""
    require(actor, Cap.RECORD_TESTS)
    locked = lock(project, actor)
    if locked.stage in DONE or locked.stage == Stage.WITHDRAWN:
        raise BusinessError(_("The lots of an accepted, closed or withdrawn project are kept."))
    if (
        EntryTest.objects.filter(lot__project=locked).exists()
        or Rectification.objects.filter(lot__project=locked).exists()
    ):
        raise BusinessError(
            _("Tests or rectifications are recorded against the lots: the plan is kept.")
        )
    rows = sampling_plan(locked, certified=set(certified))
    if not rows:
        raise BusinessError(
            _("The project has no catalogue design lines to sample: take the designs first.")
        )
    before = list(locked.inspection_lots.values("element", "measure_id", "seq", "quantity"))
    locked.inspection_lots.all().delete()
    digest = R.rules().digest
    created = []
    for row in rows:
        for seq, qty in enumerate(row.lots, start=1):
            created.append(
                InspectionLot(
                    project=locked,
                    element=row.element,
                    measure_id=row.measure_id,
                    seq=seq,
                    quantity=Decimal(str(qty)),
                    unit=row.unit,
                    certified=row.certified,
                    onsite=[
                        {"test": o.test, "count": o.per, "clause": o.clause}
                        for o in row.onsite
                        if o.basis == "lot"
                    ],
                    clause=row.lot_clause,
                    rules_digest=digest,
                )
            )
    InspectionLot.objects.bulk_create(created)
    audit.record(
        actor=actor,
        action="quality.lots",
        obj=locked,
        division_code=locked.division.code,
        data={
            "a": actor.display_name,
            "p": locked.code,
            "n": len(created),
            "e": sum(r.entry_required for r in rows),
        },
        before={"lots": before} if before else None,
        after={
            "rules": digest,
            "rows": [
                {
                    "element": r.element,
                    "measure": r.measure_id,
                    "quantity": r.quantity,
                    "lots": len(r.lots),
                    "entry": r.entry_required,
                    "certified": r.certified,
                }
                for r in rows
            ],
        },
    )
    return created


# --------------------------------------------------------------------------- entry re-tests
def _design(lot: InspectionLot) -> R.Design:
    measure = default_catalogue().by_id(lot.measure_id)
    if lot.element == Element.WINDOW:
        window = default_data().window(measure.window)
        return R.Design(
            k_value=measure.K or window.K,
            airtightness_grade=window.airtightness_grade,
            fire_integrity=measure.fire_integrity_h or None,
        )
    cls = measure.combustion_class.value if measure.combustion_class else None
    lam = measure.lambda_ or (
        default_data().material(measure.material).lambda_ if measure.material else None
    )
    return R.Design(lambda_=lam, burning_class=cls)


def _text(value, label, limit: int) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise BusinessError(_("%(f)s: give a value.") % {"f": label})
    if len(text) > limit:
        raise BusinessError(_("%(f)s: at most %(n)d characters.") % {"f": label, "n": limit})
    return text


@transaction.atomic
def record_entry_test(
    lot: InspectionLot,
    *,
    actor,
    material: str,
    maker: str,
    batch: str,
    quantity,
    lab: str,
    report_no: str,
    tested_on: dt.date,
    values: dict,
) -> EntryTest:
    """Record a lab's entry re-inspection of a delivered batch; each value is compared with
    the design value and the limit. A failed batch blocks its lot until a rectification of
    that lot is closed."""
    require(actor, Cap.RECORD_TESTS)
    locked = lock(lot.project, actor)
    lot = InspectionLot.objects.select_for_update().get(pk=lot.pk, project=locked)
    rf = R.rules()
    if material not in rf.doc["materials"] or lot.element not in rf.material(material)["elements"]:
        raise BusinessError(
            _("Material: “%(m)s” is not a material of the rule file for %(e)s.")
            % {"m": material, "e": lot.get_element_display()}
        )
    maker = _text(R.normalise_maker(maker), _("Maker"), 120)
    batch = _text(batch, _("Batch"), 60)
    lab = _text(lab, _("Test laboratory"), 120)
    report_no = _text(R.normalise_maker(report_no), _("Report number"), 60)
    try:
        quantity = Decimal(str(quantity).strip())
    except InvalidOperation:
        quantity = Decimal(-1)
    if not quantity.is_finite() or not Decimal(0) < quantity < Decimal(10) ** 10:
        raise BusinessError(_("Quantity delivered: give a positive number."))
    if tested_on is None or tested_on > timezone.localdate():
        raise BusinessError(_("Tested on: give a date not in the future."))
    if EntryTest.objects.filter(report_no__iexact=report_no).exists():
        raise BusinessError(
            _("Report number: %(r)s is already recorded; a lab report is used once.")
            % {"r": report_no}
        )
    design = _design(lot)
    allowed = R.allowed_properties(lot.element)
    given = {k: v for k, v in (values or {}).items() if str(v).strip() != ""}
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise BusinessError(
            _("%(f)s is not tested on this element.") % {"f": R.property_label(unknown[0])}
        )
    missing = [p for p in R.required_properties(lot.element, material, design) if p not in given]
    if missing:
        raise BusinessError(
            _("%(f)s: give the measured value.") % {"f": R.property_label(missing[0])},
            details=[R.property_label(p) for p in missing[1:]],
        )
    parsed = {k: R.parse_value(k, given[k]) for k in allowed if k in given}
    results = R.judge(material, parsed, design)
    passed = all(r["ok"] for r in results)
    try:
        with transaction.atomic():
            test = EntryTest.objects.create(
                lot=lot,
                material=material,
                maker=maker,
                batch=batch,
                quantity=quantity,
                lab=lab,
                report_no=report_no,
                tested_on=tested_on,
                values={k: str(v) for k, v in parsed.items()},
                results=results,
                passed=passed,
                recorded_by=actor,
            )
    except IntegrityError:  # the same report number recorded at the same moment
        raise BusinessError(
            _("Report number: %(r)s is already recorded; a lab report is used once.")
            % {"r": report_no}
        ) from None
    blocked = False
    if not passed and lot.status != InspectionLot.Status.BLOCKED:
        lot.status = InspectionLot.Status.BLOCKED
        lot.save(update_fields=["status"])
        blocked = True
    audit.record(
        actor=actor,
        action="quality.entry_test",
        obj=test,
        division_code=locked.division.code,
        data={
            "a": actor.display_name,
            "r": report_no,
            "m": material,
            "k": maker,
            "l": f"{default_catalogue().by_id(lot.measure_id).name_zh} #{lot.seq}",
            "o": "pass" if passed else "fail",
        },
        after={
            "values": test.values,
            "failed": [r["p"] for r in results if not r["ok"]],
            "lot_blocked": blocked,
            "batch": batch,
            "lab": lab,
            "quantity": quantity,
        },
    )
    return test


def reasons(test: EntryTest) -> list[tuple[bool, str]]:
    """Each comparison of a test as (passed, sentence in the reader's language)."""
    return [(r["ok"], R.reason(r)) for r in test.results]


# --------------------------------------------------------------------------- rectifications
def _deadline(value) -> dt.date:
    if not isinstance(value, dt.date):
        raise BusinessError(_("Deadline: give a date."))
    if value < timezone.localdate():
        raise BusinessError(_("Deadline: the date has passed."))
    return value


@transaction.atomic
def issue_rectification(
    project: Project, *, actor, what: str, where: str, deadline, lot: InspectionLot | None = None
) -> Rectification:
    """The inspector orders the contractor to put something right by a date."""
    require(actor, Cap.RECORD_TESTS)
    locked = lock(project, actor)
    if locked.contractor_id is None:
        raise BusinessError(_("The project has no contractor to answer a rectification yet."))
    if lot is not None and lot.project_id != locked.pk:
        raise BusinessError(_("Lot: the lot belongs to another project."))
    what = _text(what, _("What to put right"), 2000)
    where = _text(where, _("Where"), 200)
    deadline = _deadline(deadline)
    r = Rectification.objects.create(
        project=locked,
        lot=lot,
        what=what,
        where=where,
        deadline=deadline,
        responsible_id=locked.contractor_id,
        issued_by=actor,
    )
    audit.record(
        actor=actor,
        action="quality.rectification_issue",
        obj=r,
        division_code=locked.division.code,
        data={
            "a": actor.display_name,
            "n": r.pk,
            "p": locked.code,
            "w": where,
            "d": deadline.isoformat(),
            "c": locked.contractor.name,
        },
        after={"what": what, "lot": lot.pk if lot else None},
    )
    return r


def _locked(rectification: Rectification, actor) -> tuple[Project, Rectification]:
    locked = lock(rectification.project, actor)
    r = Rectification.objects.select_for_update().get(pk=rectification.pk, project=locked)
    return locked, r


@transaction.atomic
def answer_rectification(rectification: Rectification, *, actor, evidence: str) -> Rectification:
    """The responsible contractor says what was done, with the evidence of the fix."""
    require(actor, Cap.ANSWER_RECTIFICATIONS)
    locked, r = _locked(rectification, actor)
    if actor.organisation_id != r.responsible_id:
        raise BusinessError(_("Only the responsible contractor answers this rectification."))
    if not r.is_pending:
        raise BusinessError(
            _("The rectification is %(s)s: only an open one is answered.")
            % {"s": r.get_state_display()}
        )
    r.evidence = _text(evidence, _("Evidence of the fix"), 4000)
    r.state = Rectification.State.ANSWERED
    r.save(update_fields=["evidence", "state"])
    audit.record(
        actor=actor,
        action="quality.rectification_answer",
        obj=r,
        division_code=locked.division.code,
        data={"a": actor.display_name, "n": r.pk, "p": locked.code},
        after={"evidence": r.evidence},
    )
    return r


@transaction.atomic
def review_rectification(
    rectification: Rectification, *, actor, passed: bool, result: str
) -> Rectification:
    """The inspector re-inspects an answered rectification: closed when the fix passed (its
    lot, blocked by a failed batch, is released when no other order on it is pending),
    reopened otherwise."""
    require(actor, Cap.RECORD_TESTS)
    locked, r = _locked(rectification, actor)
    if r.state != Rectification.State.ANSWERED:
        raise BusinessError(
            _("The rectification is %(s)s: only an answered one is re-inspected.")
            % {"s": r.get_state_display()}
        )
    r.reinspection = _text(result, _("Re-inspection result"), 4000)
    released = False
    if passed:
        r.state, r.closed_on = Rectification.State.CLOSED, timezone.localdate()
    else:
        r.state = Rectification.State.REOPENED
    r.save(update_fields=["reinspection", "state", "closed_on"])
    if passed and r.lot_id is not None:
        lot = InspectionLot.objects.select_for_update().get(pk=r.lot_id)
        pending = lot.rectifications.exclude(state=Rectification.State.CLOSED).exists()
        if lot.status == InspectionLot.Status.BLOCKED and not pending:
            lot.status = InspectionLot.Status.OPEN
            lot.save(update_fields=["status"])
            released = True
    audit.record(
        actor=actor,
        action="quality.rectification_close" if passed else "quality.rectification_reopen",
        obj=r,
        division_code=locked.division.code,
        data={"a": actor.display_name, "n": r.pk, "p": locked.code},
        after={"result": r.reinspection, "lot_released": released},
    )
    return r


def overdue_rectifications(programme, *, divisions=None, today=None):
    """Open or reopened orders past their deadline (the dashboard's late list)."""
    today = today or timezone.localdate()
    qs = Rectification.objects.filter(
        project__programme=programme,
        state__in=[Rectification.State.OPEN, Rectification.State.REOPENED],
        deadline__lt=today,
    ).select_related("project", "project__division", "responsible")
    if divisions is not None:
        qs = qs.filter(project__division__in=divisions)
    return list(qs.order_by("deadline", "pk"))


# --------------------------------------------------------------------------- project page
def plan_status(project: Project) -> list[dict]:
    """The plan rows with what was done: entry re-tests required, done, passed, failed,
    outstanding; on-site tests required (recorded with the on-site tests)."""
    lots = list(project.inspection_lots.all())
    tests = list(EntryTest.objects.filter(lot__project=project).select_related("lot"))
    out = []
    for row in sampling_plan(project):
        mine = [
            t for t in tests if t.lot.measure_id == row.measure_id and t.lot.element == row.element
        ]
        passed = sum(1 for t in mine if t.passed)
        out.append(
            {
                "row": row,
                "lots": [
                    lot
                    for lot in lots
                    if lot.measure_id == row.measure_id and lot.element == row.element
                ],
                "done": len(mine),
                "passed": passed,
                "failed": len(mine) - passed,
                "outstanding": max(0, row.entry_required - passed),
            }
        )
    return out


def project_context(request, project: Project) -> dict:
    """What the project page's quality card shows (``quality/plan.html``)."""
    user = request.user
    stored = project.inspection_lots.exists()
    return {
        "quality_rows": plan_status(project),
        "quality_stored": stored,
        "quality_rectifications": list(
            Rectification.objects.for_user(user)
            .filter(project=project)
            .select_related("lot", "responsible")
        ),
        "quality_can_record": user.can(Cap.RECORD_TESTS),
        "quality_can_answer": user.can(Cap.ANSWER_RECTIFICATIONS)
        and user.organisation_id == project.contractor_id,
        "quality_today": timezone.localdate(),
    }
