"""FortiOS configuration text as a tree, read (`fortios_parse.parse`) and printed back
(`render`) as FortiOS prints it.

One parser for the deploy logic (`configs.fortios`) and the simulator (`netorch.sim`):
`show` / `show full-configuration` output and netorch's own rendered scripts, complete:
every table, nested `config` blocks (`config ipv6` inside an interface entry; at most
`fortios_parse.MAX_DEPTH` open at once), VDOM mode (`config vdom` / `edit root` ...
`next` / `end` and `config global`), values spanning lines (`set certificate
"-----BEGIN ...` up to the closing quote), the `#config-version=` header comments and
`unset` lines. A line that does not fit (an
unknown verb, `end` without `config`, a block never closed) raises `ConfigParseError`
with its line number: nothing is dropped silently.

A node keeps the order its lines came in (`layout`), so `render(parse(text))` gives the
text back line for line. In VDOM mode FortiOS prints the blocks inside `config vdom` /
`config global` without indenting them, and lists the VDOMs once (`edit root` / `next`)
before `config global`; `render` does the same (fotoobo's "FortiGate configuration
structure" notes show both layouts).
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

FLAT = ("vdom", "global")  # root blocks whose contents FortiOS prints unindented
NO_LINE = "\x00"  # a block that came without its closing line


@dataclass
class Node:
    """A `config` table or an `edit` entry: settings, sub-tables and entries, in order.

    `layout` lists ("set" | "unset" | "config" | "edit" | "#", key) as the lines came;
    items it does not list (added later) print after it. `shown` is an entry's name as
    `edit` printed it (quoted or not); `raw` keeps each parsed line as it was (a `set`:
    the line and its value then; a block: its opening and closing lines), so a simulator
    prints FortiOS's own odd indentation and trailing blanks back unchanged."""

    settings: dict[str, str] = field(default_factory=dict)
    tables: dict[str, Node] = field(default_factory=dict)
    entries: dict[str, Node] = field(default_factory=dict)
    unsets: set[str] = field(default_factory=set)
    layout: list[tuple[str, str]] = field(default_factory=list)
    shown: str = ""
    raw: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict, repr=False)
    segments: list[list[str]] = field(default_factory=list, repr=False)

    def table(self, path: str) -> Node:
        """The sub-table `path`, created if missing (unlisted: printed while not empty)."""
        return self.tables.setdefault(path, Node())

    def entry(self, name: str, shown: str = "") -> Node:
        """The entry `name`, created (and laid out) if missing."""
        if name not in self.entries:
            self.entries[name] = Node(shown=shown or quote(name))
            self.layout.append(("edit", name))
        return self.entries[name]

    def put(self, key: str, value: str) -> None:
        if key not in self.settings:
            self.layout.append(("set", key))
        self.settings[key] = value
        self.unsets.discard(key)

    def words(self, key: str) -> list[str]:
        """A setting's value as words, quotes removed (`set member "a" "b"` -> a, b)."""
        return split(self.settings.get(key, ""))


def quote(name: str) -> str:
    """An entry name as FortiOS prints it after `edit`.

    >>> quote("1000000001"), quote('port1'), quote('say "hi"')
    ('1000000001', '"port1"', '"say \\\\"hi\\\\""')
    """
    if name.isdigit():
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def split(text: str) -> list[str]:
    """Words of a line, FortiOS quoting (double quotes, backslash escapes) removed."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split, lexer.quotes, lexer.escapedquotes = True, '"', '"'
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return text.split()


def render(node: Node, *, raw: bool = False) -> list[str]:
    """The lines of a whole configuration, as FortiOS prints it; with `raw`, each line
    parsed and not changed since exactly as it came."""
    return list(_body(node, _Style(0, flat=False, root=True, raw=raw)))


@dataclass(frozen=True)
class _Style:
    depth: int
    flat: bool  # entries' contents unindented (inside `config vdom`)
    root: bool
    raw: bool

    def inner(self, depth: int, flat: bool = False) -> _Style:
        return _Style(depth, flat, False, self.raw)


def _body(node: Node, style: _Style) -> Iterator[str]:
    left = Counter(key for kind, key in node.layout if kind == "config")
    seen: set[tuple[str, str]] = set()
    vdoms = 0
    for kind, key in [*node.layout, *_unlisted(node)]:
        if kind == "config":
            left[key] -= 1
        if style.root and (kind, key) == ("config", "vdom") and key in node.tables:
            yield from _vdoms(node.tables[key], vdoms, vdoms + left[key] + 1, style)
            vdoms += 1
            continue
        if (kind, key) in seen and kind != "#":
            continue
        seen.add((kind, key))
        yield from _item(node, kind, key, style, listed=left[key] > -1)


def _vdoms(table: Node, index: int, count: int, style: _Style) -> Iterator[str]:
    """The `index`-th of `count` `config vdom` blocks: FortiOS lists every VDOM first
    (`edit root` / `next`), then prints their configuration in one block (7.x) or one
    block per VDOM (6.2)."""
    segments = table.segments or [[]]
    names = segments[index] if index < len(segments) else []
    if index == count - 1:  # the last block also holds VDOMs added since
        names += [n for n in table.entries if not any(n in seg for seg in segments[1:])
                  and (count == 1 or n not in names)]
    if index == 0 and count > 1:
        yield "config vdom"
        yield from (line for n in names if n in table.entries
                    for line in (f"edit {table.entries[n].shown}", "next"))
        yield "end"
        return
    inner = _Style(0, flat=True, root=False, raw=style.raw)
    yield "config vdom"
    for name in dict.fromkeys(names):
        yield from _item(table, "edit", name, inner, listed=True)
    yield "end"


def _item(node: Node, kind: str, key: str, style: _Style, *, listed: bool) -> Iterator[str]:
    pad = "    " * style.depth
    raw = node.raw.get((kind, key)) if style.raw else None
    if kind == "was" and style.raw:
        yield key
    elif kind == "#" and (key or style.raw):
        yield raw[0] if raw else pad + key
    elif kind == "set" and key in node.settings:
        same = raw is not None and raw[1] == node.settings[key]
        yield raw[0] if raw and same else f"{pad}set {key} {node.settings[key]}"
    elif kind == "unset" and key in node.unsets and key not in node.settings:
        yield raw[0] if raw else f"{pad}unset {key}"
    elif kind == "config" and key in node.tables and (listed or not empty(node.tables[key])):
        inner = style.root and key in FLAT
        yield raw[0] if raw else f"{pad}config {key}"
        yield from _body(node.tables[key], style.inner(style.depth + (not inner), inner))
        yield from _closing(raw, f"{pad}end")
    elif kind == "edit" and key in node.entries:
        entry = node.entries[key]
        yield raw[0] if raw else f"{pad}edit {entry.shown or quote(key)}"
        yield from _body(entry, style.inner(style.depth + (not style.flat)))
        yield from _closing(raw, f"{pad}next")


def _closing(raw: tuple[str, str] | None, line: str) -> Iterator[str]:
    if raw is None or not raw[1]:
        yield line
    elif raw[1] != NO_LINE:
        yield raw[1]


def _unlisted(node: Node) -> list[tuple[str, str]]:
    listed = set(node.layout)
    items = [("set", k) for k in node.settings] + [("unset", k) for k in sorted(node.unsets)]
    items += [("config", k) for k in node.tables] + [("edit", k) for k in node.entries]
    return [item for item in items if item not in listed]


def empty(node: Node) -> bool:
    """A table with nothing in it (FortiOS does not print it)."""
    return not node.settings and not node.entries and not node.unsets and \
        all(empty(t) for t in node.tables.values())
