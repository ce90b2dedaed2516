from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "jigai.projects"
    verbose_name = _("Retrofit projects")

    def ready(self):
        from jigai.projects import (
            audit_messages,  # noqa: F401 (registers the sentences)
            integrity,  # noqa: F401 (the ledgers checked by jigai verify)
        )
