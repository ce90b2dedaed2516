"""The audit sentences of background jobs (registered by :class:`jigai.jobs.apps.JobsConfig`)."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import register
from jigai.jobs.services import last_sign_of_life, step_label

register(
    "job.lost",
    _(
        "Job %(j)s marked failed: its worker stopped during the step “%(s)s” (no sign of "
        "life since %(t)s)"
    ),
    s=step_label,
    t=lambda iso: last_sign_of_life(datetime.fromisoformat(iso)),
)
register("job.retry", _("Retried job %(j)s"))
