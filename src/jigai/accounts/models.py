"""Administrative divisions, organisations, users and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from jigai.core.roles import CAPABILITIES, Role, placed


class Division(models.Model):
    """An administrative division (行政区划): a prefecture-level city or one of its
    county-level units (县, 区, or a development zone run as one)."""

    class Kind(models.TextChoices):
        CITY = "city", _("City (市)")
        COUNTY = "county", _("County (县)")
        DISTRICT = "district", _("District (区)")
        ZONE = "zone", _("Development zone (开发区)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    admin_code = models.CharField(
        _("administrative division code (GB/T 2260)"), max_length=12, blank=True
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent division"),
    )
    seat_lat = models.DecimalField(_("seat latitude [°N]"), max_digits=8, decimal_places=5)
    seat_lon = models.DecimalField(_("seat longitude [°E]"), max_digits=8, decimal_places=5)
    location_source = models.CharField(_("source of the seat location"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.kind == self.Kind.CITY

    def clean(self) -> None:
        if self.is_city and self.parent_id:
            raise ValidationError(_("A city has no parent division here."))
        if not self.is_city and not self.parent_id:
            raise ValidationError(_("A county-level unit belongs to a city."))


class Organisation(models.Model):
    """A body whose staff use the platform. County-level bodies are scoped to
    their division; city bureaus are scoped to the city."""

    class Kind(models.TextChoices):
        CITY_BUREAU = "city_bureau", _("City bureau")
        COUNTY_GOVERNMENT = "county_government", _("County/district government")
        STREET_OFFICE = "street_office", _("Street office")
        COMMUNITY = "community", _("Community / residents' committee")
        CONTRACTOR = "contractor", _("Contractor")
        SUPERVISOR = "supervisor", _("Works supervisor (监理)")
        TEST_LAB = "test_lab", _("Test laboratory")
        DESIGNER = "designer", _("Designer")
        SUPERVISION_BODY = "supervision_body", _("Quality, safety and energy supervision body")
        IT = "it", _("Information centre (system operator)")

    name = models.CharField(_("name"), max_length=120, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="organisations", verbose_name=_("division")
    )
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    unified_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["division__sort_order", "kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def county(self) -> Division | None:
        """The county-level unit this body is confined to, or None for city-wide bodies."""
        return None if self.division.is_city else self.division


class JigaiUserManager(UserManager):
    def create_superuser(self, *args, **kwargs):  # pragma: no cover - guarded on purpose
        raise NotImplementedError(
            "jigai has no all-powerful superuser: use `jigai create_admin` "
            "for the system, security and audit administrators."
        )


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="users", verbose_name=_("organisation")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)
    must_change_password = models.BooleanField(
        _("must change the password at next login"),
        default=False,
        help_text=_("Set when an administrator opens the account or resets its password."),
    )

    objects = JigaiUserManager()
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_assignments.values_list("role", flat=True))

    @cached_property
    def placed_roles(self) -> frozenset[str]:
        """The roles that fit the account's organisation (``core.roles.ALLOWED_PLACEMENT``):
        only these carry capabilities and a view, whatever was written around the services."""
        return placed(self.roles, self.organisation)

    @cached_property
    def capabilities(self) -> frozenset[str]:
        caps: set[str] = set()
        for role in self.placed_roles:
            caps |= CAPABILITIES.get(role, frozenset())
        return frozenset(caps)

    def can(self, capability: str) -> bool:
        return self.is_active and capability in self.capabilities

    @property
    def county(self) -> Division | None:
        """The county-level unit the user is confined to, or None when city-wide."""
        return self.organisation.county

    def sees_division(self, division: Division) -> bool:
        """Whether county-scoped records of ``division`` are visible (``accounts.scope``)."""
        from jigai.accounts.scope import Scope

        return Scope.of(self).sees_division(division)

    def visible_divisions(self):
        """The county-level units whose records this user sees (``accounts.scope``)."""
        from jigai.accounts.scope import Scope

        return Scope.of(self).divisions()


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class LoginThrottle(models.Model):
    """Failed-login counter per user name (not per address: a whole bureau
    shares one NAT address)."""

    username = models.CharField(_("user name"), max_length=150, unique=True)
    failures = models.PositiveSmallIntegerField(_("consecutive failures"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")

    def __str__(self) -> str:
        return self.username

    def is_locked(self, now=None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords: none of the last ``PASSWORD_HISTORY`` may
    be chosen again (GB/T 22239-2019 §8.1.4.1 a)."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="password_history", verbose_name=_("user")
    )
    password = models.CharField(_("password hash"), max_length=128)
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        ordering = ["-set_at", "-pk"]
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")

    def __str__(self) -> str:
        return f"{self.user} · {self.set_at:%Y-%m-%d}"
