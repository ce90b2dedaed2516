"""The audit sentences of logins, accounts, organisations and reference data
(registered by :class:`jigai.accounts.apps.AccountsConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import choice, choice_list, field_labels, register
from jigai.core.roles import Duty, Role


def model_name(label) -> str:
    """A model's label ("projects.Project") as its verbose name, in the reader's language."""
    from django.apps import apps

    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return str(label)


def scope_name(key) -> str:
    """A scope's sharing key as stored ("city", "county:3", "own:…") in words."""
    from jigai.accounts.models import Division

    kind, _sep, rest = str(key).partition(":")
    if kind == "city":
        return str(_("the whole city"))
    if kind == "county":
        division = Division.objects.filter(pk=rest).first()
        return division.name if division else str(key)
    return str(_("only their own records"))


register("security.login_locked", _("Login as “%(u)s” refused: the account is locked"))
register("security.lockout", _("Account “%(u)s” locked after %(n)d failed logins"))
register("security.login_failed", _("Failed login as “%(u)s” (%(n)d in a row)"))
register(
    "security.login_unknown",
    _(
        "Failed login as “%(u)s”, a name with no account (at most one such entry a minute per address)"
    ),
)
register("security.login", _("%(u)s logged in"))
register("security.logout", _("%(u)s logged out"))
register("security.unlock", _("%(a)s unlocked the account “%(u)s”"))
register("security.password_change", _("%(u)s changed their password"))
register(
    "security.password_forced_change",
    _("%(u)s changed their password as required (%(r)s)"),
    r=lambda r: str(
        {"first": _("first login or reset by an administrator"), "expired": _("expired")}.get(r, r)
    ),
)
register(
    "security.password_expired",
    _("%(u)s logged in with a password older than %(n)d days and must change it"),
)
register("user.password_reset", _("%(a)s set a new initial password for %(u)s"))
register(
    "security.dormant_disabled",
    _("The account %(u)s was disabled after %(n)d days without a login"),
)
register("security.otp_enrol", _("%(u)s set up an authenticator app (second factor)"))
register("security.otp_failed", _("%(u)s gave a wrong second-factor code"))
register(
    "security.recovery_code_used",
    _("%(u)s logged in with a recovery code (%(n)d left)"),
)
register("security.recovery_codes", _("%(u)s made %(n)d new recovery codes"))
register("security.otp_reset", _("%(a)s reset the second factor of %(u)s"))
register("user.create", _("%(a)s opened the account %(u)s for %(o)s"))
register("user.update", _("%(a)s changed %(f)s of %(u)s"), f=field_labels("accounts.User"))
register("user.roles", _("%(a)s set the roles of %(u)s to: %(r)s"), r=choice_list(Role))
register(
    "user.create_admin",
    _("Created the administrator %(u)s (%(r)s) from the command line"),
    r=choice(Role),
)
register(
    "user.refused",
    _("Change of the account %(u)s (%(o)s; roles: %(r)s) refused: %(why)s"),
    r=choice_list(Role),
    why=choice(Duty),
)
register(
    "access.refused",
    _("%(a)s (who sees %(s)s) was refused %(t)s #%(id)s (%(path)s)"),
    t=model_name,
    s=scope_name,
)
register("organisation.create", _("%(a)s registered the organisation %(o)s"))
register("reference.load", _("Loaded reference data of %(c)s: %(n)d record(s) created or changed"))
