"""Tenancy, written once: who sees which county's records.

One rule for every queryset, row lock and view (阳政办发〔2023〕36号 四（一）: the county
governments are the responsible entity for their own county; the city bureaus coordinate,
approve, fund and audit across counties):

- a user with ``Cap.VIEW_ALL_COUNTIES`` (the city bureaus, the inspector) sees every county;
- a county user (``Cap.VIEW_OWN_COUNTY`` and an organisation inside a county) sees only the
  records of that county;
- a contractor (``PROJECT_PARTY_ROLES`` in a ``PROJECT_PARTIES`` body) sees only the
  records of the projects their organisation builds, and what they own themselves (a model's
  ``scope_owner``, e.g. the jobs they started), nothing else;
- an administrator sees only what they own; an account whose roles do not fit its
  organisation (``core.roles.ALLOWED_PLACEMENT``) sees nothing;
- a model may also require a capability to be seen at all (projects: ``VIEW_PROJECTS``).

A county-owned model says where its county is, and where its contractor is when it has one,
as class attributes read by ``ScopedQuerySet``::

    class LedgerEntry(models.Model):
        scope_division = "division"
        scope_contractor = "project__contractor"
        objects = ScopedQuerySet.as_manager()

``Model.objects.for_user(user)`` is then the only way to list records for a user,
``in_scope(obj, user)`` the only way to check one record (the same rule, as a query), and
``get_visible_or_404(queryset, request, pk=…)`` the only way a view fetches one record by
id: a record that exists but lies outside the user's scope answers 404 like a missing one,
and the attempt is written to the audit trail (``access.refused``, rate-limited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone


@dataclass(frozen=True)
class Scope:
    """What one user may see: every county, one county, or one organisation's projects."""

    everything: bool
    county_id: int | None
    organisation_id: int | None
    user_id: int | None = None

    @classmethod
    def of(cls, user) -> Scope:
        """The view of ``user``, from their roles *and* their organisation: only the roles
        that fit the organisation count (``User.placed_roles``), so a county role held in a
        contractor (moved there after the roles were set) sees nothing, never the city nor
        another organisation's projects."""
        from jigai.core.roles import PROJECT_PARTIES, PROJECT_PARTY_ROLES, Cap

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls.nothing()
        if user.can(Cap.VIEW_ALL_COUNTIES):
            return cls(True, None, None, user.pk)
        county = user.county
        if county is not None and user.can(Cap.VIEW_OWN_COUNTY):
            return cls(False, county.pk, None, user.pk)
        roles = user.placed_roles
        if roles & PROJECT_PARTY_ROLES and user.organisation.kind in PROJECT_PARTIES:
            return cls(False, None, user.organisation_id, user.pk)
        if roles:  # an administrator: what they own themselves, nothing of the counties
            return cls(False, None, None, user.pk)
        return cls.nothing()

    @classmethod
    def nothing(cls) -> Scope:
        """The empty view (no account, no role that fits the organisation)."""
        return cls(False, None, None)

    def sharing_key(self) -> tuple:
        """Equal for two users who see the same records (one county, or the whole city),
        so that what one user's query computed may be shown to the other."""
        if self.everything:
            return ("city",)
        if self.county_id is not None:
            return ("county", self.county_id)
        return ("own", self.organisation_id, self.user_id)

    def divisions(self):
        """The county-level units whose records the user sees."""
        from jigai.accounts.models import Division

        qs = Division.objects.exclude(kind=Division.Kind.CITY)
        if self.everything:
            return qs
        if self.county_id is not None:
            return qs.filter(pk=self.county_id)
        return qs.none()

    def sees_division(self, division) -> bool:
        return self.everything or (
            self.county_id is not None and division is not None and division.pk == self.county_id
        )

    def filter(self, qs: models.QuerySet) -> models.QuerySet:
        """``qs`` cut to what this scope sees, by the model's ``scope_division`` and
        ``scope_contractor`` paths."""
        model = qs.model
        if self.everything:
            return qs
        if self.county_id is not None:
            return qs.filter(**{f"{model.scope_division}_id": self.county_id})
        contractor = getattr(model, "scope_contractor", None)
        if contractor and self.organisation_id is not None:
            return qs.filter(**{f"{contractor}_id": self.organisation_id})
        owner = getattr(model, "scope_owner", None)
        if owner and self.user_id is not None:
            return qs.filter(**{f"{owner}_id": self.user_id})
        return qs.none()


class ScopedQuerySet(models.QuerySet):
    """The queryset of every county-owned model (see the module docstring)."""

    def for_user(self, user):
        capability = getattr(self.model, "scope_capability", None)
        if capability is not None and not user.can(capability):
            return self.none()
        return Scope.of(user).filter(self)


def in_scope(obj: models.Model, user) -> bool:
    """Whether ``user`` may see (and so act on) the county-owned record ``obj``."""
    return type(obj)._default_manager.for_user(user).filter(pk=obj.pk).exists()


def get_visible_or_404(queryset, request, **lookup):
    """The one record of ``queryset`` (a county-owned model's, perhaps narrowed further)
    matching ``lookup`` within the scope of ``request.user``; 404 otherwise. When such a
    record exists outside the user's scope, the attempt is audited (:func:`refused_access`)."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return queryset.for_user(request.user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        pass
    except queryset.model.MultipleObjectsReturned:  # pragma: no cover - lookups are by key
        raise Http404 from None
    manager = queryset.model._default_manager
    try:
        hidden = (
            manager.filter(**lookup)
            .exclude(pk__in=manager.for_user(request.user).values("pk"))
            .first()
        )
    except (ValueError, TypeError):
        hidden = None
    if hidden is not None:
        refused_access(request, hidden)
    raise Http404


def refused_access(request, obj) -> None:
    """Write a refused request for ``obj`` (a record outside the user's scope) to the audit
    trail: who, the path, the record and the user's scope; at most
    ``ACCESS_REFUSALS_AUDITED_PER_MINUTE`` such rows per user and minute."""
    from jigai.accounts.models import User
    from jigai.audit import services as audit
    from jigai.audit.models import AuditEntry

    user = request.user
    if not getattr(user, "pk", None):
        return
    scope = Scope.of(user)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one writer per user
        recent = AuditEntry.objects.filter(
            actor_id=user.pk,
            action="access.refused",
            recorded_at__gte=timezone.now() - dt.timedelta(minutes=1),
        ).count()
        if recent >= settings.ACCESS_REFUSALS_AUDITED_PER_MINUTE:
            return
        audit.record(
            actor=user,
            action="access.refused",
            outcome=AuditEntry.Outcome.REFUSED,
            obj=obj,
            division_code=user.organisation.division.code,
            data={
                "a": user.display_name,
                "t": obj._meta.label,
                "id": str(obj.pk),
                "path": request.path[:200],
                "s": ":".join(str(k) for k in scope.sharing_key()),
            },
        )
