"""Importing the survey workbook: every row validated before anything is written,
then one transaction that creates, updates (with audit entries) or leaves alone.

Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jigai.accounts.models import Division, Organisation
from jigai.audit import services as audit
from jigai.buildings import excel
from jigai.buildings.excel import CellError, WorkbookRejected
from jigai.buildings.models import Building, Community, ImportJob
from jigai.core.errors import require
from jigai.core.roles import Cap
from jigai.stock.schema import Column, columns

BUILDING_FIELDS = [
    c.key
    for c in columns()
    if c.key not in ("county", "street", "community", "community_renovation")
]
_TRUE = {"是", "true", "1", "yes", "y", "t", "√", "✓"}
_FALSE = {"否", "false", "0", "no", "n", "f", "×", "✗"}


def progress_key(job_id: int) -> str:
    return f"jigai:import-progress:{job_id}"


@dataclass
class Plan:
    """What the file will do once written."""

    rows: list[dict] = field(default_factory=list)  # typed values per row
    row_numbers: list[int] = field(default_factory=list)


def _convert(col: Column, raw) -> tuple[object, str | None]:
    """(value, error message) for one cell."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, (_("required") if col.required else None)
    if col.kind == "text":
        text = str(raw).strip()
        if col.max_length and len(text) > col.max_length:
            return None, _("longer than %(n)d characters") % {"n": col.max_length}
        return text, None
    if col.kind == "bool":
        text = str(raw).strip().lower()
        if isinstance(raw, bool):
            return raw, None
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        return None, _("“%(v)s” is not 是 or 否") % {"v": raw}
    if col.kind == "choice":
        text = str(raw).strip()
        for value, label in col.choices:
            if text in (value, label):
                return value, None
        return None, _("“%(v)s” is not one of: %(c)s") % {
            "v": raw,
            "c": "、".join(label for _v, label in col.choices),
        }
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        return None, _("“%(v)s” is not a number") % {"v": raw}
    if not number.is_finite():
        return None, _("“%(v)s” is not a number") % {"v": raw}
    if col.kind == "int":
        if number != number.to_integral_value():
            return None, _("“%(v)s” is not a whole number") % {"v": raw}
        number = int(number)
    if (col.minimum is not None and number < col.minimum) or (
        col.maximum is not None and number > col.maximum
    ):
        return None, _("%(v)s is outside %(a)g–%(b)g") % {
            "v": raw,
            "a": col.minimum,
            "b": col.maximum,
        }
    return number, None


def validate(raw_rows: list[tuple[int, dict]], *, divisions) -> tuple[Plan, list[CellError]]:
    """Type-check every row, resolve counties (within ``divisions``, the importer's
    area) and streets, and find duplicates inside the file and against the database."""
    cols = columns()
    visible = {d.name: d for d in divisions}
    all_counties = {d.name for d in Division.objects.exclude(kind=Division.Kind.CITY)}
    streets = {}
    for org in Organisation.objects.filter(
        kind=Organisation.Kind.STREET_OFFICE, division__in=visible.values()
    ):
        streets[(org.division_id, org.name)] = org
        if org.short_name:
            streets.setdefault((org.division_id, org.short_name), org)
    errors: list[CellError] = []
    plan = Plan()
    seen_keys: dict[tuple, int] = {}
    seen_codes: dict[str, int] = {}
    for r, raw in raw_rows:
        row, row_errors = {}, []
        for col in cols:
            value, problem = _convert(col, raw.get(col.key))
            if problem:
                row_errors.append(CellError(r, col.header, problem))
            row[col.key] = value
        county = visible.get(row["county"]) if row["county"] else None
        if row["county"] and county is None:
            message = (
                _("“%(c)s” is outside your area")
                if row["county"] in all_counties
                else _("unknown county/district “%(c)s”")
            ) % {"c": row["county"]}
            row_errors.append(CellError(r, "县区", message))
        if county is not None and row["street"]:
            street = streets.get((county.pk, row["street"]))
            if street is None:
                row_errors.append(
                    CellError(
                        r,
                        "街道（乡镇）",
                        _("unknown street office “%(s)s” in %(c)s")
                        % {"s": row["street"], "c": county.name},
                    )
                )
            row["street_org"] = street
        row["division"] = county
        if (
            row.get("households") is not None
            and row.get("consent_households") is not None
            and row["consent_households"] > row["households"]
        ):
            row_errors.append(
                CellError(r, "同意改造户数", _("more consenting households than households"))
            )
        key = (row["county"], row["community"], row["building_no"])
        if all(key):
            if key in seen_keys:
                row_errors.append(
                    CellError(
                        r, "楼号", _("the same building as row %(r)d") % {"r": seen_keys[key]}
                    )
                )
            seen_keys.setdefault(key, r)
        if row.get("bdc_code"):
            if row["bdc_code"] in seen_codes:
                row_errors.append(
                    CellError(
                        r,
                        "不动产单元代码",
                        _("the same code as row %(r)d") % {"r": seen_codes[row["bdc_code"]]},
                    )
                )
            seen_codes.setdefault(row["bdc_code"], r)
        errors.extend(row_errors)
        plan.rows.append(row)
        plan.row_numbers.append(r)
    if not errors:
        errors.extend(_conflicts_with_database(plan))
    return plan, errors


