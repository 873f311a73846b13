"""Junos `display set` text: statements as full paths, and the names netorch owns in it.

`entries` reads a config as `show configuration | display set` prints it: `set`
statements (kept without `set `) and `deactivate PATH` / `protect PATH` lines (kept
with their verb), spacing and quoting normalised as Junos prints them, so a rendered
config and the device's own output compare statement by statement. `root` tells which
netorch object a statement belongs to (the ownership rules: `config`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from netorch.platforms.juniper_junos import PLATFORM
from netorch.platforms.juniper_junos.groups import inherited, origin

MASK = "<secret>"
PREFIX = PLATFORM.owned["prefix"]  # netorch's names: "netorch-..."
MARKER = PLATFORM.owned["marker"]  # st0 unit descriptions start with it and a colon
STATIC_TAG = PLATFORM.owned["static_tag"]  # on every static route netorch renders
_OBJECT = re.compile("(?:" + "|".join((
    rf"security (?:ike (?:proposal|policy|gateway)|ipsec (?:proposal|policy|vpn)|pki ca-profile)"
    rf" {PREFIX}-\S+",
    rf"security zones security-zone {PREFIX}-\S+",
    rf"security policies from-zone \S+ to-zone \S+ policy {PREFIX}-\S+",
    rf"security address-book global address(?:-set)? {PREFIX}-\S+",
    rf"policy-options (?:policy-statement|route-filter-list) {PREFIX}-\S+",
    rf"applications (?:application|application-set) {PREFIX}-\S+",
    rf"protocols bgp group {PREFIX}")) + r")(?= |$)")
UNIT = re.compile(r"interfaces st0 unit (\d+)(?= |$)")
ROUTE = re.compile(r"routing-options static route (\S+)(?= |$)")
_MARKED = re.compile(rf'interfaces st0 unit (\d+) description "?{MARKER}:')
KEY = re.compile(r"(?P<path>.* pre-shared-key) (?P<form>ascii-text|hexadecimal) (?P<value>.+)$")
_WORD = re.compile(r'"(?:[^"\\]|\\.)*"?|\S+')
DIRECTIVES = ("deactivate ", "protect ")


def _canonical(word: str) -> str:
    """A word as Junos prints it: double-quoted when it holds a space or syntax.

    >>> _canonical('"a b"'), _canonical('"plain"'), _canonical('a;b')
    ('"a b"', 'plain', '"a;b"')
    """
    if word.startswith('"'):
        word = re.sub(r"\\(.)", r"\1", word[1:-1] if word.endswith('"') else word[1:])
    if word and not re.search(r'[\s";{}#\\]', word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def entries(text: str) -> list[str]:
    """The `set` statements (without `set `) and `deactivate`/`protect` lines of a
    `display set` config, in order, spacing and quoting normalised."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        verb, _, rest = line.partition(" ")
        if verb in ("set", "deactivate", "protect") and rest.strip():
            words = " ".join(_canonical(w) for w in _WORD.findall(rest))
            out.append(words if verb == "set" else f"{verb} {words}")
    return out


def statements(text: str) -> list[str]:
    """The `set` statements of a config, without `set `, normalised."""
    return [e for e in entries(text) if not e.startswith(DIRECTIVES)]


def lines(text: str) -> list[str]:
    """Every statement of a `display set` config as one full path, keys masked.

    >>> lines('set a b "x y"\\ndeactivate a b\\nset p pre-shared-key ascii-text "$9$z"\\n')
    ['a b "x y"', 'deactivate a b', 'p pre-shared-key ascii-text <secret>']
    """
    return [mask(e) for e in entries(text)]


def mask(statement: str, placeholder: str = MASK) -> str:
    """A statement with its key value replaced.

    >>> mask('security ike policy p pre-shared-key ascii-text "$9$abc"')
    'security ike policy p pre-shared-key ascii-text <secret>'
    """
    m = KEY.match(statement)
    return f"{m['path']} {m['form']} {placeholder}" if m else statement


def containers(lines: list[str]) -> set[str]:
    """Every statement prefix that has a statement below it (a container with children).

    >>> sorted(containers(["a b c"]))
    ['a', 'a b']
    """
    out: set[str] = set()
    for line in lines:
        words = line.split(" ")
        out.update(" ".join(words[:end]) for end in range(1, len(words)))
    return out


def root(statement: str, units: set[str] | None = None,
         routes: set[str] | None = None) -> str | None:
    """The netorch object a statement belongs to, or None (the operator's or shared).
    `units` / `routes`: the st0 units and static routes that are netorch's (None: any).

    >>> root("security ike gateway netorch-st0-1000 address 192.0.2.1")
    'security ike gateway netorch-st0-1000'
    >>> root("security ike gateway aws-1 address 192.0.2.1") is None
    True
    """
    for pattern, mine in ((_OBJECT, None), (UNIT, units), (ROUTE, routes)):
        m = pattern.match(statement)
        if m and (mine is None or (m.lastindex and m[1] in mine)):
            return m[0]
    return None


@dataclass
class Running:
    """A running config, read once: its statements, inactive paths, netorch's parts, and
    the statements it inherits from its groups (`inherited`; `effective` is both)."""

    statements: list[str]
    inactive: list[str]
    units: set[str] = field(default_factory=set)
    routes: set[str] = field(default_factory=set)
    inherited: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Running:
        everything = entries(text)
        said = [e for e in everything if not e.startswith(DIRECTIVES)]
        inactive = [e.split(" ", 1)[1] for e in everything if e.startswith("deactivate ")]
        units = {m[1] for s in said if (m := _MARKED.match(s))}
        routes = {m[1] for s in said if (m := ROUTE.match(s)) and s == f"{m[0]} tag {STATIC_TAG}"}
        return cls(said, inactive, units, routes, inherited(said, inactive))

    @cached_property
    def index(self) -> set[str]:
        return set(self.statements)

    @cached_property
    def parents(self) -> set[str]:
        return containers(self.statements)

    @cached_property
    def effective(self) -> list[str]:
        """What the device runs by: its statements and those its groups give it."""
        return self.statements + self.inherited

    @cached_property
    def _effective_paths(self) -> set[str]:
        return set(self.effective) | containers(self.effective)

    def has(self, path: str) -> bool:
        """Whether the device has `path`, said or inherited, as a statement or container."""
        return path in self._effective_paths

    def source(self, statement: str) -> str:
        """Where the config says `statement` (or a container): there, or in a group.

        >>> Running.parse("set groups G system ntp server 192.0.2.1").source("system ntp")
        'groups G system ntp'
        """
        if statement in self.index or statement in self.parents:
            return statement
        for said in self.statements:
            words = said.split(" ", 2)
            if words[0] == "groups" and len(words) == 3 and (
                    found := origin(words[2], statement)) is not None:
                return f"groups {words[1]} {found}"
        return statement

    def active(self, statement: str) -> bool:
        """Whether no `deactivate` takes `statement` out of effect."""
        return not any(statement == p or statement.startswith(p + " ") for p in self.inactive)

    def root(self, statement: str) -> str | None:
        return root(statement, self.units, self.routes)

    def mine(self) -> list[str]:
        return [s for s in self.statements if self.root(s)]

    def values(self, path: str) -> list[str]:
        """The values of a single-valued statement, e.g. the autonomous-system: those the
        config says itself, else those it inherits (they count only then)."""
        for source in (self.statements, self.inherited):
            found = [s[len(path) + 1:].split(" ")[0] for s in source
                     if s.startswith(path + " ")]
            if found:
                return found
        return []
