from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The Yangquan demo: accounts for every role and a synthetic survey (``jigai demo``).
    It sits above every other app and nothing imports it."""

    name = "jigai.demo"
    verbose_name = _("Demo")

    def ready(self):
        from jigai.demo import audit_messages  # noqa: F401 (registers the sentences)
