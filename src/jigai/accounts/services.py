"""Business actions on accounts: login with lockout, users, roles, unlocking."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jigai.accounts.models import (
    LoginThrottle,
    Organisation,
    PasswordHistory,
    RoleAssignment,
    User,
)
from jigai.audit import services as audit
from jigai.audit.models import AuditEntry
from jigai.core.errors import BusinessError, require
from jigai.core.roles import (
    ADMIN_ROLES,
    ALLOWED_PLACEMENT,
    Cap,
    Duty,
    DutyRefused,
    Role,
    broken_duties,
    misplaced,
)

USER_FIELDS = ["username", "last_name", "first_name", "email", "phone", "organisation", "is_active"]


class LoginRefused(BusinessError):
    pass


def _division_code(user: User) -> str:
    return user.organisation.division.code


# --------------------------------------------------------------------------- login
def login_attempt(request, username: str, password: str) -> User:
    """Authenticate with lockout by user name; return the user or raise LoginRefused.

    After ``LOCKOUT_FAILURES`` consecutive failures the name is locked for
    ``LOCKOUT_MINUTES``, even for the right password. Other names are not
    affected, whatever address they come from.

    The check and the count are one step (issue 11, hole 6): before a password is
    checked, the attempt is counted as a failure under the throttle row's lock and
    the count is compared with the limit; only then, outside the lock, is the
    password hashed, and a right one resets the count. So however many requests
    arrive at once, at most ``LOCKOUT_FAILURES`` passwords of a name are checked
    before it is locked, and none after.

    A name that belongs to no account gets no throttle row and no audit row of its
    own (:func:`_unknown_name_attempt`), with the same answers and the same work.
    """
    now = timezone.now()
    ip = request.META.get("REMOTE_ADDR")
    username = (username or "").strip()[:150]
    if not User.objects.filter(username=username).exists():
        return _unknown_name_attempt(request, username, password, ip, now)
    limit = settings.LOCKOUT_FAILURES
    with transaction.atomic():
        throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(
            username=username
        )
        if throttle.locked_until is not None and throttle.locked_until <= now:
            # the lock ran out: one more try, a wrong one locks again at once
            throttle.locked_until = None
            throttle.failures = min(throttle.failures, limit - 1)
        if throttle.is_locked(now):
            audit.record(
                actor=None,
                actor_name=username,
                action="security.login_locked",
                outcome=AuditEntry.Outcome.REFUSED,
                ip_address=ip,
                data={"u": username},
            )
            raise_after = LoginRefused(_locked_message(throttle.locked_until))
        else:
            raise_after = None
            throttle.failures += 1  # counted before the check; a right password resets it
            throttle.last_failure_at = now
            attempt = throttle.failures
            if attempt >= limit:  # the last try allowed: the name is locked already
                throttle.locked_until = now + dt.timedelta(minutes=settings.LOCKOUT_MINUTES)
            throttle.save()
    if raise_after is not None:  # committed (and audited) before the refusal
        raise raise_after
    user = authenticate(request, username=username, password=password)
    with transaction.atomic():
        throttle = LoginThrottle.objects.select_for_update().get(pk=throttle.pk)
        if user is None:
            locked_now = attempt >= limit and throttle.locked_until is not None
            audit.record(
                actor=None,
                actor_name=username,
                ip_address=ip,
                outcome=AuditEntry.Outcome.REFUSED,
                action="security.lockout" if locked_now else "security.login_failed",
                data={"u": username, "n": attempt},
            )
            refusal = (
                _locked_message(throttle.locked_until)
                if locked_now
                else _("Wrong user name or password.")
            )
        elif is_dormant(user, now):
            refusal = _(
                "This account was disabled after %(n)d days without a login. "
                "Ask the system administrator to enable it."
            ) % {"n": settings.DORMANT_DAYS}
            _disable_dormant(User.objects.select_for_update().get(pk=user.pk))
        else:
            refusal = None
            throttle.failures = 0
            throttle.locked_until = None
            throttle.save()
            audit.record(
                actor=user,
                action="security.login",
                ip_address=ip,
                division_code=_division_code(user),
                data={"u": user.display_name},
            )
            if not user.must_change_password and password_expired(user, now):
                audit.record(
                    actor=user,
                    action="security.password_expired",
                    ip_address=ip,
                    division_code=_division_code(user),
                    data={"u": user.display_name, "n": settings.PASSWORD_MAX_AGE_DAYS},
                )
    if refusal:
        raise LoginRefused(refusal)
    return user


class _Bounded:
    """A small in-process map with a size bound (oldest entries dropped first), for
    what must not become database rows: tries at unknown names and when each source
    address was last audited for them. Kept apart from Django's cache, which a
    deployment (or the test settings) may turn off. Each server process keeps its own."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, default=None):
        with self.lock:
            return self.items.get(key, default)

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


