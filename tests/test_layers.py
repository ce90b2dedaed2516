"""The direction of dependencies (README, "Layout"): a package imports only packages on its
own layer or below, so no two apps import each other. Read from the source with ``ast``,
including imports inside functions and in migrations."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "jigai"

# lowest first; a module may import from its own layer and the layers below it
LAYERS = [
    {"money", "units"},
    {"engine"},
    {"surveytable"},
    {"stock"},
    {"core", "wsgi"},
    {"audit"},
    {"accounts"},
    {"jobs"},
    {"programmes"},
    {"buildings"},
    {"documents"},  # below projects: the workflow asks it what a transition still needs
    {"projects"},
    {"quality"},  # above projects: its lots are cut from a project's design
    {"dashboard"},
    {"demo"},
    {"settings", "conf", "urls", "cli"},  # the project's wiring sees everything
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _package(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "jigai":
                names = [f"jigai.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "jigai" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_package_has_a_layer():
    packages = {
        _package(p) for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] != "__init__.py"
    }
    assert packages - set(RANK) == set()


def test_no_import_runs_up_a_layer():
    upward = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "__init__.py" and path.parent == SRC:
            continue
        here = _package(path)
        for target in _imports(path) - {here}:
            if RANK[target] > RANK[here]:
                upward.append(f"{path.relative_to(SRC)} imports jigai.{target}")
    assert upward == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from jigai.projects.models import Project\n", encoding="utf-8")
    assert _imports(f) == {"projects"}
