"""Business actions on programme years: load from a plan file, check, copy, edit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from jigai.accounts.models import Division
from jigai.audit import services as audit
from jigai.core.errors import BusinessError, StaleVersion, require
from jigai.core.roles import Cap
from jigai.engine.climate import (
    CITY,
    DEFAULT_CITY,
    CountyClimateRowError,
    UnknownClimateError,
    county_climate_ref,
    is_known,
)
from jigai.engine.errors import EngineInputError
from jigai.engine.policy import PolicyError, parse_policy
from jigai.money import MoneyError, yuan_to_fen
from jigai.programmes import climates
from jigai.programmes.models import (
    PARAMETER_FIELDS,
    Category,
    Programme,
    TaskTarget,
    normalise_grades,
)
from jigai.units import M2_PER_10K, to_10k_m2

DATA_DIR = Path(__file__).resolve().parent / "data"


class ProgrammeFileError(BusinessError):
    """A programme file that cannot be loaded; ``details`` lists every problem."""


# --------------------------------------------------------------------------- reading a file
@dataclass
class _Reader:
    """Collects every problem of a file instead of stopping at the first."""

    errors: list[str] = field(default_factory=list)

    def area_m2(self, raw, where: str, *, allow_empty: bool = False) -> int | None:
        """万m² (string or number, ≤ 4 decimals) → whole m²."""
        if raw is None or raw == "":
            if allow_empty:
                return None
            self.errors.append(_("%(where)s: a value is required") % {"where": where})
            return None
        try:
            value = Decimal(str(raw)) * M2_PER_10K
        except InvalidOperation:
            self.errors.append(
                _("%(where)s: “%(raw)s” is not a number") % {"where": where, "raw": raw}
            )
            return None
        if value < 0:
            self.errors.append(_("%(where)s: %(raw)s is negative") % {"where": where, "raw": raw})
            return None
        if value != value.to_integral_value():
            self.errors.append(
                _("%(where)s: %(raw)s has more than four decimals of 万m²")
                % {"where": where, "raw": raw}
            )
            return None
        return int(value)

    def fen(self, raw, where: str) -> int | None:
        try:
            value = yuan_to_fen(str(raw))
        except MoneyError as exc:
            self.errors.append(f"{where}: {exc}")
            return None
        if value < 0:
            self.errors.append(_("%(where)s: %(raw)s is negative") % {"where": where, "raw": raw})
            return None
        return value


def _climate(city, r: _Reader) -> str:
    try:
        return climates.city_name(city)
    except EngineInputError:
        r.errors.append(
            _("parameters.climate_city: no climate for “%(c)s” in the engine's table") % {"c": city}
        )
    return str(city)


def _package_rules(raw, r: _Reader) -> dict:
    """The ``package_rules`` table, validated by the engine (its error names the row)."""
    if raw is None:
        return {}
    try:
        return rules_dict(parse_policy(raw))
    except PolicyError as exc:
        r.errors.append(
            _("Package rules, %(where)s: %(problem)s")
            % {"where": exc.field, "problem": exc.message}
        )
        return {}


def rules_dict(policy) -> dict:
    """A ``PackagePolicy`` as stored in ``Programme.package_rules`` (fen, group codes)."""
    d = policy.to_dict()
    d.pop("origin", None)
    return d


def _county_of(row: dict, counties: dict, where: str, r: _Reader):
    """The county a row names (by name), or None with the problem recorded."""
    county = counties.get(row.get("county"))
    if county is None:
        r.errors.append(
            _("%(where)s: unknown county/district “%(c)s”")
            % {"where": where, "c": row.get("county")}
        )
    return county


def _county_climates(rows, counties: dict, r: _Reader) -> dict[str, str]:
    """``county_climates`` rows ({county, city | normals_station}) → {division code: ref}."""
    if rows is None:
        return {}
    if not isinstance(rows, list):
        r.errors.append(_("county_climates: must be a list of rows"))
        return {}
    mapping: dict[str, str] = {}
    for i, row in enumerate(rows, start=1):
        row = row if isinstance(row, dict) else {}
        where = _("county_climates row %(i)d (%(c)s)") % {"i": i, "c": row.get("county")}
        county = _county_of(row, counties, where, r)
        if county is None:
            continue
        if county.code in mapping:
            r.errors.append(_("%(where)s: the county appears twice") % {"where": where})
        try:
            ref = county_climate_ref(row)
        except UnknownClimateError as exc:
            r.errors.append(
                _("%(where)s: no climate “%(v)s” in the engine's tables")
                % {"where": where, "v": exc.value}
            )
            continue
        except CountyClimateRowError:
            r.errors.append(
                _("%(where)s: give exactly one of “city” or “normals_station”") % {"where": where}
            )
            continue
        mapping[county.code] = ref
    return mapping


def _grades(raw, r: _Reader) -> str:
    try:
        return normalise_grades(raw)
    except ValueError:
        r.errors.append(
            _("parameters.eligible_safety_grades: “%(g)s” is not a list of grades A–D") % {"g": raw}
        )
        return ""


@dataclass(frozen=True)
class ProgrammeSpec:
    """A validated programme file, ready to be written."""

    city: Division
    year: int
    fields: dict
    categories: list[dict]
    targets: list[tuple[Division, str, int]]  # (county, category code, m²)


def parse_programme_file(path: Path | str) -> ProgrammeSpec:
    """Read and validate a programme YAML file; raise with every problem found."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProgrammeFileError(
            _("Cannot read %(file)s: %(err)s") % {"file": path.name, "err": exc}
        ) from exc
    if not isinstance(doc, dict):
        raise ProgrammeFileError(_("%(file)s is not a programme file") % {"file": path.name})
    return parse_programme(doc)


