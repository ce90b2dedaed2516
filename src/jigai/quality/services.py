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
from jigai.engine import fire
from jigai.engine.fire import FireContext
from jigai.engine.measures import CombustionClass, CostUnit, default_catalogue
from jigai.engine.params import default_data
from jigai.projects.access import lock
from jigai.projects.models import DONE, DesignSource, Project, ProjectBuilding, Stage
from jigai.quality import rules as R
from jigai.quality.models import Element, EntryTest, InspectionLot, Rectification, SiteTest


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
    """The plan rows with what was done: entry re-tests and on-site tests required, done,
    passed, failed, outstanding."""
    lots = list(project.inspection_lots.all())
    tests = list(EntryTest.objects.filter(lot__project=project).select_related("lot"))
    site = list(SiteTest.objects.filter(lot__project=project).select_related("lot"))
    out = []
    for row in sampling_plan(project):
        mine = [
            t for t in tests if t.lot.measure_id == row.measure_id and t.lot.element == row.element
        ]
        passed = sum(1 for t in mine if t.passed)
        onsite = []
        for o in row.onsite:
            done = [
                t
                for t in site
                if t.kind == o.test
                and t.lot.measure_id == row.measure_id
                and t.lot.element == row.element
            ]
            ok = sum(1 for t in done if t.passed)
            onsite.append(
                {
                    "o": o,
                    "done": len(done),
                    "passed": ok,
                    "failed": len(done) - ok,
                    "outstanding": max(0, o.required - ok),
                }
            )
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
                "onsite": onsite,
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
        "quality_as_built": [
            i for i in project.items.select_related("building") if engine_design(i)
        ],
        "quality_can_inspect": user.can(Cap.INSPECT_PROJECTS) and project.stage == Stage.COMPLETED,
    }


# --------------------------------------------------------------------------- on-site tests
def _measure(mid: str):
    return default_catalogue().by_id(mid)


def _fire_context(item: ProjectBuilding) -> FireContext:
    from jigai.buildings.assessment_vector import fire_context

    return fire_context(item.building)


def _item_measure(item: ProjectBuilding, group: str):
    """The catalogue measure of the building's design for a group (wall, roof, window)."""
    for line in item.design_lines or []:
        try:
            m = _measure(line.get("id", ""))
        except KeyError:
            continue
        if m.group.value == group:
            return m
    return None


def _verdict(ok: bool, text: str, clause: str) -> dict:
    return {"ok": bool(ok), "why": text, "clause": clause}


def judge_site(kind: str, values: dict, lot: InspectionLot, item: ProjectBuilding) -> dict:
    """An on-site test or fire check against its limit (rule file ``site_tests``, the lot's
    catalogue measure as designed, GB 50016-2014 §6.7 from ``engine.fire``): pass or fail
    with the reason (in English, the stored trace; shown through ``site_reason``)."""
    spec = R.rules().doc["site_tests"][kind]
    limit, clause = spec["limit"], spec["limit"]["clause"]
    measure = _measure(lot.measure_id)
    v = values
    if kind == "bond_pull_off":
        low = Decimal(str(limit["min"]))
        ok = v["strength"] >= low or v["failure_in_insulation"] == "yes"
        return _verdict(ok, f"{v['strength']} MPa vs ≥ {low} MPa", clause) | {
            "in_insulation": v["failure_in_insulation"] == "yes"
        }
    if kind == "anchor_pull_out":
        low = Decimal(str(limit["min"]))
        return _verdict(v["force"] >= low, f"{v['force']} kN vs ≥ {low} kN", clause)
    if kind == "core_drilling":
        design = Decimal(str(round(measure.thickness_m * 1000, 1)))
        least = design * (100 - Decimal(str(limit["tolerance_pct"]))) / 100
        ok = v["material"] == measure.material and v["thickness"] >= least
        return _verdict(
            ok, f"{v['material']} {v['thickness']} mm vs {measure.material} ≥ {least} mm", clause
        ) | {"design_mm": str(design), "least_mm": str(least), "design_material": measure.material}
    if kind == "window_airtightness":
        least = max(int(limit["min"]), default_data().window(measure.window).airtightness_grade)
        return _verdict(v["grade"] >= least, f"grade {v['grade']} vs ≥ {least}", clause)
    ctx = _fire_context(item)
    if kind == "fire_class":
        cls = CombustionClass.parse(v["burning_class"])
        allowed = (
            fire.roof_allowed(ctx, cls)
            if lot.element == Element.ROOF
            else fire.wall_allowed(ctx, cls)
        )
        return _verdict(allowed, f"{cls.value}: {fire.rules_zh(ctx)}", clause)
    wall = _item_measure(item, "wall")
    wall_cls = wall.combustion_class if wall is not None else None
    if kind == "fire_bands":
        floors = int(item.building.storeys)
        needed = wall_cls is not None and fire.needs_fire_barrier_band(wall_cls)
        ok = not needed or v["floors_with_band"] >= floors
        return _verdict(
            ok, f"{v['floors_with_band']} of {floors} floors (needed: {needed})", clause
        ) | {"floors": floors, "needed": needed}
    if kind == "fire_render":
        least = fire.protective_layer_min_mm(wall_cls or CombustionClass.A)
        ok = v["first_floor_mm"] >= Decimal(str(least["first_floor"])) and v["upper_mm"] >= Decimal(
            str(least["upper"])
        )
        return _verdict(
            ok,
            f"{v['first_floor_mm']}/{v['upper_mm']} mm vs ≥ {least['first_floor']:g}/"
            f"{least['upper']:g} mm",
            clause,
        )
    # fire_windows
    needed = wall_cls is not None and fire.needs_fire_rated_openings(
        ctx.residential, ctx.height_m, wall_cls.rank
    )
    least = Decimal(str(fire.OPENINGS_FIRE_INTEGRITY_H))
    ok = not needed or v["fire_integrity"] >= least
    return _verdict(ok, f"E {v['fire_integrity']} h vs ≥ {least} h (needed: {needed})", clause) | {
        "needed": needed
    }