UNKNOWN_NAMES = _Bounded(10_000)  # name hash → (tries, locked until)
UNKNOWN_AUDITED = _Bounded(10_000)  # source address → last audited
UNKNOWN_AUDIT_EVERY = dt.timedelta(minutes=1)


def _unknown_name_attempt(request, username: str, password: str, ip, now) -> User:
    """A login as a name that belongs to no account: refused exactly like a wrong
    password (same message, a password hash all the same, and the same lock message
    after as many tries), but counted in the cache, not in a database row, and
    audited at most once a minute per source address — so a stream of made-up names
    fills neither the throttle table nor the audit trail."""
    limit = settings.LOCKOUT_FAILURES
    key = hashlib.sha256(username.encode("utf-8")).hexdigest()
    tries, until = UNKNOWN_NAMES.get(key, (0, None))
    if until is not None and until <= now:
        tries, until = min(tries, limit - 1), None
    if until is not None:
        raise LoginRefused(_locked_message(until))
    authenticate(request, username=username, password=password)  # hashes, as for a real name
    tries += 1
    if tries >= limit:
        until = now + dt.timedelta(minutes=settings.LOCKOUT_MINUTES)
    UNKNOWN_NAMES.put(key, (tries, until))
    last = UNKNOWN_AUDITED.get(ip)
    if last is None or now - last >= UNKNOWN_AUDIT_EVERY:
        UNKNOWN_AUDITED.put(ip, now)
        audit.record_security_event(
            actor=None,
            actor_name=username,
            action="security.login_unknown",
            outcome=AuditEntry.Outcome.REFUSED,
            ip_address=ip,
            data={"u": username},
        )
    if until is not None:
        raise LoginRefused(_locked_message(until))
    raise LoginRefused(_("Wrong user name or password."))


def _locked_message(locked_until) -> str:
    until = timezone.localtime(locked_until).strftime("%H:%M")
    return _(
        "Too many failed logins: this account is locked until %(t)s. "
        "Try again then, or ask the security administrator to unlock it."
    ) % {"t": until}


def record_logout(user: User, ip: str | None) -> None:
    audit.record_security_event(
        actor=user,
        action="security.logout",
        ip_address=ip,
        division_code=_division_code(user),
        data={"u": user.display_name},
    )


@transaction.atomic
def unlock(username: str, *, actor) -> None:
    require(actor, Cap.UNLOCK_ACCOUNTS)
    throttle = LoginThrottle.objects.select_for_update().filter(username=username).first()
    if throttle is None or not throttle.is_locked():
        raise BusinessError(_("“%(u)s” is not locked.") % {"u": username})
    before = {"failures": throttle.failures, "locked_until": throttle.locked_until}
    throttle.failures = 0
    throttle.locked_until = None
    throttle.save()
    audit.record(
        actor=actor,
        action="security.unlock",
        obj=throttle,
        data={"a": actor.display_name, "u": username},
        before=before,
        after={"failures": 0, "locked_until": None},
    )