def parse_programme(doc: dict) -> ProgrammeSpec:
    r = _Reader()
    city = Division.objects.filter(code=doc.get("city"), kind=Division.Kind.CITY).first()
    if city is None:
        r.errors.append(_("city: unknown city “%(c)s”") % {"c": doc.get("city")})
    params = doc.get("parameters") or {}
    totals = doc.get("totals_10k_m2") or {}
    try:
        min_pct = Decimal(str(params.get("min_improvement_pct")))
        if not (0 < min_pct <= 100):
            raise InvalidOperation
    except InvalidOperation:
        r.errors.append(
            _("parameters.min_improvement_pct: must be a percentage above 0 and at most 100")
        )
        min_pct = None
    life = params.get("min_remaining_life_years")
    if not isinstance(life, int) or life < 0:
        r.errors.append(
            _("parameters.min_remaining_life_years: must be a whole number of years ≥ 0")
        )
    fields = {
        "title": doc.get("title") or "",
        "document_number": doc.get("document_number") or "",
        "issued_on": doc.get("issued_on") if isinstance(doc.get("issued_on"), dt.date) else None,
        "source": doc.get("source") or "",
        "min_improvement_pct": min_pct,
        "min_remaining_life_years": life,
        "eligible_safety_grades": _grades(params.get("eligible_safety_grades", "A,B"), r),
        "climate_city": _climate(params.get("climate_city", DEFAULT_CITY), r),
        "provincial_subsidy_fen_per_m2": r.fen(
            params.get("provincial_subsidy_yuan_per_m2"),
            "parameters.provincial_subsidy_yuan_per_m2",
        ),
        "owner_contribution_fen_per_m2": r.fen(
            params.get("owner_contribution_yuan_per_m2"),
            "parameters.owner_contribution_yuan_per_m2",
        ),
        "package_rules": _package_rules(doc.get("package_rules"), r),
        "declared_total_m2": r.area_m2(totals.get("total"), "totals_10k_m2.total"),
        "declared_residential_m2": r.area_m2(
            totals.get("residential"), "totals_10k_m2.residential"
        ),
        "declared_public_m2": r.area_m2(totals.get("public"), "totals_10k_m2.public"),
    }
    if not fields["title"] or not fields["source"]:
        r.errors.append(
            _("title and source are required: every figure must say where it comes from")
        )
    year = doc.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        r.errors.append(_("year: “%(y)s” is not a year") % {"y": year})

    categories, codes = [], set()
    for i, cat in enumerate(doc.get("categories") or [], start=1):
        where = _("categories, item %(i)d") % {"i": i}
        code = (cat or {}).get("code")
        if not code or code in codes:
            r.errors.append(
                _("%(where)s: missing or repeated code “%(c)s”") % {"where": where, "c": code}
            )
            continue
        if cat.get("sector") not in Category.Sector.values:
            r.errors.append(
                _("%(where)s: unknown sector “%(s)s”") % {"where": where, "s": cat.get("sector")}
            )
        codes.add(code)
        categories.append(
            {
                "code": code,
                "name": cat.get("name") or code,
                "sector": cat.get("sector"),
                "combined_with_renovation": cat.get("combined_with_renovation"),
                "declared_total_m2": r.area_m2(
                    cat.get("total_10k_m2"), f"{where} ({code}).total_10k_m2"
                ),
                "sort_order": i,
            }
        )
    if not categories:
        r.errors.append(_("categories: at least one is required"))

    counties = {d.name: d for d in Division.objects.filter(parent=city)} if city else {}
    counties.update({d.code: d for d in counties.values()})
    fields["county_climates"] = _county_climates(params.get("county_climates"), counties, r)
    targets, seen = [], set()
    for i, row in enumerate(doc.get("task_table") or [], start=1):
        row = row or {}
        where = _("task table row %(i)d (%(c)s)") % {"i": i, "c": row.get("county")}
        county = _county_of(row, counties, where, r)
        if county is None:
            continue
        if county.pk in seen:
            r.errors.append(_("%(where)s: the county appears twice") % {"where": where})
        seen.add(county.pk)
        for key in row:
            if key not in codes | {"county", "total"}:
                r.errors.append(
                    _("%(where)s: unknown category “%(k)s”") % {"where": where, "k": key}
                )
        row_sum, errors_before = 0, len(r.errors)
        for cat in categories:
            m2 = r.area_m2(row.get(cat["code"]), f"{where}.{cat['code']}", allow_empty=True)
            if m2:
                targets.append((county, cat["code"], m2))
                row_sum += m2
        stated = r.area_m2(row.get("total"), f"{where}.total", allow_empty=True)
        if stated is not None and stated != row_sum and len(r.errors) == errors_before:
            r.errors.append(
                _("%(where)s: the categories add up to %(s)s 万m², the row states %(t)s")
                % {"where": where, "s": to_10k_m2(row_sum), "t": to_10k_m2(stated)}
            )
    if not r.errors:
        r.errors.extend(_sum_problems(fields, categories, targets))
    if r.errors:
        raise ProgrammeFileError(
            _("The programme file was not loaded: %(n)d problem(s).") % {"n": len(r.errors)},
            details=r.errors,
        )
    return ProgrammeSpec(
        city=city, year=year, fields=fields, categories=categories, targets=targets
    )


