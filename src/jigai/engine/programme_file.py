"""A programme year's file (YAML), read without Django.

The engine takes two things from it: the package rules (``policy.py``) and the climates of
the counties (``climate.py``). The platform loads the same file into its database
(``jigai.programmes.services``); the shipped file is data of that package, read here as a
file of the ``jigai`` distribution so that the engine imports nothing above it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from .errors import EngineInputError

SHIPPED = "programmes/data/yangquan-2023.yaml"

_CACHE: dict[str, Any] = {}


def read_yaml(path: str | Path, error: type[EngineInputError] = EngineInputError) -> Any:
    """The document of a YAML (or JSON) file; ``error`` naming the file when it is missing
    or not YAML."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise error(str(path), "no such file")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(str(path), f"not YAML/JSON: {exc}") from None


def shipped_programme() -> dict:
    """The document of the shipped 2023 Yangquan programme (cached; do not modify it)."""
    if SHIPPED not in _CACHE:
        import yaml

        _CACHE[SHIPPED] = yaml.safe_load(
            resources.files("jigai").joinpath(SHIPPED).read_text("utf-8")
        )
    return _CACHE[SHIPPED]
