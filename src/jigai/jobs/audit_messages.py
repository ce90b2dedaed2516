"""The audit sentences of background jobs (registered by :class:`jigai.jobs.apps.JobsConfig`)."""

from django.utils.translation import gettext_lazy as _

from jigai.audit.messages import register

register("job.lost", _("Job %(j)s marked failed: %(r)s"))
register("job.retry", _("Retried job %(j)s"))
