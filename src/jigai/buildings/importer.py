"""Importing a survey table: the file read and every row validated by the one survey-table
package (``jigai.surveytable``) before anything is written, then the platform's own checks
(counties within the importer's area, registered street offices, real-estate unit codes held
by other buildings), then one transaction that creates, updates (with audit entries) or
leaves alone.

Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from jigai import surveytable
from jigai.accounts.models import Division, Organisation
from jigai.audit import services as audit
from jigai.buildings.models import Building, Community, ImportJob
from jigai.core.errors import require
from jigai.core.roles import Cap
from jigai.jobs.progress import Reporter
from jigai.surveytable import Problem, Table, TableRejected
from jigai.surveytable.problems import N_
from jigai.surveytable.reader import from_columns, sniff
from jigai.surveytable.schema import columns, normalise_key
from jigai.surveytable.writer import Sheet, save

BUILDING_FIELDS = [
    c.key
    for c in columns()
    if c.key not in ("county", "street", "community", "community_renovation")
]


@dataclass
class Plan:
    """What the file will do once written."""

    rows: list[dict] = field(default_factory=list)  # typed values per row
    row_numbers: list[int] = field(default_factory=list)
    building_ids: list[int] = field(default_factory=list)  # after write: the file's buildings


def check(table: Table, *, divisions) -> Plan:
    """The platform's checks of a valid table: every county known and within ``divisions``
    (the importer's area), every street office registered in its county, no real-estate
    unit code already held by another building. ``TableRejected`` lists every problem."""
    visible = {normalise_key(d.name): d for d in divisions}
    all_counties = set(
        Division.objects.exclude(kind=Division.Kind.CITY).values_list("name", flat=True)
    )
    streets = {}
    for org in Organisation.objects.filter(
        kind=Organisation.Kind.STREET_OFFICE, division__in=visible.values()
    ):
        streets[(org.division_id, normalise_key(org.name))] = org
        if org.short_name:
            streets.setdefault((org.division_id, normalise_key(org.short_name)), org)
    county_col, street_col = table.headers["county"], table.headers["street"]
    problems: list[Problem] = []
    plan = Plan()
    for r, row in zip(table.rows.tolist(), table.records(), strict=True):
        county = visible.get(row["county"])
        if county is None:
            outside = row["county"] in all_counties
            message = (
                N_("“%(c)s” is outside your area")
                if outside
                else N_("unknown county/district “%(c)s”")
            )
            problems.append(Problem(r, county_col, message, {"c": row["county"]}))
        else:
            row["street_org"] = streets.get((county.pk, row["street"]))
            if row["street_org"] is None:
                problems.append(
                    Problem(
                        r,
                        street_col,
                        N_("unknown street office “%(s)s” in %(c)s"),
                        {"s": row["street"], "c": county.name},
                    )
                )
        row["division"] = county
        plan.rows.append(row)
        plan.row_numbers.append(r)
    if not problems:
        problems = _conflicts_with_database(plan, table.headers.get("bdc_code", ""))
    if problems:
        raise TableRejected(problems, source=table.source)
    return plan


def write_columns(table: dict, *, actor=None, actor_name: str = "") -> tuple[int, int, int]:
    """Validate, check and write arrays under the survey's keys (a generated survey: the demo,
    benchmarks) as a file would be; ``TableRejected`` if they are not a valid survey."""
    plan = check(
        surveytable.validate(from_columns(table, source=actor_name)),
        divisions=Division.objects.exclude(kind=Division.Kind.CITY),
    )
    return write(plan, actor=actor, actor_name=actor_name)


def _conflicts_with_database(plan: Plan, column: str) -> list[Problem]:
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
                Problem(
                    r,
                    column,
                    N_("already recorded for %(b)s (%(c)s)"),
                    {"b": str(b), "c": b.division.name},
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
            value = Decimal(str(value)).quantize(_DECIMAL_PLACES[name])
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


@dataclass
class Changes:
    """What writing a plan will do, worked out before the write transaction opens."""

    to_create: list[tuple[dict, dict]] = field(default_factory=list)  # (row, values)
    to_update: list[tuple[Building, dict, dict, dict]] = field(default_factory=list)
    unchanged: int = 0
    versions: dict[int, int] = field(default_factory=dict)  # existing pk -> version read
    last_pk: int = 0  # the highest building id of the file's counties when read


def prepare(plan: Plan, *, progress=None) -> Changes:
    """Compare every row with the stored building (no transaction, no lock held)."""
    changes = Changes()
    wanted = {(row["division"].pk, row["community"]) for row in plan.rows}
    existing = {
        (b.division_id, normalise_key(b.community.name), normalise_key(b.building_no)): b
        # every building of the file's counties: stored names are compared normalised
        for b in Building.objects.filter(division__in={k[0] for k in wanted}).select_related(
            "community", "division"
        )
    }
    changes.last_pk = max((b.pk for b in existing.values()), default=0)
    total = len(plan.rows)
    for i, row in enumerate(plan.rows):
        values = _values(row)
        current = existing.get((row["division"].pk, row["community"], row["building_no"]))
        if current is None:
            changes.to_create.append((row, values))
        else:
            changes.versions[current.pk] = current.version
            after = {
                k: (Decimal(v).normalize() if isinstance(v, Decimal) else v)
                for k, v in values.items()
            }
            old, new = audit.diff(_comparable(current), after)
            if new:
                changes.to_update.append((current, values, old, new))
            else:
                changes.unchanged += 1
        if progress is not None and i % 500 == 0:
            progress(i, total)
    if progress is not None:
        progress(total, total)
    return changes


def write(plan: Plan, *, actor, actor_name: str = "", progress=None) -> tuple[int, int, int]:
    """Write a validated plan in one short transaction; return (created, updated, unchanged).

    The comparison with stored buildings is made first, outside the transaction. Inside it,
    the file's counties are locked (so two imports into one county write one after the
    other), then the buildings to change, in id order; under those locks the versions read
    are checked again and no building may have appeared meanwhile, else the comparison is
    redone under the locks. Every change of a building bumps its version (this is the only
    writer of survey fields), so each audit entry's "before" is the row as locked and the
    entries replay to the stored row. The database's write lock is held for the inserts and
    updates alone. ``actor`` None means the command line (demo and administrative loads)."""
    if actor is not None:
        require(actor, Cap.IMPORT_BUILDINGS)
    changes = prepare(plan, progress=progress)
    with transaction.atomic():
        if _changed_meanwhile(plan, changes):
            changes = prepare(plan)
        created, updated = _publish(plan, changes, actor=actor, actor_name=actor_name)
    plan.building_ids = [b.pk for b in created] + list(changes.versions)
    return len(created), updated, changes.unchanged


def _changed_meanwhile(plan: Plan, changes: Changes) -> bool:
    """Lock the plan's counties and known buildings (inside the caller's transaction, in a
    stable order: no deadlock between two imports) and tell whether any of those buildings
    changed, or a building was added in those counties, since ``changes`` was prepared."""
    divisions = sorted({row["division"].pk for row in plan.rows})
    # FOR NO KEY UPDATE: other writers may still insert rows that refer to the county
    list(
        Division.objects.select_for_update(no_key=True)
        .filter(pk__in=divisions)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = dict(
        Building.objects.select_for_update()
        .filter(pk__in=list(changes.versions))
        .order_by("pk")
        .values_list("pk", "version")
    )
    if now != changes.versions:
        return True
    return Building.objects.filter(division__in=divisions, pk__gt=changes.last_pk).exists()


def _publish(plan: Plan, changes: Changes, *, actor, actor_name: str) -> tuple[list, int]:
    """The write itself (inside the caller's transaction): communities, buildings, audit."""
    who = {"actor": actor, "actor_name": actor_name or None}
    communities, new_communities, changed_communities = _upsert_communities(plan)
    if new_communities or changed_communities:
        audit.record(
            **who,
            action="survey.communities",
            data={"n": len(new_communities), "m": len(changed_communities)},
            after={"created": new_communities, "updated": changed_communities},
        )
    to_create = [
        Building(
            division=row["division"],
            community=communities[(row["division"].pk, row["community"])],
            **values,
        )
        for row, values in changes.to_create
    ]
    to_update, entries = [], []
    for current, values, old, new in changes.to_update:
        for name, value in values.items():
            setattr(current, name, value)
        current.version += 1
        to_update.append(current)
        entries.append(
            {
                **who,
                "action": "survey.update",
                "obj": current,
                "division_code": current.division.code,
                "before": old,
                "after": new,
                "data": {"f": audit.field_names(new), "b": str(current)},
            }
        )
    Building.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        Building.objects.bulk_update(to_update, BUILDING_FIELDS + ["version"], batch_size=500)
    if to_create:
        entries.append(
            {
                **who,
                "action": "survey.create",
                "division_code": _single_division(to_create),
                "data": {"n": len(to_create)},
                "after": {
                    "buildings": [
                        f"{b.division.name}/{b.community.name}/{b.building_no}" for b in to_create
                    ]
                },
            }
        )
    if entries:
        audit.record_many(entries)
    return to_create, len(to_update)


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
        (c.division_id, normalise_key(c.name)): c
        for c in Community.objects.filter(division__in={k[0] for k in wanted})
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


STEPS = ["validate", "write", "screen", "assess"]


def start(upload, file_name: str, *, actor) -> ImportJob:
    """Store an uploaded file (bytes or a Django file) through the storage API with its
    SHA-256 and record its import job; the work is done by ``run`` in a worker."""
    require(actor, Cap.IMPORT_BUILDINGS)
    upload = ContentFile(upload) if isinstance(upload, bytes) else upload
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    job = ImportJob(
        user=actor,
        file_name=file_name[:200],
        sha256=digest.hexdigest(),
        size_bytes=size,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    upload.seek(0)
    suffix = sniff(upload.read(8), file_name)
    upload.seek(0)
    job.file.save(f"{digest.hexdigest()[:16]}{suffix}", upload, save=False)
    job.save()
    return job


def import_limits() -> surveytable.Limits:
    """How large a survey table the platform imports (settings ``IMPORT_MAX_*``)."""
    return surveytable.Limits(
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
    )


def run(job: ImportJob, *, echo=None) -> ImportJob:
    """The whole chain, each step in its own transaction: validate (nothing written),
    write (one short transaction), screen (one), assess (one). The job records the
    outcome; nothing is written when the file is rejected. Runs in the requester's
    language. ``echo(step, done, total)`` mirrors the progress (a CLI's bar)."""
    from jigai.jobs import services as jobs

    with translation.override(job.language):
        jobs.begin(job)
        reporter = Reporter(job, STEPS, echo=echo)
        try:
            _chain(job, reporter)
        except TableRejected as exc:
            reporter.close()
            job.errors = [p.as_dict(job.language) for p in exc.problems]
            jobs.finish(job, ImportJob.Status.REJECTED)
        except Exception as exc:
            reporter.close()
            job.errors = [{"row": 0, "column": "", "message": f"{type(exc).__name__}: {exc}"}]
            jobs.finish(job, ImportJob.Status.FAILED, job.errors[0]["message"])
            raise
    return job


def _chain(job: ImportJob, reporter: Reporter) -> None:
    from jigai.buildings.assessment import assess_buildings
    from jigai.buildings.eligibility import screen
    from jigai.programmes.services import current_programme

    actor = job.user
    reporter.step("validate")
    with job.file.open("rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != job.sha256:
        raise TableRejected(
            [Problem(0, "", N_("The stored file does not match its SHA-256: upload it again."))]
        )
    raw = surveytable.read(data, name=job.file_name, limits=import_limits())
    del data
    job.total_rows = len(raw)
    job.save(update_fields=["total_rows"])
    plan = check(surveytable.validate(raw), divisions=actor.visible_divisions())
    reporter.end("validate")
    progress = reporter.step("write", len(plan.rows))
    job.created, job.updated, job.unchanged = write(plan, actor=actor, progress=progress)
    job.save(update_fields=["created", "updated", "unchanged"])
    reporter.end("write")
    programme = current_programme()
    if programme is not None:
        divisions = {row["division"].pk for row in plan.rows}
        in_counties = Building.objects.filter(division__in=divisions)
        reporter.step("screen", in_counties.count())
        screen(programme, in_counties, actor=actor)
        reporter.end("screen")
        progress = reporter.step("assess", len(plan.building_ids))
        assess_buildings(
            programme,
            Building.objects.filter(pk__in=plan.building_ids),
            actor=actor,
            progress=progress,
        )
    reporter.end("assess")
    reporter.close()
    from jigai.jobs import services as jobs

    jobs.finish(job, ImportJob.Status.DONE)


def error_report(errors: list[dict]) -> bytes:
    """A rejected job's problems ({"row", "column", "message"}) as a workbook."""
    return save(
        Sheet(
            _("Errors"),
            [_("Row"), _("Column"), _("Problem")],
            ((e["row"] or "", e["column"], e["message"]) for e in errors),
        )
    )
