"""The building survey (调查摸底): communities, buildings, eligibility screening."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jigai.accounts.models import Division, Organisation
from jigai.accounts.scope import ScopedQuerySet
from jigai.core.roles import Cap
from jigai.jobs.models import JobBase
from jigai.programmes.models import Category, Programme
from jigai.surveytable.schema import HEATING_ZH, STRUCTURE_ZH, USE_ZH, SafetyGrade


def _choices(mapping) -> list[tuple[str, str]]:
    return [(str(k), v) for k, v in mapping.items()]


class Community(models.Model):
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="communities", verbose_name=_("county/district")
    )
    street = models.ForeignKey(
        Organisation,
        models.PROTECT,
        related_name="communities",
        verbose_name=_("street office"),
        limit_choices_to={"kind": Organisation.Kind.STREET_OFFICE},
    )
    name = models.CharField(_("community"), max_length=120)
    old_community_renovation = models.BooleanField(
        _("in an old-community renovation project"), default=False
    )
    lat = models.DecimalField(
        _("latitude [°N]"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    lon = models.DecimalField(
        _("longitude [°E]"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    scope_division = "division"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["division__sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="unique_community_per_county")
        ]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """One surveyed building. Its key — county, community, building number — is
    unique, so the same building cannot be surveyed twice."""

    division = models.ForeignKey(
        Division, models.PROTECT, related_name="buildings", verbose_name=_("county/district")
    )
    community = models.ForeignKey(
        Community, models.PROTECT, related_name="buildings", verbose_name=_("community")
    )
    building_no = models.CharField(_("building number"), max_length=30)
    bdc_code = models.CharField(_("real-estate unit code"), max_length=28, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    use = models.CharField(_("use"), max_length=20, choices=_choices(USE_ZH))
    year_built = models.PositiveSmallIntegerField(_("year built"))
    structure = models.CharField(_("structure"), max_length=20, choices=_choices(STRUCTURE_ZH))
    storeys = models.PositiveSmallIntegerField(_("storeys above ground"))
    height_m = models.DecimalField(_("height [m]"), max_digits=6, decimal_places=2)
    floor_area_m2 = models.DecimalField(_("floor area [m²]"), max_digits=12, decimal_places=2)
    length_m = models.DecimalField(
        _("length [m]"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    depth_m = models.DecimalField(
        _("depth [m]"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    storey_height_m = models.DecimalField(
        _("storey height [m]"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    azimuth_deg = models.DecimalField(
        _("azimuth of the main facade [°]"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    wwr_front = models.DecimalField(
        _("window-to-wall ratio, main facade"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
    )
    wwr_back = models.DecimalField(
        _("window-to-wall ratio, back facade"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
    )
    wwr_sides = models.DecimalField(
        _("window-to-wall ratio, gable walls"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
    )
    wall_type = models.CharField(_("wall construction"), max_length=30, blank=True)
    roof_type = models.CharField(_("roof construction"), max_length=30, blank=True)
    window_type = models.CharField(_("window type"), max_length=30, blank=True)
    floor_type = models.CharField(_("lowest floor"), max_length=30, blank=True)
    stairwell_heated = models.BooleanField(_("heated stairwell"), null=True, blank=True)
    envelope = models.JSONField(
        _("detailed envelope (engine schema)"),
        null=True,
        blank=True,
        help_text=_("A detailed description in the engine's building schema, when surveyed."),
    )
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    consent_households = models.PositiveIntegerField(
        _("households consenting"), null=True, blank=True
    )
    safety_grade = models.CharField(
        _("safety appraisal grade"),
        max_length=1,
        blank=True,
        choices=[(g.value, g.value) for g in SafetyGrade],
    )
    in_demolition_area = models.BooleanField(_("inside a planned demolition area"))
    remaining_life_years = models.PositiveSmallIntegerField(
        _("remaining service life after retrofit [years]"), null=True, blank=True
    )
    energy_efficient = models.BooleanField(_("already energy-efficient"))
    heating = models.CharField(
        _("heating"), max_length=12, blank=True, choices=_choices(HEATING_ZH)
    )
    lat = models.DecimalField(
        _("latitude [°N]"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    lon = models.DecimalField(
        _("longitude [°E]"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    scope_division = "division"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["division__sort_order", "community__name", "building_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "building_no"], name="unique_building_key"
            ),
            models.UniqueConstraint(
                fields=["bdc_code"], condition=~Q(bdc_code=""), name="unique_bdc_code_when_known"
            ),
        ]
        indexes = [
            models.Index(fields=["division", "year_built"], name="building_county_year"),
            models.Index(fields=["use"], name="building_use"),
            # the building list's order (county, community, number): a page is read off
            # this index, filtered by county, without sorting every visible building
            models.Index(
                fields=["division", "community", "building_no"], name="building_list_order"
            ),
        ]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return f"{self.community.name}{self.building_no}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.division.name, self.community.name, self.building_no)

    @property
    def is_residential(self) -> bool:
        return self.use == "residential"


class Screening(models.Model):
    """The result of the programme year's eligibility rules for one building."""

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        EXCEPTION = "exception", _("Eligible by exception")
        EXCLUDED = "excluded", _("Excluded")
        INCOMPLETE = "incomplete", _("Survey incomplete")

    building = models.ForeignKey(
        Building, models.CASCADE, related_name="screenings", verbose_name=_("building")
    )
    programme = models.ForeignKey(
        Programme, models.CASCADE, related_name="screenings", verbose_name=_("programme year")
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="+", verbose_name=_("county/district")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    reasons = models.JSONField(_("reasons"), default=list)
    category = models.ForeignKey(
        Category,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="screenings",
        verbose_name=_("category"),
    )
    screened_at = models.DateTimeField(_("screened at"))

    scope_division = "division"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["building", "programme"], name="one_screening_per_year")
        ]
        indexes = [models.Index(fields=["programme", "status"], name="screening_status")]
        verbose_name = _("eligibility screening")
        verbose_name_plural = _("eligibility screenings")

    def __str__(self) -> str:
        return f"{self.building} · {self.get_status_display()}"


