from django.core.management.base import BaseCommand, CommandError

from jigai.programmes.services import ProgrammeFileError, load_programme, parse_programme_file


class Command(BaseCommand):
    help = "Load a programme year from a YAML file (see programmes/data/yangquan-2023.yaml)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--check", action="store_true", help="validate only, write nothing")

    def handle(self, *args, file, check, **options):
        try:
            spec = parse_programme_file(file)
            if check:
                self.stdout.write(f"{file}: valid ({len(spec.targets)} task-table cells)")
                return
            programme = load_programme(spec, actor_name="command line")
        except ProgrammeFileError as exc:
            raise CommandError(
                "\n".join([exc.message, *("  - " + d for d in exc.details)])
            ) from exc
        self.stdout.write(f"loaded {programme} ({len(spec.targets)} task-table cells)")