def _conflicts_with_database(plan: Plan) -> list[CellError]:
    """A real-estate unit code already held by another building."""
    codes = {
        row["bdc_code"]: (r, row)
        for r, row in zip(plan.row_numbers, plan.rows, strict=True)
        if row["bdc_code"]
    }
    errors = []
    for b in Building.objects.filter(bdc_code__in=list(codes)).select_related(
        "division", "community"
    ):
        r, row = codes[b.bdc_code]
        if (row["county"], row["community"], row["building_no"]) != b.key:
            errors.append(
                CellError(
                    r,
                    "不动产单元代码",
                    _("already recorded for %(b)s (%(c)s)") % {"b": b, "c": b.division.name},
                )
            )
    return errors


def _values(row: dict) -> dict:
    """Model field values of a row, decimals rounded as the database will store them."""
    values = {}
    for name in BUILDING_FIELDS:
        value = row.get(name)
        if value is None:
            value = _EMPTY.get(name)
        elif name in _DECIMAL_PLACES:
            value = Decimal(value).quantize(_DECIMAL_PLACES[name])
        values[name] = value
    return values


_DECIMAL_PLACES = {
    f.name: Decimal(1).scaleb(-f.decimal_places)
    for f in Building._meta.get_fields()
    if f.get_internal_type() == "DecimalField"
}


_EMPTY = {
    "bdc_code": "",
    "address": "",
    "wall_type": "",
    "roof_type": "",
    "window_type": "",
    "floor_type": "",
    "safety_grade": "",
    "heating": "",
}


def _comparable(building: Building) -> dict:
    out = {}
    for name in BUILDING_FIELDS:
        value = getattr(building, name)
        out[name] = Decimal(value).normalize() if isinstance(value, Decimal) else value
    return out


def write(
    plan: Plan, *, actor, actor_name: str = "", job: ImportJob | None = None
) -> tuple[int, int, int]:
    """Write a validated plan in one transaction; return (created, updated, unchanged).

    ``actor`` None means the command line (demo and administrative loads)."""
    if actor is not None:
        require(actor, Cap.IMPORT_BUILDINGS)
    who = {"actor": actor, "actor_name": actor_name or None}
    total = len(plan.rows)
    with transaction.atomic():
        communities, new_communities, changed_communities = _upsert_communities(plan)
        if new_communities or changed_communities:
            audit.record(
                **who,
                action="survey.communities",
                summary=_("Survey import added %(n)d and updated %(m)d communities")
                % {"n": len(new_communities), "m": len(changed_communities)},
                after={"created": new_communities, "updated": changed_communities},
            )
        existing = {
            (b.community_id, b.building_no): b
            for b in Building.objects.filter(community__in=communities.values())
        }
        to_create, to_update, entries = [], [], []
        unchanged = 0
        for i, row in enumerate(plan.rows):
            community = communities[(row["division"].pk, row["community"])]
            values = _values(row)
            current = existing.get((community.pk, row["building_no"]))
            if current is None:
                to_create.append(Building(division=row["division"], community=community, **values))
            else:
                before = _comparable(current)
                after = {
                    k: (Decimal(v).normalize() if isinstance(v, Decimal) else v)
                    for k, v in values.items()
                }
                old, new = audit.diff(before, after)
                if new:
                    for name, value in values.items():
                        setattr(current, name, value)
                    current.version += 1
                    to_update.append(current)
                    entries.append(
                        {
                            **who,
                            "action": "survey.update",
                            "obj": current,
                            "division_code": row["division"].code,
                            "before": old,
                            "after": new,
                            "summary": _("Survey import changed %(f)s of %(b)s")
                            % {"f": audit.field_labels(Building, new), "b": current},
                        }
                    )
                else:
                    unchanged += 1
            if job is not None and i % 500 == 0:
                cache.set(progress_key(job.pk), (i, total), 3600)
        Building.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            Building.objects.bulk_update(to_update, BUILDING_FIELDS + ["version"], batch_size=500)
        if to_create:
            entries.append(
                {
                    **who,
                    "action": "survey.create",
                    "division_code": _single_division(to_create),
                    "summary": _("Survey import added %(n)d building(s)") % {"n": len(to_create)},
                    "after": {
                        "buildings": [
                            f"{b.division.name}/{b.community.name}/{b.building_no}"
                            for b in to_create
                        ]
                    },
                }
            )
        if entries:
            audit.record_many(entries)
        if job is not None:
            cache.set(progress_key(job.pk), (total, total), 3600)
    return len(to_create), len(to_update), unchanged