class Granted(models.Model):
    """What every exception granted for one building in one programme year records: the
    year, the written reason, who granted it and when."""

    programme = models.ForeignKey(
        Programme, models.CASCADE, related_name="+", verbose_name=_("programme year")
    )
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        abstract = True


class EligibilityException(Granted):
    """An authorised exception: a building the rules exclude, admitted with a reason."""

    scope_division = "building__division"

    building = models.ForeignKey(
        Building, models.CASCADE, related_name="exceptions", verbose_name=_("building")
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["building", "programme"], name="one_exception_per_year")
        ]
        verbose_name = _("eligibility exception")
        verbose_name_plural = _("eligibility exceptions")

    def __str__(self) -> str:
        return f"{self.building}: {self.reason[:40]}"


class PackageRuleException(Granted):
    """An approved exception lifting one package rule (e.g. ``require_roof``) for one
    building in one programme year, with a written reason (jigai.engine.policy)."""

    scope_division = "building__division"

    building = models.ForeignKey(
        Building, models.CASCADE, related_name="rule_exceptions", verbose_name=_("building")
    )
    rule = models.CharField(_("rule"), max_length=40)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["building", "programme", "rule"], name="one_rule_exception_per_year"
            )
        ]
        verbose_name = _("package-rule exception")
        verbose_name_plural = _("package-rule exceptions")

    def __str__(self) -> str:
        return f"{self.building}: {self.rule}"


