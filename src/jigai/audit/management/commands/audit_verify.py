"""``jigai audit_verify``: the former name of ``jigai verify``."""

from jigai.audit.management.commands.verify import Command as VerifyCommand


class Command(VerifyCommand):
    help = "Same as `jigai verify` (its former name)."
