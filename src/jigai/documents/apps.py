from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "jigai.documents"
    verbose_name = _("Documents and photos")

    def ready(self):
        from jigai.documents import audit_messages  # noqa: F401 (registers the sentences)
