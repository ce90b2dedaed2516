"""``jigai schedule``: the routines the task worker runs on its own (backup, anchor of the
audit chain, dormant accounts), their next slot and how their last run ended."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from jigai.jobs import schedule


class Command(BaseCommand):
    help = "List the scheduled routines, their next slot and their last run."

    def handle(self, *args, **options):
        rows = schedule.status()
        if not rows:
            self.stdout.write("no routine is switched on (SCHEDULE_* settings are empty)")
        for row in rows:
            last = row["last"]
            ended = (
                f"{timezone.localtime(last.slot):%Y-%m-%d %H:%M} {last.outcome}"
                + (f" — {last.message}" if last.message else "")
                if last
                else "never"
            )
            self.stdout.write(
                f"{row['routine']:<8} next {timezone.localtime(row['next']):%Y-%m-%d %H:%M}"
                f"   last {ended}"
            )
