"""The ``jigai`` command.

Engine commands (``assess``, ``climate``) run without Django so that the engine
stays usable on a machine with only numpy; every other sub-command is a Django
management command of the platform (``jigai serve``, ``jigai demo``, ``jigai
audit_verify`` …).
"""

from __future__ import annotations

import os
import sys

ENGINE_COMMANDS = {"assess", "climate", "optimise", "stock"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in ("optimise", "stock"):
        from jigai.stock.cli import main as packages_main

        return packages_main(argv[1:])
    if len(argv) > 1 and argv[1] in ENGINE_COMMANDS:
        from jigai.engine.cli import main as engine_main

        return engine_main(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigai.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