class ImportJob(JobBase):
    """One upload of a survey workbook, run as a job: validated whole, written whole, then
    screened and assessed. The file is kept through the storage API with its SHA-256, so
    a failed job can be retried."""

    file_name = models.CharField(_("file"), max_length=200)
    file = models.FileField(_("stored file"), upload_to="imports/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.PositiveBigIntegerField(_("size [bytes]"))
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("rows created"), default=0)
    updated = models.PositiveIntegerField(_("rows updated"), default=0)
    unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("survey import")
        verbose_name_plural = _("survey imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def file_exists(self) -> bool:
        return bool(self.file) and self.file.storage.exists(self.file.name)

    @property
    def task(self):
        from jigai.buildings.tasks import run_import

        return run_import

    @property
    def required_capability(self) -> str:
        return Cap.IMPORT_BUILDINGS


class AssessOutcome(models.TextChoices):
    """The keys of the counts that ``assessment.assess_buildings`` returns and audits."""

    REACHES = "reaches", _("reaches the threshold")
    FALLS_SHORT = "falls_short", _("falls short of the threshold")
    ERROR = "error", _("input error")
    UNCHANGED = "unchanged", _("unchanged since the last assessment")


class Job(JobBase):
    """Screening or assessment of the buildings a user may see (a county or the city)."""

    class Kind(models.TextChoices):
        SCREEN = "screen", _("Screen eligibility")
        ASSESS = "assess", _("Assess with the engine")
        EXPORT = "export", _("Export buildings")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    division = models.ForeignKey(
        Division,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county/district"),
        help_text=_("empty: every county the user sees"),
    )
    result = models.JSONField(_("result"), default=dict)
    params = models.JSONField(
        _("parameters"), default=dict, help_text=_("an export: the building list's filters")
    )
    output = models.FileField(_("file produced"), upload_to="exports/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def task(self):
        from jigai.buildings.tasks import run_job

        return run_job

    @property
    def list_query(self) -> str:
        """An export's filters as the building list's query string (the way back to it)."""
        return urlencode(self.params)

    def result_rows(self) -> list[tuple[str, object]]:
        """The result's counts with their labels, in the reader's language."""
        labels = {
            self.Kind.SCREEN: dict(Screening.Status.choices),
            self.Kind.ASSESS: dict(AssessOutcome.choices),
            self.Kind.EXPORT: {"buildings": _("buildings exported")},
        }.get(self.kind, {})
        return [(str(labels.get(k, k)), v) for k, v in self.result.items()]

    @property
    def required_capability(self) -> str:
        return {
            self.Kind.SCREEN: Cap.GRANT_EXCEPTION,
            self.Kind.ASSESS: Cap.IMPORT_BUILDINGS,
            self.Kind.EXPORT: Cap.VIEW_BUILDINGS,
        }[self.kind]


class Assessment(models.Model):
    """The engine's result for one building in one programme year, stored with
    everything needed to trace and re-run it: the survey row and the engine input
    built from it (with the columns assumed from typology defaults), the engine
    version, the climate with its provenance and the measure catalogue's digest."""

    scope_division = "division"

    building = models.ForeignKey(
        Building, models.CASCADE, related_name="assessments", verbose_name=_("building")
    )
    programme = models.ForeignKey(
        Programme, models.CASCADE, related_name="+", verbose_name=_("programme year")
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="+", verbose_name=_("county/district")
    )
    is_current = models.BooleanField(_("current"), default=True)
    created_at = models.DateTimeField(_("assessed at"))
    inputs_digest = models.CharField(_("inputs digest"), max_length=64)
    engine_version = models.CharField(_("engine version"), max_length=80)
    inputs = models.JSONField(_("inputs"))
    assumed = models.JSONField(_("assumed columns"), default=list)
    climate = models.JSONField(_("climate and provenance"), default=dict)
    catalogue = models.JSONField(_("measure catalogue"), default=dict)
    before = models.JSONField(_("before retrofit"), null=True, blank=True)
    after = models.JSONField(_("after the package"), null=True, blank=True)
    package = models.JSONField(_("package"), null=True, blank=True)
    funding = models.JSONField(_("funding split"), null=True, blank=True)
    q_h_before = models.DecimalField(
        _("q_H before [W/m²]"), max_digits=8, decimal_places=3, null=True
    )
    eta = models.DecimalField(
        _("improvement η of the package"), max_digits=6, decimal_places=4, null=True
    )
    reaches = models.BooleanField(_("reaches the threshold"), default=False)
    cost_fen = models.BigIntegerField(_("package cost [fen]"), null=True)
    rules = models.JSONField(
        _("package rules applied"),
        default=dict,
        blank=True,
        help_text=_("Each rule's status for this building, and what blocks when nothing passes."),
    )
    error = models.TextField(_("why it could not be assessed"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["programme", "is_current", "division"], name="assessment_current"),
            # the η filter of the building list: a covering index of current results only
            models.Index(
                fields=["programme", "eta", "building"],
                condition=Q(is_current=True),
                name="assessment_eta",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "programme"],
                condition=Q(is_current=True),
                name="one_current_assessment",
            )
        ]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.building} · η {self.eta}"
