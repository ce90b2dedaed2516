"""Retrofit projects: from declaration to audit, with their buildings, time
nodes and money ledgers. Amounts are integer fen; ledgers are append-only
(a correction is a reversing entry)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jigai.accounts.models import Division, Organisation
from jigai.accounts.scope import ScopedQuerySet
from jigai.buildings.models import Building
from jigai.core.roles import Cap
from jigai.programmes.models import Category, Programme


class Stage(models.TextChoices):
    SURVEY = "survey", _("Survey (调查摸底)")
    DECLARED = "declared", _("Declared (申报)")
    RETURNED = "returned", _("Returned for revision")
    APPROVED = "approved", _("Approved (立项)")
    TENDERED = "tendered", _("Tendered (招投标)")
    FUNDED = "funded", _("Owners' money in place")
    STARTED = "started", _("Works started (开工)")
    COMPLETED = "completed", _("Works completed (竣工)")
    ACCEPTED = "accepted", _("Accepted (竣工验收)")
    AUDITED = "audited", _("Audited (审计)")
    CLOSED = "closed", _("Closed (结项)")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ORDER = [
    Stage.SURVEY,
    Stage.DECLARED,
    Stage.APPROVED,
    Stage.TENDERED,
    Stage.FUNDED,
    Stage.STARTED,
    Stage.COMPLETED,
    Stage.ACCEPTED,
    Stage.AUDITED,
    Stage.CLOSED,
]
IN_PROGRESS = {Stage.APPROVED, Stage.TENDERED, Stage.FUNDED, Stage.STARTED, Stage.COMPLETED}
DONE = {Stage.ACCEPTED, Stage.AUDITED, Stage.CLOSED}


class Project(models.Model):
    programme = models.ForeignKey(
        Programme, models.PROTECT, related_name="projects", verbose_name=_("programme year")
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="projects", verbose_name=_("county/district")
    )
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="projects", verbose_name=_("category")
    )
    code = models.CharField(_("project number"), max_length=40, unique=True)
    name = models.CharField(_("project name"), max_length=200)
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.SURVEY, db_index=True
    )
    resume_stage = models.CharField(
        _("stage to resume"), max_length=12, choices=Stage.choices, blank=True
    )
    contractor = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="contracted_projects",
        verbose_name=_("contractor"),
        limit_choices_to={"kind": Organisation.Kind.CONTRACTOR},
    )
    supervisor = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_projects",
        verbose_name=_("works supervisor"),
        limit_choices_to={"kind": Organisation.Kind.SUPERVISOR},
    )
    contract_sum_fen = models.BigIntegerField(_("contract sum [fen]"), null=True, blank=True)
    audit_findings = models.TextField(_("audit findings"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    scope_division = "division"
    scope_contractor = "contractor"
    scope_capability = Cap.VIEW_PROJECTS

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "division__sort_order", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_residential(self) -> bool:
        return self.category.sector == Category.Sector.RESIDENTIAL


class DesignSource(models.TextChoices):
    """Where a building's design package came from (``ProjectBuilding.design_source``)."""

    OPTIMISER = "optimiser", _("the optimiser's package")
    ENTERED = "entered", _("entered by the designer")


