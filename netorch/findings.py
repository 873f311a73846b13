"""Findings: what `check` reports, each anchored at a place in the user's files."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based line and column in one file (line 0 means "the whole file")."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One problem in an inventory: a stable rule code, a message and where it is."""

    severity: Severity
    code: str
    message: str
    location: Location
    related: tuple[Location, ...] = field(default=())

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.severity.value, self.message)

    def render(self) -> str:
        """The compiler-style line people and editors understand.

        >>> Finding(Severity.ERROR, "x", "bad", Location("a.yaml", 3, 5)).render()
        'a.yaml:3:5: error: bad'
        """
        return f"{self.location}: {self.severity.value}: {self.message}"


def error(code: str, message: str, location: Location, *related: Location) -> Finding:
    return Finding(Severity.ERROR, code, message, location, tuple(related))


def warning(code: str, message: str, location: Location, *related: Location) -> Finding:
    return Finding(Severity.WARNING, code, message, location, tuple(related))


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Sorted by place, then severity and message; exact duplicates removed."""
    unique = {(f.sort_key(), f.code): f for f in findings}
    return [unique[k] for k in sorted(unique)]


class InventoryError(Exception):
    """The inventory could not be turned into a model; `findings` says why."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = sort_findings(findings)
        first = self.findings[0].render() if self.findings else "invalid inventory"
        more = len(self.findings) - 1
        super().__init__(first + (f" (and {more} more)" if more > 0 else ""))
