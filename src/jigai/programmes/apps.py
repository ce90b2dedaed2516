from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "jigai.programmes"
    verbose_name = _("Programme years")

    def ready(self):
        from jigai.programmes import audit_messages  # noqa: F401 (registers the sentences)
