"""A programme year (年度实施方案): its policy parameters and task table.

Every figure of a plan is data of its programme year, so next year's plan is a
copy edited on screen, never a code change. Areas are whole m² (the plan's
万m² with up to four decimals), money is integer fen.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jigai.accounts.models import Division
from jigai.engine.funding import FundingRates
from jigai.engine.policy import NO_RULES, PackagePolicy, parse_policy
from jigai.units import to_10k_m2

SAFETY_GRADES = ("A", "B", "C", "D")


def normalise_grades(raw) -> str:
    """'a, b' → 'A,B'; ValueError unless a non-empty list of grades A–D."""
    grades = [g.strip().upper() for g in str(raw).replace("，", ",").split(",") if g.strip()]
    if not grades or any(g not in SAFETY_GRADES for g in grades):
        raise ValueError(raw)
    return ",".join(grades)


class Programme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("In force")
        CLOSED = "closed", _("Closed")

    city = models.ForeignKey(
        Division, models.PROTECT, related_name="programmes", verbose_name=_("city")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    source = models.TextField(_("source"), help_text=_("Which document each figure comes from."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    min_improvement_pct = models.DecimalField(
        _("minimum energy-efficiency improvement [%]"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    min_remaining_life_years = models.PositiveSmallIntegerField(
        _("minimum remaining service life after retrofit [years]"),
        validators=[MaxValueValidator(100)],
    )
    eligible_safety_grades = models.CharField(
        _("safety appraisal grades that qualify"),
        max_length=20,
        default="A,B",
        help_text=_(
            "Comma-separated grades of the house-safety appraisal (JGJ 125: A, B, C, D) "
            "counted as adequate seismic and structural safety."
        ),
    )
    climate_city = models.CharField(
        _("climate of the engine"),
        max_length=20,
        default="阳泉",
        help_text=_(
            "The city row of the engine's climate table used for every assessment of this year."
        ),
    )
    county_climates = models.JSONField(
        _("climate per county/district"),
        default=dict,
        blank=True,
        help_text=_(
            "County/district code → climate (city:<row> of the engine's city table, or "
            "normals:<station> estimated from 1991–2020 monthly normals); counties not "
            "listed use the climate of the engine above."
        ),
    )
    provincial_subsidy_fen_per_m2 = models.PositiveIntegerField(
        _("provincial subsidy for residential floor area [fen/m²]")
    )
    owner_contribution_fen_per_m2 = models.PositiveIntegerField(_("owners' contribution [fen/m²]"))
    package_rules = models.JSONField(
        _("package rules"),
        default=dict,
        blank=True,
        help_text=_(
            "What a residential package must contain, what it may contain, and the façade "
            "line of every package (jigai.engine.policy); empty: no rules."
        ),
    )
    declared_total_m2 = models.PositiveBigIntegerField(_("declared city total [m²]"))
    declared_residential_m2 = models.PositiveBigIntegerField(_("declared residential total [m²]"))
    declared_public_m2 = models.PositiveBigIntegerField(_("declared public-building total [m²]"))
    copied_from = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["city__code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="one_programme_per_city_year")
        ]
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")

    def __str__(self) -> str:
        return f"{self.city.name} {self.year}"

    @property
    def safety_grades(self) -> frozenset[str]:
        return frozenset(self.eligible_safety_grades.split(","))

    @property
    def funding_rates(self) -> FundingRates:
        """The year's fixed shares of residential retrofits, as the engine's split takes them."""
        return FundingRates(
            provincial_fen_per_m2=self.provincial_subsidy_fen_per_m2,
            owners_fen_per_m2=self.owner_contribution_fen_per_m2,
            programme_year=self.year,
            source=self.document_number,
        )

    @property
    def package_policy(self) -> PackagePolicy:
        """The year's package rules as the optimiser takes them (``NO_RULES`` when none)."""
        if not self.package_rules:
            return NO_RULES
        return parse_policy(self.package_rules, origin=f"{self.city_id}/{self.year}")

    @property
    def min_improvement(self) -> Decimal:
        """The threshold as a fraction (0.30), as the engine takes it."""
        return self.min_improvement_pct / 100


# The fields of a programme year a programme administrator edits (and the audit trail records).
PARAMETER_FIELDS = [
    "title",
    "document_number",
    "issued_on",
    "source",
    "min_improvement_pct",
    "min_remaining_life_years",
    "eligible_safety_grades",
    "climate_city",
    "county_climates",
    "provincial_subsidy_fen_per_m2",
    "owner_contribution_fen_per_m2",
    "declared_total_m2",
    "declared_residential_m2",
    "declared_public_m2",
]


class Category(models.Model):
    """A column of the task table (e.g. residential combined with old-community renovation)."""

    class Sector(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        PUBLIC = "public", _("Public buildings")

    programme = models.ForeignKey(
        Programme, models.CASCADE, related_name="categories", verbose_name=_("programme year")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    sector = models.CharField(_("sector"), max_length=12, choices=Sector.choices)
    combined_with_renovation = models.BooleanField(
        _("combined with old-community renovation"),
        null=True,
        blank=True,
        help_text=_("Yes or no to restrict the category; empty when it does not matter."),
    )
    declared_total_m2 = models.PositiveBigIntegerField(_("declared city total [m²]"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["programme", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="unique_category_code")
        ]
        verbose_name = _("task category")
        verbose_name_plural = _("task categories")

    def __str__(self) -> str:
        return self.name


class TaskTarget(models.Model):
    """One cell of the task table: a county-level unit's target in one category."""

    programme = models.ForeignKey(
        Programme, models.CASCADE, related_name="targets", verbose_name=_("programme year")
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="task_targets", verbose_name=_("county/district")
    )
    category = models.ForeignKey(
        Category, models.CASCADE, related_name="targets", verbose_name=_("category")
    )
    target_m2 = models.PositiveBigIntegerField(_("target [m²]"))

    class Meta:
        ordering = ["division__sort_order", "category__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "division", "category"], name="one_target_per_cell"
            )
        ]
        verbose_name = _("task target")
        verbose_name_plural = _("task targets")

    def __str__(self) -> str:
        return f"{self.division} · {self.category}: {to_10k_m2(self.target_m2)} 万m²"
