from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jigai.jobs"
    verbose_name = _("jobs")

    def ready(self):
        from jigai.jobs import audit_messages  # noqa: F401 (registers the sentences)