def _sum_problems(fields: dict, categories: list[dict], targets: list[tuple]) -> list[str]:
    by_cat = {c["code"]: 0 for c in categories}
    for _county, code, m2 in targets:
        by_cat[code] += m2
    findings = check_sums(
        declared_total=fields["declared_total_m2"],
        declared_sectors={
            "residential": fields["declared_residential_m2"],
            "public": fields["declared_public_m2"],
        },
        categories=[
            (c["name"], c["sector"], c["declared_total_m2"], by_cat[c["code"]]) for c in categories
        ],
    )
    return [f.message for f in findings if not f.ok]


# --------------------------------------------------------------------------- consistency
@dataclass(frozen=True)
class SumCheck:
    label: str
    declared_m2: int
    summed_m2: int

    @property
    def ok(self) -> bool:
        return self.declared_m2 == self.summed_m2

    @property
    def message(self) -> str:
        verdict = _("adds up") if self.ok else _("does NOT add up")
        return _("%(label)s: declared %(d)s 万m², county rows sum to %(s)s 万m² — %(v)s") % {
            "label": self.label,
            "d": to_10k_m2(self.declared_m2),
            "s": to_10k_m2(self.summed_m2),
            "v": verdict,
        }


def check_sums(
    *, declared_total: int, declared_sectors: dict[str, int], categories: list[tuple]
) -> list[SumCheck]:
    """Each category's county rows against its declared city total, then each
    sector and the grand total. ``categories``: (name, sector, declared, summed)."""
    checks = [SumCheck(name, declared, summed) for name, _sector, declared, summed in categories]
    for sector, declared in declared_sectors.items():
        summed = sum(s for _n, sec, _d, s in categories if sec == sector)
        checks.append(SumCheck(str(Category.Sector(sector).label), declared, summed))
    checks.append(SumCheck(_("City total"), declared_total, sum(s for *_x, s in categories)))
    return checks