def uses(item: ProjectBuilding, lot: InspectionLot) -> bool:
    """Whether the building's design uses the lot's product."""
    return any(line.get("id") == lot.measure_id for line in item.design_lines or [])


def site_kinds_of(lot: InspectionLot) -> list[str]:
    return [k for k, t in R.rules().doc["site_tests"].items() if lot.element in t["elements"]]


@transaction.atomic
def record_site_test(
    lot: InspectionLot, *, actor, item: ProjectBuilding, kind: str, tested_on, values: dict
) -> SiteTest:
    """Record an on-site test or a fire check of one building of a lot; a failed one blocks
    the lot, like a failed entry re-test, until a rectification of the lot is closed."""
    require(actor, Cap.RECORD_TESTS)
    locked = lock(lot.project, actor)
    lot = InspectionLot.objects.select_for_update().get(pk=lot.pk, project=locked)
    if kind not in site_kinds_of(lot):
        raise BusinessError(
            _("Kind: “%(k)s” is not an on-site test of %(e)s.")
            % {"k": kind, "e": lot.get_element_display()}
        )
    if item is None or item.project_id != locked.pk:
        raise BusinessError(_("Building: the building is not in this project."))
    if not uses(item, lot):
        raise BusinessError(_("Building: the building's design does not use this lot's product."))
    if tested_on is None or tested_on > timezone.localdate():
        raise BusinessError(_("Tested on: give a date not in the future."))
    fields = R.rules().doc["site_tests"][kind]["fields"]
    given = values or {}
    parsed = {k: R.parse_site_value(kind, k, given.get(k)) for k in fields}
    if kind == "fire_bands" and parsed["floors_with_band"] > item.building.storeys:
        raise BusinessError(
            _("%(f)s: %(v)s exceeds the building's %(n)d floors.")
            % {
                "f": R.FIELD_LABELS["floors_with_band"],
                "v": parsed["floors_with_band"],
                "n": item.building.storeys,
            }
        )
    result = judge_site(kind, parsed, lot, item)
    test = SiteTest.objects.create(
        lot=lot,
        item=item,
        kind=kind,
        tested_on=tested_on,
        values={k: str(v) for k, v in parsed.items()},
        result=result,
        passed=result["ok"],
        recorded_by=actor,
    )
    blocked = False
    if not test.passed and lot.status != InspectionLot.Status.BLOCKED:
        lot.status = InspectionLot.Status.BLOCKED
        lot.save(update_fields=["status"])
        blocked = True
    audit.record(
        actor=actor,
        action="quality.site_test",
        obj=test,
        division_code=locked.division.code,
        data={
            "a": actor.display_name,
            "k": kind,
            "b": str(item.building),
            "l": f"{_measure(lot.measure_id).name_zh} #{lot.seq}",
            "o": "pass" if test.passed else "fail",
        },
        after={"values": test.values, "result": result, "lot_blocked": blocked},
    )
    return test


def site_reason(test: SiteTest) -> str:
    """The verdict of an on-site test, in the reader's language, with its clause."""
    r = test.result
    verdict = _("passed") if r["ok"] else _("failed")
    return f"{R.SITE_LABELS[test.kind]}: {verdict} — {r['why']} ({r['clause']})"