# --------------------------------------------------------------------------- users
def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise BusinessError(
            _("The password does not meet the policy."), details=list(exc.messages)
        ) from exc


def create_user(
    *, actor, username: str, organisation: Organisation, password: str, **fields
) -> User:
    """The system administrator opens an account (with no role yet)."""
    require(actor, Cap.MANAGE_USERS)
    with refusals_audited(actor, username, organisation, set()), transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise BusinessError(_("The user name “%(u)s” is taken.") % {"u": username})
        check_roles(set(), organisation)
        user = User(
            username=username, organisation=organisation, must_change_password=True, **fields
        )
        _check_password(password, user)
        user.set_password(password)
        user.full_clean()
        user.save()
        audit.record(
            actor=actor,
            action="user.create",
            obj=user,
            division_code=_division_code(user),
            data={"a": actor.display_name, "u": user.username, "o": organisation.name},
            after=audit.model_snapshot(user, USER_FIELDS),
        )
    return user


def update_user(user: User, changes: dict, *, actor) -> User:
    """The system administrator changes an account; its roles must fit a new organisation,
    and another administrator's account is not changed here (``Duty.ADMIN_PROTECTED``)."""
    require(actor, Cap.MANAGE_USERS)
    with (
        refusals_audited(actor, user.username, user.organisation, user.roles),
        transaction.atomic(),
    ):
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.pk == actor.pk and changes.get("is_active") is False:
            raise BusinessError(_("You cannot deactivate your own account."))
        protect_administrators(locked, actor)
        before = audit.model_snapshot(locked, USER_FIELDS)
        for name, value in changes.items():
            if name not in USER_FIELDS or name == "username":
                raise BusinessError(_("“%(f)s” cannot be changed here.") % {"f": name})
            setattr(locked, name, value)
        if "organisation" in changes:
            check_roles(set(locked.roles), locked.organisation)
        locked.full_clean()
        locked.save()
        old, new = audit.diff(before, audit.model_snapshot(locked, USER_FIELDS))
        audit.record(
            actor=actor,
            action="user.update",
            obj=locked,
            division_code=_division_code(locked),
            data={"a": actor.display_name, "f": audit.field_names(new), "u": locked.username},
            before=old,
            after=new,
        )
    return locked


def _store_new_password(user: User, password: str, *, now=None) -> None:
    """Keep the current hash in the history, then set the new password (saved)."""
    now = now or timezone.now()
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password, set_at=now)
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
            : settings.PASSWORD_HISTORY
        ]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
    user.set_password(password)
    user.password_changed_at = now
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])


def password_expired(user: User, now=None) -> bool:
    """Whether the password is older than ``PASSWORD_MAX_AGE_DAYS``."""
    now = now or timezone.now()
    return now - user.password_changed_at > dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def password_change_reason(user: User, now=None) -> str | None:
    """Why the user must change their password before anything else, or None:
    ``"first"`` (an account opened or reset by an administrator) or ``"expired"``."""
    if user.must_change_password:
        return "first"
    if password_expired(user, now):
        return "expired"
    return None


@transaction.atomic
def change_own_password(user: User, *, old_password: str, new_password: str, now=None) -> None:
    if not user.check_password(old_password):
        raise BusinessError(_("The current password is wrong."))
    if old_password == new_password:
        raise BusinessError(_("The new password must differ from the current one."))
    _check_password(new_password, user)
    reason = password_change_reason(user, now)
    user.must_change_password = False
    _store_new_password(user, new_password, now=now)
    if reason:
        audit.record(
            actor=user,
            action="security.password_forced_change",
            obj=user,
            division_code=_division_code(user),
            data={"u": user.display_name, "r": reason},
        )
    else:
        audit.record(
            actor=user,
            action="security.password_change",
            obj=user,
            division_code=_division_code(user),
            data={"u": user.display_name},
        )


