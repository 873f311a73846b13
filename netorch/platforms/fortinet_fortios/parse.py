"""The FortiOS configuration reader: text into a `fortios_tree.Node`, complete or a
`ConfigParseError` naming the line (see `fortios_tree` for what it reads).

Linear in the input: a value over many lines is collected line by line, its quotes
scanned once; at most `MAX_DEPTH` blocks may be open at once (FortiOS nests a handful;
a deeper file is not a configuration, and printing it back would overflow the stack).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netorch.deploy.change import ConfigParseError
from netorch.platforms.fortinet_fortios.tree import NO_LINE, Node, split

MAX_DEPTH = 64  # `config` / `edit` blocks open at once
# the first line of a capture that kept the prompt and the command: `FG_VM-Demo $ show`
PROMPT_ECHO = re.compile(r"[\w.-]+ (\([\w.-]+\) )?[#$] (show|get)\b.*")


@dataclass
class _Quotes:
    """Whether a value read line by line ends inside a double-quoted string, so it goes
    on over the next line. Each line is scanned once (a value over n lines costs O(n)).
    A value that ends in a quote is complete even when its quotes do not pair (FortiOS
    prints `set service ""HTTPS" "HTTP"`), unless that quote is all there is.

    >>> [_Quotes.of(v) for v in ('"-----BEGIN', '"a \\\\" b"', '""A" "B"', '"')]
    [True, False, False, True]
    """

    inside: bool = False
    escaped: bool = False

    def feed(self, text: str) -> None:
        for char in text:
            if self.escaped:
                self.escaped = False
            elif char == "\\" and self.inside:
                self.escaped = True
            elif char == '"':
                self.inside = not self.inside

    @staticmethod
    def of(line: str) -> bool:
        quotes = _Quotes()
        quotes.feed(line)
        return quotes.open(line, first=True)

    def open(self, last: str, *, first: bool) -> bool:
        """Whether the value read so far (ending with the line `last`) goes on."""
        if last.endswith('"') and not (first and last == '"') and not last.endswith('\\"'):
            return False
        return self.inside


def quote_open(text: str) -> bool:
    """Whether a command typed so far (lines joined by newlines) ends inside a quoted
    value, so FortiOS waits for its next line (`set certificate "-----BEGIN ...`).

    >>> quote_open('set ca "-----BEGIN CERTIFICATE-----'), quote_open('set ca "a\\nb"')
    (True, False)
    """
    quotes = _Quotes()
    quotes.feed(text)
    return quotes.open(text.rsplit("\n", 1)[-1], first="\n" not in text)


@dataclass
class _Reader:
    """The parser's state: the open blocks, each (kind, node, line it opened on)."""

    lines: list[str]
    stack: list[tuple[str, Node, int]]
    index: int = 0

    def value(self, first: str, line: str) -> tuple[str, str]:
        """A `set` value and its raw text, continued over the next lines while a quote
        stays open."""
        start, quotes = self.index, _Quotes()
        quotes.feed(first)
        values, raws, last = [first], [line], first
        while quotes.open(last, first=len(values) == 1):
            if self.index >= len(self.lines):
                raise ConfigParseError(start, "a quoted value is never closed")
            last = self.lines[self.index]
            quotes.feed("\n" + last)
            values.append(last)
            raws.append(last)
            self.index += 1
        return "\n".join(values), "\n".join(raws)

    def push(self, kind: str, node: Node, number: int) -> None:
        """Open a block: `ConfigParseError` past `MAX_DEPTH` (FortiOS nests a few levels;
        a deeper file is not a configuration, and printing it would overflow the stack)."""
        if len(self.stack) > MAX_DEPTH:
            raise ConfigParseError(number, f"blocks nested deeper than {MAX_DEPTH}")
        self.stack.append((kind, node, number))


def parse(text: str) -> Node:
    """FortiOS configuration text into a tree; `ConfigParseError` on a line it cannot
    place."""
    root = Node()
    reader = _Reader(text.splitlines(), [("root", root, 0)])
    if reader.lines and PROMPT_ECHO.fullmatch(reader.lines[0]):
        reader.index = 1  # a capture that starts with the command that printed it
    while reader.index < len(reader.lines):
        reader.index += 1
        _line(reader, reader.lines[reader.index - 1], reader.index)
    if len(reader.stack) > 1:
        kind, _, opened = reader.stack[-1]
        raise ConfigParseError(opened, f"this {kind} block is never closed")
    return root


def _line(reader: _Reader, raw: str, number: int) -> None:
    kind, node, _ = reader.stack[-1]
    line = raw.strip()
    verb, _, rest = line.partition(" ")
    rest = rest.strip()
    if not line or line.startswith("#"):
        node.layout.append(("#", line))
        node.raw[("#", line)] = (raw, "")
    elif verb == "end" and kind == "edit" and len(reader.stack) == 3 and \
            reader.stack[1][1] is reader.stack[0][1].tables.get("vdom"):
        _vdom_end(reader, raw)  # FortiOS 6.2 closes a VDOM's block with `end` alone
    elif line.startswith("#"):
        node.layout.append(("#", line))
        node.raw[("#", line)] = (raw, "")
    elif verb == "config" and rest:
        table = _reopen(node, rest, raw)
        table.segments += [[]] if kind == "root" and rest == "vdom" else []
        reader.push("config", table, number)
    elif verb == "edit" and kind == "config" and len(split(rest)) == 1:
        reader.push("edit", node.entry(split(rest)[0], rest), number)
        node.segments[-1:] = [[*node.segments[-1], split(rest)[0]]] if node.segments else []
        node.raw[("edit", split(rest)[0])] = (raw, "")
    elif (verb, kind) in (("next", "edit"), ("end", "config")) and not rest:
        reader.stack.pop()
        _closed(reader.stack[-1][1], kind, raw)
    elif verb == "set" and kind != "root" and len(rest.split(None, 1)) == 2:
        key, first = rest.split(None, 1)
        value, text = reader.value(first.rstrip(), raw)
        if node.settings.get(key, value) != value:  # set twice: the last counts, the first
            # stays as text (an `edit` of an entry seen before is merged into it)
            node.layout[node.layout.index(("set", key))] = ("was", node.raw[("set", key)][0])
            node.layout.append(("set", key))
        node.put(key, value)
        node.raw[("set", key)] = (text, value)
    elif verb == "unset" and kind != "root" and len(rest.split()) == 1:
        node.settings.pop(rest, None)
        node.unsets.add(rest)
        node.layout.append(("unset", rest))
        node.raw[("unset", rest)] = (raw, "")
    else:
        raise ConfigParseError(number, "unexpected here", line)


def _vdom_end(reader: _Reader, raw: str) -> None:
    reader.stack.pop()
    _closed(reader.stack[-1][1], "edit", NO_LINE)
    reader.stack.pop()
    _closed(reader.stack[-1][1], "config", raw)


def _closed(parent: Node, kind: str, raw: str) -> None:
    """Keep a block's closing line (`next` / `end`) with its opening one."""
    item = next(item for item in reversed(parent.layout) if item[0] == kind)
    opening = parent.raw.get(item, ("", ""))[0]
    parent.raw[item] = (opening, raw)


def _reopen(node: Node, path: str, raw: str) -> Node:
    """A `config` block: a new table, or one seen before (VDOM mode opens `config vdom`
    twice: once listing the VDOMs, once holding their configuration). Listed in the
    layout, so it prints even when empty, as it came."""
    node.layout.append(("config", path))
    node.raw[("config", path)] = (raw, "")
    return node.table(path)