# --------------------------------------------------------------------------- acceptance
_ENGINE_ELEMENTS = {"walls": Element.WALL, "roof": Element.ROOF}
_ENGINE_ELEMENTS["basement_ceiling"] = Element.BASEMENT_CEILING


def _design_measure_of(item: ProjectBuilding, engine_measure: dict):
    """The catalogue measure of the building's design lines that stands for an engine
    measure of its package."""
    for line in item.design_lines or []:
        try:
            m = _measure(line.get("id", ""))
        except KeyError:
            continue
        try:
            if m.engine_measure() == engine_measure:
                return m
        except ValueError:
            continue
    return None


def measured_measures(item: ProjectBuilding) -> tuple[list[dict], list[dict]]:
    """The building's design package with the measured values substituted: for added
    insulation the least core-drilled thickness of the building (walls) and the worst tested
    λ of the product's entry re-tests; for windows the worst tested K. Returns the measures
    and the substitutions made, each with the test records it came from."""
    measures, used = [], []
    project = item.project
    for m in item.design_measures:
        m = dict(m)
        kind = m.get("measure")
        element = (
            _ENGINE_ELEMENTS.get(m.get("elements"))
            if kind == "add_insulation"
            else Element.WINDOW
            if kind == "replace_windows"
            else None
        )
        cat = _design_measure_of(item, m) if element else None
        if cat is None:
            measures.append(m)
            continue
        entries = list(
            EntryTest.objects.filter(
                lot__project=project, lot__element=element, lot__measure_id=cat.id
            ).order_by("pk")
        )
        if kind == "add_insulation":
            cores = list(
                SiteTest.objects.filter(
                    item=item, kind="core_drilling", lot__element=element, lot__measure_id=cat.id
                ).order_by("pk")
            )
            if cores:
                least = min(cores, key=lambda t: (Decimal(t.values["thickness"]), t.pk))
                m["thickness"] = float(Decimal(least.values["thickness"]) / 1000)
                used.append(
                    {
                        "measure": cat.id,
                        "thickness_mm": least.values["thickness"],
                        "site_test": least.pk,
                    }
                )
            lam = [t for t in entries if "lambda" in t.values]
            if lam:
                worst = max(lam, key=lambda t: (Decimal(t.values["lambda"]), t.pk))
                m["lambda"] = float(worst.values["lambda"])
                used.append(
                    {"measure": cat.id, "lambda": worst.values["lambda"], "entry_test": worst.pk}
                )
        else:
            ks = [t for t in entries if "k_value" in t.values]
            if ks:
                worst = max(ks, key=lambda t: (Decimal(t.values["k_value"]), t.pk))
                m["K"] = float(worst.values["k_value"])
                used.append(
                    {"measure": cat.id, "K": worst.values["k_value"], "entry_test": worst.pk}
                )
        measures.append(m)
    return measures, used


def engine_design(item: ProjectBuilding) -> bool:
    """A design made of catalogue measures, which the engine can re-run as built."""
    return item.design_source == DesignSource.OPTIMISER and bool(item.design_measures)


def as_built_from_tests(item: ProjectBuilding, *, actor) -> ProjectBuilding:
    """The inspector's as-built re-assessment from the measured values: the engine runs the
    design package with the core-drilled thickness, the tested λ and the tested K
    (``measured_measures``) and the result is stored beside the design η, with the inputs,
    their test records and the engine version."""
    from jigai.buildings.assessment import reassess_with_measures
    from jigai.projects.services import record_as_built

    require(actor, Cap.INSPECT_PROJECTS)
    if not engine_design(item):
        raise BusinessError(
            _("Only a design made of catalogue measures can be re-assessed by the engine.")
        )
    measures, used = measured_measures(item)
    if not used:
        raise BusinessError(
            _("%(b)s: no measured value recorded yet (core drilling, entry re-tests).")
            % {"b": item.building}
        )
    eta, record = reassess_with_measures(item.building, item.programme, measures)
    with transaction.atomic():
        done = record_as_built(
            item,
            eta=eta,
            record={**record, "measured": used, "design_measures": item.design_measures},
            actor=actor,
        )
        audit.record(
            actor=actor,
            action="quality.as_built",
            obj=done.project,
            division_code=done.project.division.code,
            data={
                "a": actor.display_name,
                "b": str(done.building),
                "e": f"{eta:.4f}",
                "d": f"{done.design_eta:.4f}" if done.design_eta is not None else "—",
            },
            after={"eta": eta, "measured": used, "engine_version": record["engine_version"]},
        )
    return done


