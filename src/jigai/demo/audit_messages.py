"""The audit sentence of loading the demo (registered by :class:`jigai.demo.apps.DemoConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import register

register("demo.load", _("Loaded the demo: %(n)d demo accounts"))
