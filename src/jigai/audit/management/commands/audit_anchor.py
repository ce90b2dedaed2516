"""``jigai audit_anchor``: append the audit chain's signed head to the anchor file (run by a
timer, see docs/deploy.md)."""

from django.core.management.base import BaseCommand

from jigai.audit.anchors import anchor_file, write_anchor


class Command(BaseCommand):
    help = "Append the audit chain's signed head to the anchor file (AUDIT_ANCHOR_DIR)."

    def handle(self, *args, **options):
        anchor = write_anchor()
        if anchor is None:
            self.stdout.write(f"head already anchored (or the trail is empty): {anchor_file()}")
        else:
            self.stdout.write(f"anchored entry #{anchor.seq} {anchor.hash} in {anchor_file()}")
