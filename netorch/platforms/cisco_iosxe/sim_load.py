"""Loading a whole IOS-XE `show running-config` into a tree and printing it back
(`parse`, `render`). A config the device printed is valid by definition, so any
top-level command (and its indented lines) is taken as it is; what is refused, as a
`ConfigParseError` naming the line, is a control character, an indented line outside
any section, and a banner, certificate or macro that never ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from netorch.deploy.change import ConfigParseError
from netorch.platforms.cisco_iosxe.sim_grammar import single_key

_BANNER = re.compile(r"^banner \S+ (\^C|\S)")
_HEADER = re.compile(r"^(Building configuration\.\.\.|Current configuration : \d+ bytes)$")


@dataclass
class Node:
    """A config line, its sub-mode lines, and (banner text, certificate hex) the verbatim
    lines that belong to it. `raw` is the line as loaded, printed back unchanged."""

    text: str
    children: list[Node] = field(default_factory=list)
    raw: str | None = None
    block: list[str] = field(default_factory=list)

    @property
    def comment(self) -> bool:
        return not self.text or self.text.startswith("!")

    def find(self, text: str) -> Node | None:
        return next((c for c in self.children if c.text == text and not c.comment), None)

    def add(self, text: str) -> Node:
        existing = self.find(text)
        if existing is not None:
            return existing
        key = single_key(text)
        if key is not None:
            self.children = [c for c in self.children
                             if c.children or single_key(c.text) != key]
        node = Node(text)
        self.children.append(node)
        return node

    def remove(self, text: str) -> None:
        """Remove `text` (and lines it starts), with the `!` separator that followed it."""
        kept: list[Node] = []
        separator_goes = False
        for child in self.children:
            if not child.comment and (child.text == text or child.text.startswith(text + " ")):
                separator_goes = not kept or kept[-1].text == "!"
                continue
            if not (separator_goes and child.text == "!"):
                kept.append(child)
            separator_goes = False
        self.children = kept


def parse(text: str) -> Node:
    """A config as `show running-config` prints it, into a tree (see `ConfigParseError`)."""
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    numbered = _body(text.splitlines())
    for lineno, raw in numbered:
        if not raw.strip():  # kept in place, under the line it follows
            stack[-1][1].children.append(Node("", raw=raw))
            continue
        indent = len(raw) - len(raw.lstrip())
        while len(stack) > 1 and (stack[-1][0] >= indent or stack[-1][1].comment):
            stack.pop()  # a comment opens no section
        parent = stack[-1][1]
        node = _node(lineno, raw, parent is root)
        parent.children.append(node)
        node.block = _verbatim(node, parent, numbered, lineno)
        stack.append((indent, node))
    return root


def _body(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Numbered lines between the `show` header and the last `end` (both regenerated)."""
    start = 0
    while start < len(lines) and (not lines[start].strip() or _HEADER.match(lines[start])):
        start += 1
    stop = len(lines)
    while stop > start and not lines[stop - 1].strip():
        stop -= 1
    if stop > start and lines[stop - 1].strip() == "end":
        stop -= 1
    for index in range(start, stop):
        if lines[index].strip() != "end":  # one mid-text (two files joined) ends nothing
            yield index + 1, lines[index].rstrip("\r")


def _node(lineno: int, raw: str, top: bool) -> Node:
    text = raw.strip()
    if any(ord(c) < 32 and c != "\t" for c in raw):
        raise ConfigParseError(lineno, "control character", raw)
    if top and raw[:1].isspace() and text and not text.startswith("!"):
        raise ConfigParseError(lineno, "indented line outside any section", raw)
    return Node(text, raw=raw)


def _verbatim(node: Node, parent: Node, lines: Iterator[tuple[int, str]],
              lineno: int) -> list[str]:
    """The lines that belong to `node` as text: a banner's up to its delimiter, a
    certificate's hex up to `quit`, a macro's up to `@`."""
    end, whole_line = "", True
    if m := _BANNER.match(node.text):
        end = "" if m[1] in node.text[m.end():] else m[1]
        whole_line = False
    elif node.text.startswith("certificate ") and parent.text.startswith(
            "crypto pki certificate chain "):
        end = "quit"
    elif node.text.startswith("macro name "):
        end = "@"
    out: list[str] = []
    for _, raw in lines if end else ():
        out.append(raw)
        if raw.strip() == end if whole_line else end in raw:
            return out
    if end:
        raise ConfigParseError(lineno, f"never ends (no {end!r})", node.text)
    return out


def render(root: Node) -> str:
    """The tree as `show running-config` prints it, loaded lines exactly as they were."""
    out: list[str] = []

    def walk(node: Node, depth: int) -> None:
        for child in node.children:
            out.append(child.raw if child.raw is not None else " " * depth + child.text)
            out.extend(child.block)
            walk(child, depth + 1)

    walk(root, 0)
    return "".join(line + "\n" for line in out)