def _lot_name(lot: InspectionLot) -> str:
    return f"{_measure(lot.measure_id).name_zh} #{lot.seq}"


def fire_requirements(item: ProjectBuilding) -> list[tuple[str, str]]:
    """(element, fire check) the building needs during works, from its design and §6.7
    (engine.fire): the class of its wall and roof insulation; with B1/B2 wall insulation
    the bands at every floor and the render thickness; the windows' integrity where §6.7.7-1
    asks for it."""
    out = []
    wall, roof = _item_measure(item, "wall"), _item_measure(item, "roof")
    if wall is not None:
        out.append((Element.WALL, "fire_class"))
        cls = wall.combustion_class
        if cls is not None and fire.needs_fire_barrier_band(cls):
            out += [(Element.WALL, "fire_bands"), (Element.WALL, "fire_render")]
        ctx = _fire_context(item)
        if (
            cls is not None
            and _item_measure(item, "window") is not None
            and fire.needs_fire_rated_openings(ctx.residential, ctx.height_m, cls.rank)
        ):
            out.append((Element.WINDOW, "fire_windows"))
    if roof is not None:
        out.append((Element.ROOF, "fire_class"))
    return out


def acceptance_problems(project: Project) -> list[str]:
    """What stands between the works and acceptance on evidence (registered with the
    projects workflow): the lots stored; every entry re-test and on-site test of the plan
    done and passed (per lot, per building, and the fire checks); no lot blocked; every
    rectification order closed; the as-built η of each building computed from the measured
    values."""
    rows = plan_status(project)
    if not rows:
        return []
    problems = []
    lots = list(project.inspection_lots.all())
    if not lots:
        return [_("Generate the inspection lots and record their tests.")]
    for status in rows:
        row = status["row"]
        if status["outstanding"]:
            problems.append(
                _("%(p)s: %(n)d of %(r)d entry re-test(s) not passed.")
                % {"p": row.name, "n": status["outstanding"], "r": row.entry_required}
            )
    site = list(SiteTest.objects.filter(lot__project=project).select_related("lot", "item"))
    for lot in lots:
        if lot.status == InspectionLot.Status.BLOCKED:
            failed = [
                str(R.SITE_LABELS[t.kind]) for t in site if t.lot_id == lot.pk and not t.passed
            ]
            failed += [
                t.report_no for t in EntryTest.objects.filter(lot=lot, passed=False).order_by("pk")
            ]
            problems.append(
                _("Lot %(l)s is blocked by a failed test: %(t)s.")
                % {"l": _lot_name(lot), "t": ", ".join(failed)}
            )
        for o in lot.onsite:
            ok = sum(1 for t in site if t.lot_id == lot.pk and t.kind == o["test"] and t.passed)
            if ok < int(o["count"]):
                problems.append(
                    _("Lot %(l)s: %(t)s %(n)d of %(r)d not passed.")
                    % {
                        "l": _lot_name(lot),
                        "t": R.SITE_LABELS[o["test"]],
                        "n": int(o["count"]) - ok,
                        "r": int(o["count"]),
                    }
                )
    rf = R.rules()
    items = list(project.items.select_related("building"))
    for item in items:
        needs = []
        for line in item.design_lines or []:
            try:
                m = _measure(line.get("id", ""))
            except KeyError:
                continue
            element = rf.element_of_group(m.group.value)
            if element is None:
                continue
            for o in rf.element(element)["onsite_per_unit_project"]:
                needs.append((element, m.id, o["test"], int(o["count"])))
        needs += [
            (element, _item_measure(item, element).id, kind, 1)
            for element, kind in fire_requirements(item)
        ]
        for element, mid, kind, count in needs:
            ok = sum(
                1
                for t in site
                if t.item_id == item.pk
                and t.kind == kind
                and t.passed
                and t.lot.element == element
                and t.lot.measure_id == mid
            )
            if ok < count:
                problems.append(
                    _("%(b)s: %(t)s %(n)d of %(r)d not passed.")
                    % {"b": item.building, "t": R.SITE_LABELS[kind], "n": count - ok, "r": count}
                )
        if engine_design(item) and not (item.as_built_record or {}).get("measured"):
            problems.append(
                _("%(b)s: compute the as-built η from the measured values.") % {"b": item.building}
            )
    for r in project.rectifications.exclude(state=Rectification.State.CLOSED).order_by("pk"):
        problems.append(
            _("Rectification order no. %(n)d (%(w)s) is %(s)s.")
            % {"n": r.pk, "w": r.where, "s": r.get_state_display()}
        )
    return problems
