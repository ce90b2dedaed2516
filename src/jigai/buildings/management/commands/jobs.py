"""``jigai jobs``: list recent jobs with each step's progress, or retry a failed one."""

from django.core.management.base import BaseCommand, CommandError

from jigai.accounts.models import User
from jigai.core.errors import BusinessError
from jigai.jobs import services


class Command(BaseCommand):
    help = "List recent jobs (imports, screening, assessment) or retry a failed one."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--retry", type=int, default=0, help="id of a failed import job")
        parser.add_argument("--kind", choices=["import", "screen", "assess"], default="import")
        parser.add_argument("--user", default="", help="user name acting (for --retry)")

    def handle(self, *args, limit, retry, kind, user, **options):
        from jigai.buildings.models import ImportJob, Job

        model = ImportJob if kind == "import" else Job
        if retry:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"--retry needs --user: no active user {user!r}")
            job = model.objects.for_user(actor).filter(pk=retry).first()
            if job is None:
                raise CommandError(f"no {kind} job {retry} that {user} may see")
            try:
                services.retry(job, actor=actor)
            except BusinessError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"queued {kind} job {retry} again")
            return
        services.sweep_stale()
        qs = model.objects.all() if kind == "import" else model.objects.filter(kind=kind)
        for job in qs.order_by("-pk")[:limit]:
            steps = " ".join(f"{s['key']} {s['done']}/{s['total']}" for s in job.steps)
            self.stdout.write(f"{job.pk:>6} {job.status:<9} {job} {steps} {job.reason}".rstrip())
