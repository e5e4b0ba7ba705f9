"""The exceptions netcover raises.

Every class subclasses :class:`NetcoverError` and the builtin it resembles, so callers can catch
``netcover.errors.InputError`` or plain ``ValueError`` alike (the habit of rasterio's ``errors``).
Messages name the file, the row or feature, the field and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "CRSError", "DataFileError", "InputError", "ModelError", "NetcoverError", "OutputError", "Problem",
    "ScenarioError", "ValidationError", "format_problems",
]


class NetcoverError(Exception):
    """Base class of every error netcover raises on purpose."""


class InputError(NetcoverError, ValueError):
    """An input file or value is wrong: its content, not its presence."""


class DataFileError(NetcoverError, OSError):
    """An input file is missing, empty or cannot be read."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or unusable."""


class ScenarioError(InputError):
    """A scenario file is malformed: unknown keys, wrong types, bad values."""


class ModelError(NetcoverError, ValueError):
    """A model was asked for something outside its domain (frequency, distance, heights)."""


class OutputError(NetcoverError, OSError):
    """An output could not be written."""


@dataclass(frozen=True)
class Problem:
    """One finding of input validation.

    Attributes
    ----------
    source : str
        File (or scenario key) the problem is in.
    message : str
        What is wrong and what to do about it.
    where : str
        Row, feature or cell, when the problem is local ("row 12", "feature 3"); empty otherwise.
    field : str
        Column or key concerned; empty when the problem is about the whole file.
    severity : {"error", "warning"}
        Errors stop a run; warnings are reported and the run goes on.
    """

    source: str
    message: str
    where: str = ""
    field: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        parts = [self.source]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(f"field {self.field!r}")
        return f"{self.severity}: {', '.join(parts)}: {self.message}"


class ValidationError(InputError):
    """Validation found one or more errors; all of them are in :attr:`problems`."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"{len(errors)} input problem(s) found"
        first = f"; first: {errors[0]}" if errors else ""
        super().__init__(head + first)

    def report(self) -> str:
        """All problems, one per line, errors first."""
        return format_problems(self.problems)


def format_problems(problems: Iterable[Problem]) -> str:
    """Format problems one per line, errors before warnings, in input order otherwise."""
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    return "\n".join(str(p) for p in ordered)