def reset_password(user: User, password: str, *, actor) -> None:
    """The system administrator sets a new initial password (a forgotten one); its
    owner must change it at the next login."""
    require(actor, Cap.MANAGE_USERS)
    if user.pk == actor.pk:
        raise BusinessError(_("Change your own password on the password page."))
    with (
        refusals_audited(actor, user.username, user.organisation, user.roles),
        transaction.atomic(),
    ):
        locked = User.objects.select_for_update().get(pk=user.pk)
        protect_administrators(locked, actor)
        _check_password(password, locked)
        locked.must_change_password = True
        _store_new_password(locked, password)
        audit.record(
            actor=actor,
            action="user.password_reset",
            obj=locked,
            division_code=_division_code(locked),
            data={"a": actor.display_name, "u": locked.username},
        )


def dormant_since(now=None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.DORMANT_DAYS)


def is_dormant(user: User, now=None) -> bool:
    """No login (or, never logged in, no account opening) for ``DORMANT_DAYS``."""
    return (user.last_login or user.date_joined) < dormant_since(now)


def disable_dormant(now=None) -> list[str]:
    """Disable the active accounts without a login for ``DORMANT_DAYS`` (each audited);
    return their user names. Run daily (``jigai disable_dormant``); a login of a dormant
    account disables it as well."""
    cutoff = dormant_since(now)
    candidates = User.objects.filter(is_active=True).filter(
        models.Q(last_login__lt=cutoff) | models.Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
    disabled = []
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=pk)
            if user.is_active and is_dormant(user, now):
                _disable_dormant(user)
                disabled.append(user.username)
    return disabled