def consistency(programme: Programme) -> list[SumCheck]:
    """Whether the stored task table adds up to the programme's declared totals."""
    summed = dict(
        TaskTarget.objects.filter(programme=programme)
        .values_list("category")
        .annotate(s=Sum("target_m2"))
        .values_list("category", "s")
    )
    return check_sums(
        declared_total=programme.declared_total_m2,
        declared_sectors={
            "residential": programme.declared_residential_m2,
            "public": programme.declared_public_m2,
        },
        categories=[
            (c.name, c.sector, c.declared_total_m2, summed.get(c.pk, 0))
            for c in programme.categories.all()
        ],
    )


# --------------------------------------------------------------------------- writing
def _snapshot(programme: Programme) -> dict:
    return audit.model_snapshot(programme, PARAMETER_FIELDS + ["package_rules", "status", "year"])


def _targets_snapshot(programme: Programme) -> dict:
    return {
        f"{t.division.code}/{t.category.code}": t.target_m2
        for t in programme.targets.select_related("division", "category")
    }


@transaction.atomic
def load_programme(spec: ProgrammeSpec, *, actor=None, actor_name: str = "") -> Programme:
    """Write a validated programme file. Refuses to overwrite an existing year."""
    if Programme.objects.filter(city=spec.city, year=spec.year).exists():
        raise ProgrammeFileError(
            _("%(city)s already has a %(year)d programme; edit it instead.")
            % {"city": spec.city, "year": spec.year}
        )
    programme = Programme.objects.create(
        city=spec.city, year=spec.year, status=Programme.Status.ACTIVE, **spec.fields
    )
    cats = {c["code"]: Category.objects.create(programme=programme, **c) for c in spec.categories}
    TaskTarget.objects.bulk_create(
        TaskTarget(programme=programme, division=county, category=cats[code], target_m2=m2)
        for county, code, m2 in spec.targets
    )
    audit.record(
        actor=actor,
        actor_name=actor_name or None,
        action="programme.load",
        obj=programme,
        division_code=spec.city.code,
        data={
            "p": str(programme),
            "doc": programme.document_number or programme.title,
            "n": len(spec.targets),
        },
        after={**_snapshot(programme), "targets": _targets_snapshot(programme)},
    )
    return programme


