"""Findings: what `check` reports, each anchored at a place in the user's files."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import Enum

# Categories that never print as themselves: controls (C0, DEL, C1), format characters
# (bidi overrides, zero-width joiners), surrogates, and the line/paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible_char(char: str) -> str:
    r"""`char`, or its Python-style escape when it would not print as itself.

    >>> visible_char("\x1b"), visible_char("\u202e"), visible_char("é")
    ('\\x1b', '\\u202e', 'é')
    """
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if unicodedata.category(char) not in INVISIBLE_CATEGORIES and code not in (0xFFFE, 0xFFFF):
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    r"""`text` as one terminal-safe line: every control, format (bidi) or separator
    character, and anything XML 1.0 cannot hold, shown as a visible escape.

    >>> printable("a\nb:1:1: error: x\x1b[2J")
    'a\\nb:1:1: error: x\\x1b[2J'
    """
    if text.isprintable():
        return text
    return "".join(visible_char(c) for c in text)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # what could not be checked, and why: never fails a run, not even --strict


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

    @property
    def is_warning(self) -> bool:
        return self.severity is Severity.WARNING

    @property
    def is_note(self) -> bool:
        return self.severity is Severity.NOTE

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.severity.value, self.message)

    def render(self) -> str:
        """The compiler-style line people and editors understand: always one line, with
        any control or bidi character in the file name or message shown escaped.

        >>> Finding(Severity.ERROR, "x", "bad", Location("a.yaml", 3, 5)).render()
        'a.yaml:3:5: error: bad'
        """
        return printable(f"{self.location}: {self.severity.value}: {self.message}")


def error(code: str, message: str, location: Location, *related: Location) -> Finding:
    return Finding(Severity.ERROR, code, message, location, tuple(related))


def warning(code: str, message: str, location: Location, *related: Location) -> Finding:
    return Finding(Severity.WARNING, code, message, location, tuple(related))


def note(code: str, message: str, location: Location, *related: Location) -> Finding:
    return Finding(Severity.NOTE, code, message, location, tuple(related))


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