def _single_division(buildings) -> str:
    """The county of an audit entry, or "" (city-wide) when it spans several."""
    codes = {b.division.code for b in buildings}
    return codes.pop() if len(codes) == 1 else ""


def _upsert_communities(
    plan: Plan,
) -> tuple[dict[tuple[int, str], Community], list[str], list[str]]:
    """Create the file's new communities and update changed ones; return them all with
    the names created and changed (for the audit trail)."""
    wanted = {}
    for row in plan.rows:
        wanted[(row["division"].pk, row["community"])] = row
    found = {
        (c.division_id, c.name): c
        for c in Community.objects.filter(
            division__in={k[0] for k in wanted}, name__in={k[1] for k in wanted}
        )
    }
    changed, created = [], []
    for key, row in wanted.items():
        community = found.get(key)
        if community is None:
            created.append(f"{row['division'].name}/{row['community']}")
            found[key] = Community.objects.create(
                division=row["division"],
                street=row["street_org"],
                name=row["community"],
                old_community_renovation=bool(row["community_renovation"]),
            )
        elif community.street_id != row[
            "street_org"
        ].pk or community.old_community_renovation != bool(row["community_renovation"]):
            community.street = row["street_org"]
            community.old_community_renovation = bool(row["community_renovation"])
            changed.append(community)
    if changed:
        Community.objects.bulk_update(changed, ["street", "old_community_renovation"])
    return found, created, [f"{c.division.name}/{c.name}" for c in changed]


def _screen_imported(plan: Plan, actor) -> None:
    """Screen the imported counties' buildings by the programme in force."""
    from jigai.buildings.eligibility import screen
    from jigai.programmes.services import current_programme

    programme = current_programme()
    if programme is not None:
        divisions = {row["division"].pk for row in plan.rows}
        screen(programme, Building.objects.filter(division__in=divisions), actor=actor)


def start(data: bytes, file_name: str, *, actor) -> ImportJob:
    """Record an import job for an uploaded file (the work is done by run())."""
    require(actor, Cap.IMPORT_BUILDINGS)
    return ImportJob.objects.create(
        user=actor,
        file_name=file_name[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
    )


def run(job: ImportJob, data: bytes) -> ImportJob:
    """Validate then write; the job records the outcome. Nothing is written on any error."""
    actor = job.user
    job.status = ImportJob.Status.VALIDATING
    job.save(update_fields=["status"])
    try:
        raw = excel.read(data, max_bytes=settings.IMPORT_MAX_BYTES)
        job.total_rows = len(raw)
        plan, errors = validate(raw, divisions=actor.visible_divisions())
        if errors:
            raise WorkbookRejected(errors)
        job.status = ImportJob.Status.WRITING
        job.save(update_fields=["status", "total_rows"])
        with transaction.atomic():
            job.created, job.updated, job.unchanged = write(plan, actor=actor, job=job)
            _screen_imported(plan, actor)
        job.status = ImportJob.Status.DONE
    except WorkbookRejected as exc:
        job.status = ImportJob.Status.REJECTED
        job.errors = [
            {"row": e.row, "column": e.column, "message": str(e.message)} for e in exc.errors
        ]
    except Exception as exc:  # noqa: BLE001 - recorded for the user, then re-raised for the log
        job.status = ImportJob.Status.FAILED
        job.errors = [{"row": 0, "column": "", "message": f"{type(exc).__name__}: {exc}"}]
        job.finished_at = timezone.now()
        job.save()
        raise
    job.finished_at = timezone.now()
    job.save()
    return job


def run_in_background(job: ImportJob, data: bytes) -> None:
    """Run an import in a thread of this process (the page polls its progress)."""
    import threading

    def target():
        try:
            run(ImportJob.objects.get(pk=job.pk), data)
        finally:
            close_old_connections()

    threading.Thread(target=target, name=f"import-{job.pk}", daemon=True).start()