class ProjectBuilding(models.Model):
    """A building in a project, with its design package and as-built result."""

    scope_division = "project__division"
    scope_contractor = "project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="items", verbose_name=_("project")
    )
    building = models.ForeignKey(
        Building, models.PROTECT, related_name="project_items", verbose_name=_("building")
    )
    programme = models.ForeignKey(
        Programme, models.PROTECT, related_name="+", verbose_name=_("programme year")
    )
    floor_area_m2 = models.DecimalField(_("floor area [m²]"), max_digits=12, decimal_places=2)
    households = models.PositiveIntegerField(_("households"), default=0)
    design_measures = models.JSONField(_("design package"), default=list)
    design_eta = models.DecimalField(
        _("designed improvement η"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    design_cost_fen = models.BigIntegerField(_("cost of the designed package [fen]"), default=0)
    design_source = models.CharField(_("design from"), max_length=20, blank=True)
    design_lines = models.JSONField(_("cost lines of the design"), default=list, blank=True)
    design_window_fen = models.BigIntegerField(
        _("cost of the design's window lines [fen]"), default=0
    )
    # The building's part of the project's funding plan (projects.plan), stored: a rule
    # change never alters the plan of a project silently.
    plan_cost_fen = models.BigIntegerField(_("planned cost [fen]"), default=0)
    plan_window_fen = models.BigIntegerField(_("planned window lines [fen]"), default=0)
    plan_provincial_fen = models.BigIntegerField(_("provincial subsidy due [fen]"), default=0)
    plan_owners_fen = models.BigIntegerField(_("owners' share due [fen]"), default=0)
    plan_county_fen = models.BigIntegerField(_("county share due [fen]"), default=0)
    as_built_eta = models.DecimalField(
        _("as-built improvement η"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    as_built_record = models.JSONField(_("as-built assessment"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["building", "programme"], name="one_project_per_building_and_year"
            )
        ]
        ordering = ["project", "building__community__name", "building__building_no"]
        verbose_name = _("project building")
        verbose_name_plural = _("project buildings")

    def __str__(self) -> str:
        return f"{self.project.code} · {self.building}"


class Household(models.Model):
    """A household of a project building (room or unit), with its area when known, so the
    owners' share can be collected per household. The owner's name is personal data: pages
    show it masked."""

    scope_division = "item__project__division"
    scope_contractor = "item__project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    item = models.ForeignKey(
        ProjectBuilding,
        models.CASCADE,
        related_name="household_list",
        verbose_name=_("project building"),
    )
    position = models.PositiveIntegerField(_("row"))
    label = models.CharField(_("room / unit"), max_length=40)
    area_m2 = models.DecimalField(
        _("household area [m²]"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    owner_name = models.CharField(_("owner"), max_length=60, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "label"], name="one_household_per_label"),
            models.CheckConstraint(
                condition=models.Q(area_m2__isnull=True) | models.Q(area_m2__gt=0),
                name="household_area_positive",
            ),
        ]
        ordering = ["item", "position"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.item.building} {self.label}"


class ProjectFunding(models.Model):
    """The project's stored funding plan: what each source should bring [fen], the rule and
    clause that made it, and on which basis (design estimate or contract sum). Recomputed by
    ``projects.plan.refresh_plan`` whenever the buildings, designs or contract sum change."""

    scope_division = "project__division"
    scope_contractor = "project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    class Basis(models.TextChoices):
        DESIGN = "design", _("design estimate")
        CONTRACT = "contract", _("contract sum")

    project = models.OneToOneField(
        Project, models.CASCADE, related_name="funding", verbose_name=_("project")
    )
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    area_m2 = models.DecimalField(_("floor area [m²]"), max_digits=12, decimal_places=2)
    total_fen = models.BigIntegerField(_("total [fen]"))
    window_fen = models.BigIntegerField(_("window lines [fen]"))
    provincial_fen = models.BigIntegerField(_("provincial subsidy [fen]"))
    owners_fen = models.BigIntegerField(_("owners' share [fen]"))
    county_fen = models.BigIntegerField(_("county share [fen]"))
    rule = models.CharField(_("rule"), max_length=40)
    clause = models.CharField(_("clause"), max_length=200, blank=True)
    rates = models.JSONField(_("rates"), default=dict)
    note = models.TextField(_("note"), blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    total_fen=models.F("provincial_fen")
                    + models.F("owners_fen")
                    + models.F("county_fen")
                ),
                name="funding_parts_add_up",
            )
        ]
        verbose_name = _("funding plan")
        verbose_name_plural = _("funding plans")

    def __str__(self) -> str:
        return f"{self.project.code} {self.rule}"


class TimeNode(models.Model):
    """Planned and actual date of a stage (时间节点)."""

    scope_division = "project__division"
    scope_contractor = "project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="time_nodes", verbose_name=_("project")
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    planned_on = models.DateField(_("planned"), null=True, blank=True)
    actual_on = models.DateField(_("actual"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="one_time_node_per_stage")
        ]
        verbose_name = _("time node")
        verbose_name_plural = _("time nodes")

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_stage_display()}"


class Transition(models.Model):
    scope_division = "project__division"
    scope_contractor = "project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="transitions", verbose_name=_("project")
    )
    from_stage = models.CharField(_("from stage"), max_length=12, choices=Stage.choices)
    to_stage = models.CharField(_("to stage"), max_length=12, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    on_date = models.DateField(_("date"))
    reason = models.TextField(_("reason"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "pk"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.project.code}: {self.from_stage} → {self.to_stage}"


class Ledger(models.TextChoices):
    OWNERS = "owners", _("Owners' payments (业主自筹)")
    PROVINCIAL = "provincial", _("Provincial subsidy disbursed (省级补助)")
    COUNTY = "county", _("County funds (县区配套)")
    OTHER = "other", _("Other sources")
    CONTRACTOR = "contractor", _("Paid to the contractor")


class LedgerEntry(models.Model):
    """One movement of money for a project. Never edited or deleted: a mistake is
    corrected by a reversing entry (the same amount negated, pointing at it)."""

    scope_division = "division"
    scope_contractor = "project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    project = models.ForeignKey(
        Project, models.PROTECT, related_name="ledger", verbose_name=_("project")
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="+", verbose_name=_("county/district")
    )
    ledger = models.CharField(_("ledger"), max_length=12, choices=Ledger.choices)
    building = models.ForeignKey(
        Building,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    household = models.CharField(_("household (room)"), max_length=40, blank=True)
    amount_fen = models.BigIntegerField(_("amount [fen]"))
    on_date = models.DateField(_("date"))
    reference = models.CharField(_("voucher / reference"), max_length=80, blank=True)
    voucher_use = models.PositiveSmallIntegerField(
        _("use of the voucher"),
        default=1,
        help_text=_("A voucher is used again only after every earlier use was reversed."),
    )
    reverses = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "pk"]
        indexes = [models.Index(fields=["project", "ledger"], name="ledger_project_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "reference", "voucher_use"], name="one_entry_per_voucher_use"
            ),
            models.CheckConstraint(
                condition=~models.Q(amount_fen=0), name="ledger_amount_not_zero"
            ),
        ]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_ledger_display()} {self.amount_fen}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("ledger entries are never changed; record a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("ledger entries are never deleted; record a reversing entry")
