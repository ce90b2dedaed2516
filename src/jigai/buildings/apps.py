from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BuildingsConfig(AppConfig):
    name = "jigai.buildings"
    verbose_name = _("Building survey")

    def ready(self):
        from jigai.buildings import audit_messages  # noqa: F401 (registers the sentences)
