from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _

RETENTION_FLOOR_DAYS = 184  # 等保 2.0: audit records kept at least six months


class AuditConfig(AppConfig):
    name = "jigai.audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from jigai.audit import audit_messages  # noqa: F401 (registers the sentences)

        checks.register(retention_check)


def retention_check(app_configs=None, **kwargs):
    """Refuse to start with an audit retention below the floor (the setting's own reader
    already refuses the environment variable; this catches a settings module too)."""
    days = getattr(settings, "AUDIT_RETENTION_DAYS", RETENTION_FLOOR_DAYS)
    if not isinstance(days, int) or days < RETENTION_FLOOR_DAYS:
        return [
            checks.Error(
                f"AUDIT_RETENTION_DAYS={days!r} is below the minimum of "
                f"{RETENTION_FLOOR_DAYS} days.",
                id="jigai.audit.E001",
            )
        ]
    return []
