"""The simulated Junos configuration database: reading real configs, showing and comparing them.

`parse` reads a complete configuration as a device or an operator keeps it, in either
format Junos prints:

- `show configuration | display set`: `set` statements, `deactivate PATH` (inactive
  statements) and `protect PATH` lines, quoted values, `#` comments;
- curly braces (`show configuration`): nested `name { ... }` blocks, `leaf value;`,
  `[ a b ]` lists (one statement per element, as `display set` prints them), quoted
  strings with spaces, `inactive:` / `protect:` prefixes (and `replace:` from load
  files), `/* annotations */`, `## Last commit` and other `#` comments (also trailing,
  e.g. `## SECRET-DATA`), `apply-groups`, and an empty block or `name;` as a bare
  statement.

An `inactive:` one-liner (`inactive: route 10.0.0.0/8 next-hop 192.0.2.1;`) is
deactivated as written: without Junos's schema the simulator cannot tell where the
identifier ends (Junos itself prints `deactivate ... route 10.0.0.0/8`).

Both give the entries the simulator keeps: `set` statements without `set `, and
`deactivate PATH` / `protect PATH` entries, in the order `display set` prints them (a
block's `deactivate` after its statements). Anything it cannot read raises
`ConfigParseError` with the line number: a configuration is never loaded in part.

The simulator keeps its own reader rather than netorch's (netorch/platforms/juniper_junos/config.py)
so that the device netorch is tested against does not share netorch's mistakes.

Syntax followed: Juniper's "show | display set" and "deactivate" references (a
`deactivate` line follows the statements it makes inactive) and the CLI User Guide's
configuration-file format.
"""

from __future__ import annotations

import base64
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from netorch.deploy.change import ConfigParseError
from netorch.platforms.juniper_junos.sim_order import moved

_TOKEN = re.compile(r'(?P<space>[ \t\r\f\v]+)|(?P<nl>\n)|(?P<note>/\*.*?\*/)|(?P<comment>#[^\n]*)'
                    r'|(?P<string>"(?:[^"\\]|\\.)*")|(?P<punct>[{};\[\]])'
                    r'|(?P<word>[^\s{};\[\]"#][^\s{};\[\]"]*)|(?P<bad>.)', re.S)
_BANNER = re.compile(r"\{(master|backup|primary|secondary|linecard|hold)(:[\w-]+)?\}")
_DIRECTIVES = ("deactivate", "protect")
_PREFIXES = {"inactive:": "deactivate", "protect:": "protect", "replace:": ""}


def parse(text: str) -> list[str]:
    """The entries of a configuration in `display set` or curly format.

    >>> parse('system { host-name "r 1"; }\\ninactive: snmp { community x; }\\n')
    ['system host-name "r 1"', 'snmp community x', 'deactivate snmp']
    >>> parse("set system host-name r1\\ndeactivate system host-name\\n")
    ['system host-name r1', 'deactivate system host-name']
    """
    first = next((ln.strip() for ln in text.splitlines() if _significant(ln.strip())), "")
    if first.split(" ", 1)[0] in ("set", *_DIRECTIVES):
        return _set_format(text)
    return _Curly(text).run()


def _significant(line: str) -> bool:
    return bool(line) and not line.startswith("#") and not _BANNER.fullmatch(line)


def _set_format(text: str) -> list[str]:
    out: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not _significant(line):
            continue
        verb, _, rest = line.partition(" ")
        words = _words(rest, lineno, raw)
        if verb not in ("set", *_DIRECTIVES) or not words:
            raise ConfigParseError(lineno, "not a set, deactivate or protect statement", raw)
        for statement in _expand(words, lineno, raw):
            out.append(statement if verb == "set" else f"{verb} {statement}")
    return out


def _words(rest: str, lineno: int, raw: str) -> list[str]:
    """The words of one `set` line (a trailing `#` comment dropped)."""
    words: list[str] = []
    for m in _TOKEN.finditer(rest):
        kind = m.lastgroup
        if kind == "comment":
            break
        if kind in ("bad", "nl", "note") or (kind == "punct" and m[0] not in "[]"):
            raise ConfigParseError(lineno, f"unexpected {m[0]!r}", raw)
        if kind in ("string", "word", "punct"):
            words.append(m[0])
    return words


def _expand(words: list[str], lineno: int, raw: str) -> list[str]:
    """`a [ x y ] b` as `a x b` and `a y b` (a list, one statement per element)."""
    parts: list[list[str]] = []
    group: list[str] | None = None
    for word in words:
        if word == "[" and group is None:
            group = []
        elif word == "]" and group:
            parts.append(group)
            group = None
        elif word in "[]":
            raise ConfigParseError(lineno, "unbalanced [ ]", raw)
        elif group is not None:
            group.append(word)
        else:
            parts.append([word])
    if group is not None:
        raise ConfigParseError(lineno, "unclosed [", raw)
    return [" ".join(p) for p in itertools.product(*parts)]


@dataclass
class _Block:
    path: list[str]
    flags: list[str]
    lineno: int
    children: int = 0