@transaction.atomic
def copy_programme(source: Programme, *, year: int, actor) -> Programme:
    """Start next year's programme as a draft copy of ``source``, to be edited."""
    require(actor, Cap.MANAGE_PROGRAMME)
    if Programme.objects.filter(city=source.city, year=year).exists():
        raise BusinessError(
            _("%(city)s already has a %(year)d programme.") % {"city": source.city, "year": year}
        )
    values = {name: getattr(source, name) for name in PARAMETER_FIELDS}
    values["county_climates"] = dict(source.county_climates or {})
    values.update(
        title=source.title.replace(str(source.year), str(year)),
        document_number="",
        issued_on=None,
        package_rules=source.package_rules,
    )
    programme = Programme.objects.create(
        city=source.city, year=year, status=Programme.Status.DRAFT, copied_from=source, **values
    )
    new_cats = {}
    for cat in source.categories.all():
        new_cats[cat.pk] = Category.objects.create(
            programme=programme,
            code=cat.code,
            name=cat.name,
            sector=cat.sector,
            combined_with_renovation=cat.combined_with_renovation,
            declared_total_m2=cat.declared_total_m2,
            sort_order=cat.sort_order,
        )
    TaskTarget.objects.bulk_create(
        TaskTarget(
            programme=programme,
            division_id=t.division_id,
            category=new_cats[t.category_id],
            target_m2=t.target_m2,
        )
        for t in source.targets.all()
    )
    audit.record(
        actor=actor,
        action="programme.copy",
        obj=programme,
        division_code=source.city.code,
        data={"year": year, "src": str(source)},
        after={**_snapshot(programme), "copied_from": source.pk},
    )
    return programme


def _lock(programme: Programme, expected_version: int | None) -> Programme:
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            _(
                "This programme was changed by someone else since you opened it (version %(v)d now). Reload and try again."
            )
            % {"v": locked.version}
        )
    return locked


def _check_climates(programme: Programme) -> None:
    """Refuse a programme whose default or county climates the engine does not know."""
    errors = climates.problems(programme.city, programme.county_climates)
    if not is_known(f"{CITY}:{programme.climate_city}"):
        errors.insert(
            0,
            _("parameters.climate_city: no climate for “%(c)s” in the engine's table")
            % {"c": programme.climate_city},
        )
    if errors:
        raise BusinessError(_("Unknown climate: nothing was changed."), details=errors)


@transaction.atomic
def update_parameters(
    programme: Programme, changes: dict, *, actor, expected_version: int | None
) -> Programme:
    """Change policy parameters or declared totals (values already validated by a form)."""
    require(actor, Cap.MANAGE_PROGRAMME)
    locked = _lock(programme, expected_version)
    if locked.status == Programme.Status.CLOSED:
        raise BusinessError(_("A closed programme cannot be changed."))
    before = _snapshot(locked)
    for name, value in changes.items():
        if name not in PARAMETER_FIELDS:
            raise BusinessError(_("“%(f)s” is not a programme parameter.") % {"f": name})
        setattr(locked, name, value)
    _check_climates(locked)
    locked.version += 1
    locked.full_clean()
    locked.save()
    old, new = audit.diff(before, _snapshot(locked))
    audit.record(
        actor=actor,
        action="programme.update",
        obj=locked,
        division_code=locked.city.code,
        data={"fields": audit.field_names(new), "p": str(locked)},
        before=old,
        after=new,
    )
    return locked


@transaction.atomic
def set_targets(
    programme: Programme, cells: dict[tuple[int, int], int], *, actor, expected_version: int | None
) -> Programme:
    """Set task-table cells {(division_id, category_id): m²}; 0 removes a cell."""
    require(actor, Cap.MANAGE_PROGRAMME)
    locked = _lock(programme, expected_version)
    if locked.status == Programme.Status.CLOSED:
        raise BusinessError(_("A closed programme cannot be changed."))
    valid_divisions = set(Division.objects.filter(parent=locked.city).values_list("pk", flat=True))
    valid_categories = set(locked.categories.values_list("pk", flat=True))
    for (division_id, category_id), m2 in cells.items():
        if division_id not in valid_divisions or category_id not in valid_categories:
            raise BusinessError(_("Unknown county or category in the task table."))
        if m2 < 0:
            raise BusinessError(_("A target cannot be negative."))
    before = _targets_snapshot(locked)
    existing = {(t.division_id, t.category_id): t for t in locked.targets.all()}
    for key, m2 in cells.items():
        target = existing.get(key)
        if m2 == 0 and target is not None:
            target.delete()
        elif target is not None and target.target_m2 != m2:
            target.target_m2 = m2
            target.save(update_fields=["target_m2"])
        elif target is None and m2 > 0:
            TaskTarget.objects.create(
                programme=locked, division_id=key[0], category_id=key[1], target_m2=m2
            )
    locked.version += 1
    locked.save(update_fields=["version"])
    old, new = audit.diff(before, _targets_snapshot(locked))
    audit.record(
        actor=actor,
        action="programme.targets",
        obj=locked,
        division_code=locked.city.code,
        data={"n": len(set(old) | set(new)), "p": str(locked)},
        before=old,
        after=new,
    )
    return locked


