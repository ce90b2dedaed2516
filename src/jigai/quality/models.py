"""Quality of the works (GB 50411-2019): inspection lots and their sampling plan, entry
re-inspection records (进场复验) and rectification orders (整改通知). Every record belongs to
a project and is scoped like it (``accounts.scope``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jigai.accounts.models import Organisation
from jigai.accounts.scope import ScopedQuerySet
from jigai.core.roles import Cap
from jigai.projects.models import Project, ProjectBuilding


class Element(models.TextChoices):
    """The elements of a retrofit sampled by the rule file (``data/gb50411_2019.yaml``)."""

    WALL = "wall", _("External-wall insulation system")
    ROOF = "roof", _("Roof insulation")
    BASEMENT_CEILING = "basement_ceiling", _("Basement-ceiling insulation")
    WINDOW = "window", _("Windows")
    FIRE_BARRIER = "fire_barrier", _("Fire barrier bands")


class InspectionLot(models.Model):
    """One inspection lot (检验批) of an element of a project, made of one catalogue
    measure (same material, process and build-up), with the on-site tests it needs."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        BLOCKED = "blocked", _("blocked by a failed batch")

    scope_division = "project__division"
    scope_contractor = "project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="inspection_lots", verbose_name=_("project")
    )
    element = models.CharField(_("element"), max_length=20, choices=Element.choices)
    measure_id = models.CharField(_("catalogue measure"), max_length=60)
    seq = models.PositiveSmallIntegerField(_("lot number"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10)
    certified = models.BooleanField(_("certified product (§3.2.3)"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    onsite = models.JSONField(_("on-site tests required"), default=list)
    clause = models.CharField(_("clause"), max_length=120)
    rules_digest = models.CharField(_("rule file digest"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "element", "measure_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "element", "measure_id", "seq"], name="one_lot_per_number"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="lot_quantity_positive"
            ),
        ]
        verbose_name = _("inspection lot")
        verbose_name_plural = _("inspection lots")

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_element_display()} {self.measure_id} #{self.seq}"


class RecordedTest(models.Model):
    """What every test record of a lot holds: when, the measured values, the verdict, who
    recorded it; scoped by its lot's project."""

    scope_division = "lot__project__division"
    scope_contractor = "lot__project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    tested_on = models.DateField(_("tested on"))
    values = models.JSONField(_("measured values"), default=dict)
    passed = models.BooleanField(_("passed"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["lot", "pk"]


class EntryTest(RecordedTest):
    """An entry re-inspection (进场复验) of a delivered batch, with the lab's measured values
    and, per property, the comparison with the design value and the standard's limit."""

    lot = models.ForeignKey(
        InspectionLot, models.PROTECT, related_name="entry_tests", verbose_name=_("lot")
    )
    material = models.CharField(_("material"), max_length=40)
    maker = models.CharField(_("maker"), max_length=120)
    batch = models.CharField(_("batch"), max_length=60)
    quantity = models.DecimalField(_("quantity delivered"), max_digits=12, decimal_places=2)
    lab = models.CharField(_("test laboratory"), max_length=120)
    report_no = models.CharField(_("report number"), max_length=60, unique=True)
    results = models.JSONField(_("comparison per property"), default=list)

    class Meta(RecordedTest.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="entry_test_quantity_positive"
            )
        ]
        verbose_name = _("entry re-inspection")
        verbose_name_plural = _("entry re-inspections")

    def __str__(self) -> str:
        return f"{self.report_no} {self.material} {self.maker}"


class SiteTest(RecordedTest):
    """An on-site test (现场检验) or a fire check during works on one building of a lot:
    bond pull-off, anchor pull-out, core drilling, window air-tightness, or a GB 50016 §6.7
    check (kinds and limits in the rule file's ``site_tests``), with its verdict and reason."""

    lot = models.ForeignKey(
        InspectionLot, models.PROTECT, related_name="site_tests", verbose_name=_("lot")
    )
    item = models.ForeignKey(
        ProjectBuilding, models.PROTECT, related_name="site_tests", verbose_name=_("building")
    )
    kind = models.CharField(_("kind"), max_length=30)
    result = models.JSONField(_("comparison"), default=dict)

    class Meta(RecordedTest.Meta):
        verbose_name = _("on-site test")
        verbose_name_plural = _("on-site tests")

    def __str__(self) -> str:
        return f"{self.lot} {self.kind} #{self.pk}"


class Rectification(models.Model):
    """A rectification order (整改通知): what to put right, where, by when and by whom; the
    contractor answers with the evidence of the fix, the inspector re-inspects and closes
    it or reopens it."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")
        REOPENED = "reopened", _("reopened")

    scope_division = "project__division"
    scope_contractor = "project__contractor"
    scope_capability = Cap.VIEW_PROJECTS

    project = models.ForeignKey(
        Project, models.PROTECT, related_name="rectifications", verbose_name=_("project")
    )
    lot = models.ForeignKey(
        InspectionLot,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name=_("lot"),
    )
    what = models.TextField(_("what to put right"))
    where = models.CharField(_("where"), max_length=200)
    deadline = models.DateField(_("deadline"))
    responsible = models.ForeignKey(
        Organisation, models.PROTECT, related_name="+", verbose_name=_("responsible party")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="open")
    evidence = models.TextField(_("evidence of the fix"), blank=True)
    reinspection = models.TextField(_("re-inspection result"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "pk"]
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")

    def __str__(self) -> str:
        return f"{self.project.code} #{self.pk} {self.where}"

    @property
    def is_pending(self) -> bool:
        """Waiting for the contractor (open or reopened)."""
        return self.state in (self.State.OPEN, self.State.REOPENED)