@dataclass
class _Curly:
    """One pass over the tokens of a curly-format config."""

    text: str
    out: list[str] = field(default_factory=list)
    stack: list[_Block] = field(default_factory=lambda: [_Block([], [], 0)])
    words: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def run(self) -> list[str]:
        for lineno, kind, value in self._tokens():
            if kind == "punct" and value in "{};":
                self._end(value, lineno)
            elif kind == "word" and not self.words and value in _PREFIXES:
                self.flags.append(_PREFIXES[value])
            else:
                self.words.append(value)
        if self.words or len(self.stack) > 1:
            block = self.stack[-1]
            lineno = block.lineno if len(self.stack) > 1 else self.text.count("\n") + 1
            raise ConfigParseError(lineno, "unterminated statement or block", self._line(lineno))
        return self.out

    def _tokens(self) -> Iterator[tuple[int, str, str]]:
        lineno = 1
        for m in _TOKEN.finditer(self.text):
            kind = m.lastgroup or "bad"
            if kind == "bad":
                raise ConfigParseError(lineno, f"unexpected {m[0]!r}", self._line(lineno))
            if kind in ("string", "word", "punct"):
                yield lineno, kind, m[0]
            lineno += m[0].count("\n")

    def _line(self, lineno: int) -> str:
        lines = self.text.splitlines()
        return lines[lineno - 1] if 0 < lineno <= len(lines) else ""

    def _end(self, value: str, lineno: int) -> None:
        parent = self.stack[-1]
        words, flags = self.words, self.flags
        self.words, self.flags = [], []
        if value == "{" and words and "[" not in words:
            self.stack.append(_Block(parent.path + words, flags, lineno))
        elif value == ";" and words:
            for statement in _expand(parent.path + words, lineno, self._line(lineno)):
                self._emit(statement, flags)
        elif value == "}" and not words and len(self.stack) > 1:
            block = self.stack.pop()
            if not block.children:
                self.out.append(" ".join(block.path))
            self._emit(" ".join(block.path), block.flags, statement=False)
        else:
            raise ConfigParseError(lineno, f"unexpected {value!r}", self._line(lineno))

    def _emit(self, path: str, flags: list[str], *, statement: bool = True) -> None:
        if statement:
            self.out.append(path)
        self.out += [f"{flag} {path}" for flag in flags if flag]
        self.stack[-1].children += 1


def inactive(entries: list[str]) -> Iterator[str]:
    """The statements of `entries` that a `deactivate` leaves out of effect."""
    paths = [e.split(" ", 1)[1] for e in entries if e.startswith("deactivate ")]
    for entry in entries:
        if any(entry == p or entry.startswith(p + " ") for p in paths):
            yield entry


_KEY = re.compile(r'(?P<path>.* pre-shared-key ascii-text) "?(?P<value>[^"]*)"?$')


def encrypt(statement: str) -> str:
    """A key as Junos stores and shows it: `$9$`-obfuscated, salted (a key set twice shows
    two different strings); a value already in `$9$` form is taken as it is.

    >>> encrypt('security ike policy p pre-shared-key ascii-text "s3cret"').count("s3cret")
    0
    """
    m = _KEY.match(statement)
    if m is None or m["value"].startswith("$9$"):
        return statement
    salt = os.urandom(3)
    hidden = bytes(b ^ salt[i % 3] for i, b in enumerate(m["value"].encode()))
    token = base64.b64encode(salt + hidden, b"./").decode().rstrip("=")
    return f'{m["path"]} "$9${token}"'


def display_set(entries: list[str]) -> str:
    """`show configuration | display set`: a bare container statement (`set security
    zones security-zone trust`) is not shown once something is configured below it."""
    said = [e for e in entries if not e.startswith(_DIRECTIVES)]
    below = {ln.rsplit(" ", n)[0] for ln in said for n in range(1, ln.count(" ") + 1)}
    return "".join(f"{e}\n" if e.startswith(_DIRECTIVES) else f"set {e}\n"
                   for e in entries if e not in below)


def compare(active: list[str], candidate: list[str]) -> str:
    """A `show | compare` diff, grouped by hierarchy like Junos prints it; an element of
    an ordered list that changed place shows as removed and added."""
    removed = [ln for ln in active if ln not in candidate]
    added = [ln for ln in candidate if ln not in active]
    groups: dict[str, list[str]] = {}
    for sign, lines in (("-", removed), ("+", added)):
        for line in lines:
            verb, _, rest = line.partition(" ")
            words = (rest if verb in _DIRECTIVES else line).split()
            parent, leaf = " ".join(words[:-2]), " ".join(words[-2:])
            mark = "! inactive: " if verb == "deactivate" else ""
            groups.setdefault(parent, []).append(f"{sign}   {mark}{leaf};")
    for parent, names in moved(active, candidate).items():
        path, _, keyword = parent.rpartition(" ")
        for name in names:  # a term that changed place, shown leaving and arriving
            groups.setdefault(path, []).extend(
                f"{sign}   {keyword} {name} {{ ... }}" for sign in "-+")
    return "".join(f"[edit {p}]\n" + "\n".join(v) + "\n" for p, v in sorted(groups.items()))
