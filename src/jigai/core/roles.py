"""Roles and the capabilities each one carries.

Capabilities are the unit of permission checks in views and services; roles are
named bundles of them. The three administrators of GB/T 22239-2019 (等保 2.0,
§8.1.4.2 "三权分立": system, security and audit administrator) share no
capability with each other nor with the business roles.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    Role.INSPECTOR: frozenset(_CITY_READER | {Cap.INSPECT_PROJECTS}),
    Role.CONTRACTOR: frozenset({Cap.VIEW_PROGRAMME, Cap.VIEW_PROJECTS}),
    Role.SYSTEM_ADMIN: frozenset({Cap.MANAGE_USERS, Cap.MANAGE_ORGANISATIONS}),
    Role.SECURITY_ADMIN: frozenset({Cap.ASSIGN_ROLES, Cap.UNLOCK_ACCOUNTS}),
    Role.AUDIT_ADMIN: frozenset({Cap.VIEW_AUDIT, Cap.VERIFY_AUDIT}),
}

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
"""A user holding one of these holds no other role (separation of duties)."""

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
