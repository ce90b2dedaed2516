from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jigai.accounts"
    verbose_name = _("Organisations and people")

    def ready(self):
        from jigai.accounts import audit_messages  # noqa: F401 (registers the sentences)
