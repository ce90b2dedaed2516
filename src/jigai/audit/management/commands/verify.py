"""``jigai verify``: the audit chain, its anchors and the ledgers against their audit entries.

Prints what was checked and how long it took; exits non-zero on any finding. The check is
recorded in the trail, and when nothing was found the head is anchored
(``AUDIT_ANCHOR_DIR``). ``--export FILE`` checks an audit export's signature instead."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jigai.audit import oversight


class Command(BaseCommand):
    help = (
        "Verify the audit trail's keyed chain, its anchors and the ledgers against their "
        "audit entries; exit non-zero on any finding."
    )

    def add_arguments(self, parser):
        parser.add_argument("--export", type=Path, help="check a signed audit export (zip)")

    def handle(self, *args, export=None, **options):
        if export is not None:
            return self._check_export(export)
        result = oversight.verify_and_record(actor_name="jigai verify")
        figures = result.figures()
        chain = result.chain
        if chain.ok:
            self.stdout.write(f"audit chain intact: {chain.checked} entries verified")
        else:
            self.stdout.write(
                f"audit chain BROKEN at entry #{chain.first_broken_seq}: {chain.problem} "
                f"({chain.checked} entries verified before it)"
            )
        self.stdout.write(
            f"entries checked: {figures['n']}; anchors checked: {figures['k']}; "
            f"ledger rows checked: {figures['l']}; time: {result.seconds:.2f} s"
        )
        for finding in result.findings:
            self.stdout.write(f"FINDING: {finding}")
        if not result.ok:
            first = (
                f"audit chain BROKEN at entry #{chain.first_broken_seq}: {chain.problem}"
                if not chain.ok
                else result.findings[0]
            )
            raise CommandError(f"{len(result.findings)} finding(s); {first}")
        self.stdout.write("no findings; head anchored")

    def _check_export(self, path: Path) -> None:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        problems = oversight.check_export(content)
        if problems:
            raise CommandError(f"{path.name}: " + "; ".join(problems))
        self.stdout.write(f"{path.name}: signature and content as exported")
