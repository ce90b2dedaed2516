"""Roles and the capabilities each one carries.

Capabilities are the unit of permission checks in views and services; roles are
named bundles of them. The three administrators of GB/T 22239-2019 (等保 2.0,
§8.1.4.2 "三权分立": system, security and audit administrator) share no
capability with each other nor with the business roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from jigai.core.errors import BusinessError


class Role(models.TextChoices):
    PROGRAMME_ADMIN = "programme_admin", _("Programme administrator (city housing bureau)")
    COUNTY_OFFICER = "county_officer", _("County officer")
    APPROVER = "approver", _("Project approver (development & reform)")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    AUDITOR = "auditor", _("Auditor (city audit bureau)")
    INSPECTOR = "inspector", _("Quality and safety inspector")
    CONTRACTOR = "contractor", _("Contractor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


class Cap:
    """Capability names (strings, so templates can test them)."""

    VIEW_PROGRAMME = "programme.view"
    MANAGE_PROGRAMME = "programme.manage"
    VIEW_ALL_COUNTIES = "county.view_all"
    VIEW_OWN_COUNTY = "county.view_own"
    MANAGE_USERS = "users.manage"
    MANAGE_ORGANISATIONS = "organisations.manage"
    ASSIGN_ROLES = "roles.assign"
    UNLOCK_ACCOUNTS = "accounts.unlock"
    VIEW_BUILDINGS = "buildings.view"
    IMPORT_BUILDINGS = "buildings.import"
    GRANT_EXCEPTION = "buildings.exception"
    VIEW_PROJECTS = "projects.view"
    MANAGE_PROJECTS = "projects.manage"
    APPROVE_PROJECTS = "projects.approve"
    INSPECT_PROJECTS = "projects.inspect"
    AUDIT_PROJECTS = "projects.audit"
    OVERSEE_PROJECTS = "projects.oversee"
    RECORD_OWNER_PAYMENTS = "money.owners"
    RECORD_DISBURSEMENTS = "money.disburse"
    RECORD_COUNTY_PAYMENTS = "money.county"
    VIEW_AUDIT = "audit.view"
    VERIFY_AUDIT = "audit.verify"
    RECORD_TESTS = "quality.record_tests"  # entry re-tests, lots, rectification orders
    ANSWER_RECTIFICATIONS = "quality.answer"  # the contractor answers an order


_CITY_READER = {Cap.VIEW_PROGRAMME, Cap.VIEW_ALL_COUNTIES, Cap.VIEW_BUILDINGS, Cap.VIEW_PROJECTS}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PROGRAMME_ADMIN: frozenset(
        _CITY_READER
        | {Cap.MANAGE_PROGRAMME, Cap.IMPORT_BUILDINGS, Cap.GRANT_EXCEPTION, Cap.OVERSEE_PROJECTS}
    ),
    Role.COUNTY_OFFICER: frozenset(
        {
            Cap.VIEW_PROGRAMME,
            Cap.VIEW_OWN_COUNTY,
            Cap.VIEW_BUILDINGS,
            Cap.IMPORT_BUILDINGS,
            Cap.VIEW_PROJECTS,
            Cap.MANAGE_PROJECTS,
            Cap.RECORD_OWNER_PAYMENTS,
            Cap.RECORD_COUNTY_PAYMENTS,
        }
    ),
    Role.APPROVER: frozenset(_CITY_READER | {Cap.APPROVE_PROJECTS}),
    Role.FINANCE_OFFICER: frozenset(_CITY_READER | {Cap.RECORD_DISBURSEMENTS}),
    Role.AUDITOR: frozenset(_CITY_READER | {Cap.VIEW_AUDIT, Cap.AUDIT_PROJECTS}),
    Role.INSPECTOR: frozenset(_CITY_READER | {Cap.INSPECT_PROJECTS, Cap.RECORD_TESTS}),
    Role.CONTRACTOR: frozenset({Cap.VIEW_PROGRAMME, Cap.VIEW_PROJECTS, Cap.ANSWER_RECTIFICATIONS}),
    Role.SYSTEM_ADMIN: frozenset({Cap.MANAGE_USERS, Cap.MANAGE_ORGANISATIONS}),
    Role.SECURITY_ADMIN: frozenset({Cap.ASSIGN_ROLES, Cap.UNLOCK_ACCOUNTS}),
    Role.AUDIT_ADMIN: frozenset({Cap.VIEW_AUDIT, Cap.VERIFY_AUDIT}),
}

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
"""A user holding one of these holds no other role (separation of duties)."""


# --------------------------------------------------------------------------- where roles fit
# Organisation kinds (the values of ``accounts.Organisation.Kind``, named here as strings:
# ``accounts.models`` imports this module).
CITY_BUREAU = "city_bureau"
COUNTY_BODIES = frozenset({"county_government", "street_office", "community"})
PROJECT_PARTIES = frozenset({"contractor", "supervisor", "test_lab"})
"""The bodies that take part in a project without governing it: they see the projects
their organisation builds (``accounts.scope``), nothing else."""
PROJECT_PARTY_ROLES = frozenset({Role.CONTRACTOR})
"""The roles whose view is their own organisation's projects (held in a ``PROJECT_PARTIES``
body)."""


@dataclass(frozen=True)
class Placement:
    """Where a role may be held: the organisation kinds, and whether the organisation must be
    a city-level body (``"city"``), inside a county (``"county"``) or either (``"any"``)."""

    kinds: frozenset[str]
    level: str

    def fits(self, kind: str, in_county: bool) -> bool:
        if kind not in self.kinds:
            return False
        return self.level == "any" or (self.level == "county") == in_county


ALLOWED_PLACEMENT: dict[str, Placement] = {
    # the city bureaus: housing (programme), development & reform (approval), finance, audit
    Role.PROGRAMME_ADMIN: Placement(frozenset({CITY_BUREAU}), "city"),
    Role.APPROVER: Placement(frozenset({CITY_BUREAU}), "city"),
    Role.FINANCE_OFFICER: Placement(frozenset({CITY_BUREAU}), "city"),
    Role.AUDITOR: Placement(frozenset({CITY_BUREAU}), "city"),
    # the county government, its street offices and residents' committees, inside the county
    Role.COUNTY_OFFICER: Placement(COUNTY_BODIES, "county"),
    # the quality, safety and energy supervision body (or the housing bureau itself)
    Role.INSPECTOR: Placement(frozenset({"supervision_body", CITY_BUREAU}), "any"),
    Role.CONTRACTOR: Placement(frozenset({"contractor"}), "any"),
    # the three administrators: the information centre or a city bureau
    Role.SYSTEM_ADMIN: Placement(frozenset({"it", CITY_BUREAU}), "any"),
    Role.SECURITY_ADMIN: Placement(frozenset({"it", CITY_BUREAU}), "any"),
    Role.AUDIT_ADMIN: Placement(frozenset({"it", CITY_BUREAU}), "any"),
}
"""The organisation kinds each role may be held in, checked whenever roles or an account's
organisation change (``accounts.services``) and applied again by ``accounts.scope``: a role
held in an organisation it does not fit (data written around the services) gives no view."""


def misplaced(roles, organisation) -> list[str]:
    """The roles of ``roles`` that ``organisation`` may not hold, in declaration order."""
    kind, in_county = organisation.kind, organisation.county is not None
    return [r for r in Role.values if r in roles and not ALLOWED_PLACEMENT[r].fits(kind, in_county)]


def placed(roles, organisation) -> frozenset[str]:
    """The roles of ``roles`` that fit ``organisation`` (the ones that count for scope)."""
    return frozenset(roles) - set(misplaced(roles, organisation))


# --------------------------------------------------------------------------- separation of duties
BUSINESS_ROLES = frozenset(
    {
        Role.PROGRAMME_ADMIN,
        Role.COUNTY_OFFICER,
        Role.APPROVER,
        Role.FINANCE_OFFICER,
        Role.INSPECTOR,
        Role.CONTRACTOR,
    }
)
"""The roles that record or decide (everything but the auditor and the administrators)."""


class Duty(models.TextChoices):
    """The rules of the separation of duties; their codes are stored in refusal audit rows."""

    DECLARE_APPROVE = "declare_approve", _("who declares a project does not approve it")
    PAY_APPROVE = "pay_approve", _("who pays out does not approve the project paid")
    RECORD_AUDIT = "record_audit", _("who records business does not audit it")
    OVERSEE_APPROVE = "oversee_approve", _("who runs the programme does not approve its projects")
    INSPECT_BUILD = "inspect_build", _("who builds does not inspect their own works")
    ADMIN_ALONE = "admin_alone", _("an administrator holds no other role")
    PLACEMENT = "placement", _("the role does not fit the organisation")
    ADMIN_PROTECTED = (
        "admin_protected",
        _("administrators' accounts are not changed through the application"),
    )
    SELF_APPROVAL = "self_approval", _("a project is not approved by the one who declared it")


@dataclass(frozen=True)
class Incompatible:
    """Two sets of roles one account may not hold together, and the rule that says so."""

    first: frozenset[str]
    second: frozenset[str]
    duty: Duty

    def held_pair(self, roles) -> tuple[str, str] | None:
        """The first two distinct roles of ``roles`` that break this rule, or None."""
        held = [r for r in Role.values if r in set(roles)]
        for a in held:
            for b in held:
                if a != b and a in self.first and b in self.second:
                    return a, b
        return None

    def broken_by(self, roles) -> bool:
        return self.held_pair(roles) is not None


def _pair(first, second, duty) -> Incompatible:
    return Incompatible(frozenset(first), frozenset(second), duty)


INCOMPATIBLE: tuple[Incompatible, ...] = (
    # GB/T 22239-2019 §8.1.4.2 (访问控制: the least privilege each account needs, duties
    # separated so that they check each other) and the four-eyes principle of the approval
    # procedure (the county declares, the development & reform commission approves, the
    # finance bureau pays, the audit bureau audits):
    _pair({Role.COUNTY_OFFICER}, {Role.APPROVER}, Duty.DECLARE_APPROVE),
    _pair({Role.FINANCE_OFFICER}, {Role.APPROVER}, Duty.PAY_APPROVE),
    _pair({Role.AUDITOR}, BUSINESS_ROLES, Duty.RECORD_AUDIT),
    _pair({Role.PROGRAMME_ADMIN}, {Role.APPROVER}, Duty.OVERSEE_APPROVE),
    _pair({Role.CONTRACTOR}, {Role.INSPECTOR}, Duty.INSPECT_BUILD),
    # GB/T 22239-2019 三权分立 (system, security and audit administrator): separate
    # accounts that hold nothing else
    _pair(ADMIN_ROLES, set(Role.values), Duty.ADMIN_ALONE),
)
"""Role pairs that may not be held together, each with its reason (``Duty``)."""


def broken_duties(roles) -> list[Incompatible]:
    """The separation-of-duties rules that holding ``roles`` together would break."""
    return [rule for rule in INCOMPATIBLE if rule.broken_by(roles)]


class DutyRefused(BusinessError):
    """A refusal by one of the rules above (``duty``): shown as a message, and written to the
    audit trail by the service that refused, after its own transaction rolled back."""

    def __init__(self, message: str, *, duty: Duty, details: list[str] | None = None):
        super().__init__(message, details=details)
        self.duty = duty


SECOND_FACTOR_ROLES = frozenset(
    {
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
        Role.PROGRAMME_ADMIN,
        Role.APPROVER,
        Role.FINANCE_OFFICER,
    }
)
"""Holders of these roles must log in with a second factor (TOTP, ``jigai.accounts.second_factor``);
everybody else may."""