def _disable_dormant(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit.record(
        actor=None,
        actor_name=_("dormant-account rule"),
        action="security.dormant_disabled",
        obj=user,
        division_code=_division_code(user),
        data={"u": user.username, "n": settings.DORMANT_DAYS},
        before={"is_active": True},
        after={"is_active": False},
    )


# --------------------------------------------------------------------------- duties
def check_roles(roles: set[str], organisation: Organisation) -> None:
    """Refuse a set of roles that breaks a separation-of-duties rule or does not fit the
    organisation (``core.roles.INCOMPATIBLE`` and ``ALLOWED_PLACEMENT``)."""
    for rule in broken_duties(roles):
        a, b = rule.held_pair(roles)
        raise DutyRefused(
            _("The roles “%(a)s” and “%(b)s” cannot be combined: %(why)s.")
            % {"a": Role(a).label, "b": Role(b).label, "why": rule.duty.label},
            duty=rule.duty,
        )
    wrong = misplaced(roles, organisation)
    if wrong:
        raise DutyRefused(
            _("%(o)s (%(k)s) may not hold the role(s): %(r)s.")
            % {
                "o": organisation.name,
                "k": organisation.get_kind_display(),
                "r": "、".join(str(Role(r).label) for r in wrong),
            },
            duty=Duty.PLACEMENT,
            details=[_placement_text(r) for r in wrong],
        )


def _placement_text(role: str) -> str:
    placement = ALLOWED_PLACEMENT[role]
    kinds = "、".join(
        str(label) for value, label in Organisation.Kind.choices if value in placement.kinds
    )
    where = {
        "city": _("at city level"),
        "county": _("inside a county"),
        "any": _("anywhere"),
    }[placement.level]
    return _("%(r)s: %(k)s, %(w)s.") % {"r": Role(role).label, "k": kinds, "w": where}


def protect_administrators(target: User, actor) -> None:
    """Refuse a change to another administrator's account (deactivating, demoting, roles,
    password, organisation): the three administrators check each other, so none of them
    can disable another; the break-glass path is the command line (``create_admin``)."""
    if target.roles & ADMIN_ROLES and target.pk != getattr(actor, "pk", None):
        raise DutyRefused(
            _(
                "The account of an administrator (system, security, audit) cannot be changed "
                "by another administrator; the break-glass path is the command line."
            ),
            duty=Duty.ADMIN_PROTECTED,
        )


@contextmanager
def refusals_audited(actor, username: str, organisation: Organisation, roles):
    """Write a refusal by a duty rule to the audit trail once the refused change rolled
    back (enter this before the change's ``transaction.atomic``)."""
    try:
        yield
    except DutyRefused as exc:
        audit.record_security_event(
            actor=actor,
            actor_name=None if actor is not None else _("command line"),
            action="user.refused",
            outcome=AuditEntry.Outcome.REFUSED,
            division_code=organisation.division.code,
            data={"u": username, "o": organisation.name, "r": sorted(roles), "why": exc.duty},
        )
        raise


def set_roles(user: User, roles: set[str], *, actor) -> None:
    """The security administrator grants and withdraws roles, within the separation of
    duties and the roles the account's organisation may hold."""
    require(actor, Cap.ASSIGN_ROLES)
    unknown = roles - set(Role.values)
    if unknown:
        raise BusinessError(_("Unknown role(s): %(r)s") % {"r": ", ".join(sorted(unknown))})
    with refusals_audited(actor, user.username, user.organisation, roles), transaction.atomic():
        locked = User.objects.select_for_update().select_related("organisation").get(pk=user.pk)
        check_roles(roles, locked.organisation)
        if locked.pk == actor.pk:
            raise BusinessError(_("Nobody may change their own roles."))
        protect_administrators(locked, actor)
        if roles & ADMIN_ROLES:
            raise DutyRefused(
                _("Administrator roles are given only from the command line (create_admin)."),
                duty=Duty.ADMIN_PROTECTED,
            )
        before = sorted(locked.role_assignments.values_list("role", flat=True))
        locked.role_assignments.exclude(role__in=roles).delete()
        for role in roles - set(before):
            RoleAssignment.objects.create(user=locked, role=role)
        after = sorted(roles)
        if before == after:
            raise BusinessError(_("Nothing to change."))
        audit.record(
            actor=actor,
            action="user.roles",
            obj=locked,
            division_code=_division_code(locked),
            data={"a": actor.display_name, "u": locked.username, "r": list(after)},
            before={"roles": before},
            after={"roles": after},
        )


def create_administrator(
    *, username: str, password: str, role: str, organisation: Organisation, name: str = ""
) -> User:
    """Bootstrap one of the three separated administrators from the command line
    (there is no built-in admin/admin); the break-glass path, audited."""
    if role not in ADMIN_ROLES:
        raise BusinessError(
            _("Only the system, security and audit administrators are created this way.")
        )
    with refusals_audited(None, username, organisation, {role}), transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise BusinessError(_("The user name “%(u)s” is taken.") % {"u": username})
        check_roles({role}, organisation)
        user = User(username=username, organisation=organisation, last_name=name)
        _check_password(password, user)
        user.set_password(password)
        user.save()
        RoleAssignment.objects.create(user=user, role=role)
        audit.record(
            actor=None,
            actor_name=_("command line"),
            action="user.create_admin",
            obj=user,
            division_code=_division_code(user),
            data={"u": username, "r": role},
            after={"username": username, "roles": [role]},
        )
    return user


ORGANISATION_FIELDS = ["name", "short_name", "kind", "division", "parent", "unified_credit_code"]


@transaction.atomic
def create_organisation(*, actor, **fields) -> Organisation:
    require(actor, Cap.MANAGE_ORGANISATIONS)
    org = Organisation(**fields)
    if org.parent_id and org.parent.division_id != org.division_id:
        raise BusinessError(_("A body and its parent must belong to the same division."))
    org.full_clean()
    org.save()
    audit.record(
        actor=actor,
        action="organisation.create",
        obj=org,
        division_code=org.division.code,
        data={"a": actor.display_name, "o": org.name},
        after=audit.model_snapshot(org, ORGANISATION_FIELDS),
    )
    return org
