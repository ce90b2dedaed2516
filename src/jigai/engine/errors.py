"""Errors raised by the engine for bad input.

Every error names the offending field (a JSON-pointer-like path such as
``before.elements[3].area``) or the file and line, so that the platform and the CLI
can show the user exactly what to fix.
"""

from __future__ import annotations


class EngineInputError(ValueError):
    """Bad input: names the field (or file:line) and says what is wrong.

    Attributes
    ----------
    field : str
        Where the problem is, e.g. ``"before.elements[2].area"`` or ``"weather.epw:17"``.
    message : str
        What is wrong, in plain words.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class ClimateNotFoundError(EngineInputError):
    """A climate (city, station) is not in the table."""