@transaction.atomic
def set_status(
    programme: Programme, status: str, *, actor, expected_version: int | None
) -> Programme:
    """Put a draft in force, or close a year."""
    require(actor, Cap.MANAGE_PROGRAMME)
    locked = _lock(programme, expected_version)
    allowed = {
        Programme.Status.DRAFT: {Programme.Status.ACTIVE},
        Programme.Status.ACTIVE: {Programme.Status.CLOSED},
        Programme.Status.CLOSED: set(),
    }
    if status not in allowed[locked.status]:
        raise BusinessError(
            _("A programme cannot go from “%(a)s” to “%(b)s”.")
            % {"a": locked.get_status_display(), "b": Programme.Status(status).label}
        )
    if status == Programme.Status.ACTIVE:
        failing = [c.message for c in consistency(locked) if not c.ok]
        if failing:
            raise BusinessError(
                _("The task table does not add up; fix it before putting the programme in force."),
                details=failing,
            )
    before = {"status": locked.status}
    locked.status = status
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit.record(
        actor=actor,
        action="programme.status",
        obj=locked,
        division_code=locked.city.code,
        data={"p": str(locked), "s": locked.status},
        before=before,
        after={"status": status},
    )
    return locked


def current_programme(city: Division | None = None) -> Programme | None:
    """The newest programme in force (or the newest at all) for the city."""
    qs = Programme.objects.select_related("city")
    if city is not None:
        qs = qs.filter(city=city)
    return (
        qs.filter(status=Programme.Status.ACTIVE).order_by("-year").first()
        or qs.order_by("-year").first()
    )


@transaction.atomic
def update_package_rules(
    programme: Programme, rules: dict, *, actor, expected_version: int | None
) -> Programme:
    """Replace the year's package rules (validated by ``jigai.engine.policy.parse_policy``;
    a bad table is refused naming the row and nothing changes). Stored assessments become
    stale: their inputs digest includes the rules."""
    require(actor, Cap.MANAGE_PROGRAMME)
    locked = _lock(programme, expected_version)
    if locked.status == Programme.Status.CLOSED:
        raise BusinessError(_("A closed programme cannot be changed."))
    try:
        new_rules = rules_dict(parse_policy(rules)) if rules else {}
    except PolicyError as exc:
        raise BusinessError(
            _("Package rules, %(where)s: %(problem)s")
            % {"where": exc.field, "problem": exc.message}
        ) from None
    before = locked.package_rules
    if new_rules == before:
        return locked
    locked.package_rules = new_rules
    locked.version += 1
    locked.save(update_fields=["package_rules", "version"])
    audit.record(
        actor=actor,
        action="programme.package_rules",
        obj=locked,
        division_code=locked.city.code,
        data={"p": str(locked)},
        before={"package_rules": before},
        after={"package_rules": new_rules},
    )
    return locked


def ensure_programme_2023() -> Programme:
    """Yangquan's reference data and its 2023 programme, loaded from the shipped file when
    the database has none yet (``jigai setup``)."""
    from jigai.accounts.reference import load_reference_data

    city = load_reference_data()
    existing = Programme.objects.filter(city=city, year=2023).first()
    if existing:
        return existing
    spec = parse_programme_file(DATA_DIR / "yangquan-2023.yaml")
    return load_programme(spec, actor_name=_("command line"))
