from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "jigai.quality"
    verbose_name = _("Quality and acceptance")

    def ready(self):
        from jigai.projects.workflow import register_acceptance_check
        from jigai.quality import audit_messages  # noqa: F401 (registers the sentences)
        from jigai.quality.services import acceptance_problems

        register_acceptance_check(acceptance_problems)
