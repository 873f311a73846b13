"""YAML with positions: every value and key keeps the line and column it came from.

PyYAML (libyaml when available) composes a node tree; we build plain Python data
from it ourselves so that duplicate keys are caught and each path into the data
(`("sites", 3, "devices", 0, "mgmt")`) maps back to a place in a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netorch.findings import Finding, Location, error, visible_char
from netorch.fsio import ReadRefused, read_regular

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml is optional
    _Loader = yaml.SafeLoader

PathKey = tuple[str | int, ...]
# A file larger than this is not an inventory (10,000 sites in one file are ~10 MB).
MAX_FILE_BYTES = 64 << 20
EXCERPT_CHARS = 40
_SCALAR_BUILDER = yaml.SafeLoader("")


@dataclass
class FileMap:
    """Positions of the values and keys of one YAML document."""

    file: str
    values: dict[PathKey, int] = field(default_factory=dict)  # packed: see `pack`
    keys: dict[PathKey, int] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        """The place of `path`, or of its deepest ancestor that exists."""
        if key and path in self.keys:
            return Location(self.file, *unpack(self.keys[path]))
        for end in range(len(path), -1, -1):
            pos = self.values.get(path[:end])
            if pos is not None:
                return Location(self.file, *unpack(pos))
        return Location(self.file, 1, 1)


@dataclass
class SourceMap:
    """Where each part of an inventory came from, across one or many files.

    Mounts are indexed by prefix, so `locate` costs O(len(path)), not O(files):
    a 10,000-site directory inventory has 10,001 mounts.
    """

    mounts: dict[PathKey, FileMap] = field(default_factory=dict)

    def mount(self, prefix: PathKey, filemap: FileMap) -> None:
        self.mounts[prefix] = filemap

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        """The place of `path` in the file mounted at its longest matching prefix."""
        for end in range(len(path), -1, -1):
            filemap = self.mounts.get(path[:end])
            if filemap is not None:
                return filemap.locate(path[end:], key=key)
        first = next(iter(self.mounts.values()), None)
        return Location(first.file if first else "<inventory>", 1, 1)


MERGE_TAG = "tag:yaml.org,2002:merge"
# Without aliases a document has at most about one node per character; beyond that
# (plus this margin) aliases are multiplying it ("billion laughs").
MAX_ALIAS_EXPANSION = 100_000

Pair = tuple[yaml.Node, yaml.Node, yaml.Node | None]  # key, value, the `<<` it came through


class _TooManyAliases(Exception):
    pass


class _Builder:
    """Turns a composed node tree into Python data, recording positions.

    Values merged in with `<<: *anchor` are placed at their `<<` key: that is where the
    mapping that received them is, and where a fix for that mapping goes.
    """

    def __init__(self, filemap: FileMap, text: str) -> None:
        self.map = filemap
        self.findings: list[Finding] = []
        self._active: set[int] = set()
        self._budget = len(text) + MAX_ALIAS_EXPANSION
        # With no anchors no node is built twice, so each list item's nodes can be let go
        # once built: a 10,000-site single file then never holds all its nodes at once.
        self._release = "&" not in text

    def build(self, node: yaml.Node, path: PathKey, at: int | None = None) -> Any:
        self.map.values[path] = at or _pos(node)
        self._budget -= 1
        if self._budget < 0:
            raise _TooManyAliases
        if isinstance(node, yaml.ScalarNode):
            return _construct(node)
        if id(node) in self._active:
            self._error("yaml-recursive-alias", "an alias refers to its own anchor (recursive "
                        "data cannot be an inventory)", node)
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, at)
            return self._sequence(node, path, at)
        finally:
            self._active.discard(id(node))

    def _sequence(self, node: yaml.Node, path: PathKey, at: int | None) -> list[Any]:
        items: list[Any] = node.value
        out = []
        for i, item in enumerate(items):
            out.append(self.build(item, (*path, i), at))
            if self._release:
                items[i] = None
        return out

    def _mapping(self, node: yaml.MappingNode, path: PathKey,
                 at: int | None) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node, via in self._pairs(node, set()):
            key = _construct(key_node)
            if not isinstance(key_node, yaml.ScalarNode) or \
                    not isinstance(key, str | int | bool | float | None):
                self._error("yaml-key", "mapping keys must be plain scalars", key_node)
                continue
            if key in out:
                first = Location(self.map.file, *unpack(self.map.keys[(*path, _step(key))]))
                self._error("yaml-duplicate-key", f"duplicate key {excerpt(str(key))} (first "
                            f"at {first})", key_node)
                continue
            where = at or (_pos(via) if via is not None else None)
            child = (*path, _step(key))  # one tuple for both maps
            self.map.keys[child] = where or _pos(key_node)
            out[key] = self.build(value_node, child, where)
        return out

    def _pairs(self, node: yaml.MappingNode, seen: set[int]) -> list[Pair]:
        """Key/value pairs with YAML merge keys (`<<: *base`) expanded, own keys first."""
        seen = seen | {id(node)}
        own: list[Pair] = [(k, v, None) for k, v in node.value if k.tag != MERGE_TAG]
        merged: list[Pair] = []
        for k, v in node.value:
            if k.tag != MERGE_TAG:
                continue
            sources = v.value if isinstance(v, yaml.SequenceNode) else [v]
            for src in sources:
                if not isinstance(src, yaml.MappingNode):
                    self._error("yaml-merge", "'<<' must merge a mapping (an anchored "
                                "'&name {...}' used as '<<: *name')", src)
                elif id(src) in seen:
                    self._error("yaml-recursive-alias", "'<<' merges a mapping into itself", src)
                else:
                    merged.extend((mk, mv, k) for mk, mv, _ in self._pairs(src, seen))
        own_keys = {_scalar(k) for k, _, _ in own}
        return own + [p for p in merged if _scalar(p[0]) not in own_keys]

    def _error(self, code: str, message: str, node: yaml.Node) -> None:
        self.findings.append(error(code, message, Location(self.map.file, *unpack(_pos(node)))))


def _step(key: str | float | None) -> str | int:
    """A mapping key as a step of a `PathKey`."""
    return key if isinstance(key, str | int) else str(key)


_STR_TAG = "tag:yaml.org,2002:str"


def _construct(node: yaml.Node) -> Any:
    """A scalar's Python value (or a key node's, whatever its kind).

    PyYAML's constructor remembers every node it built until the end of a document;
    ours never ends, so forget each node at once (else every node of every file
    loaded stays in memory: 120 MB for 10,000 sites).
    """
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG:
        return node.value
    try:
        return _SCALAR_BUILDER.construct_object(node, deep=True)
    finally:
        _SCALAR_BUILDER.constructed_objects.clear()
        _SCALAR_BUILDER.recursive_objects.clear()


def _scalar(node: yaml.Node) -> object:
    return node.value if isinstance(node, yaml.ScalarNode) else id(node)


_COLUMN_BITS = 20


def pack(line: int, column: int) -> int:
    """A 1-based (line, column) as one int: half the memory of a tuple, 450k of them
    for 10,000 sites.

    >>> unpack(pack(12, 7))
    (12, 7)
    """
    return (line << _COLUMN_BITS) | min(column, (1 << _COLUMN_BITS) - 1)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` quoted for a message: at most `limit` characters, control characters
    escaped, '...' when cut, so a binary or huge file is never echoed.

    >>> print(excerpt("name: " + "x" * 50, 10))
    'name: xxxx'...
    """
    shown = "".join("\\'" if ch == "'" else visible_char(ch) for ch in text[:limit])
    return f"'{shown}'" + ("..." if len(text) > limit else "")


def unpack(pos: int) -> tuple[int, int]:
    return pos >> _COLUMN_BITS, pos & ((1 << _COLUMN_BITS) - 1)


def _pos(node: yaml.Node) -> int:
    return pack(node.start_mark.line + 1, node.start_mark.column + 1)


def load_file(path: Path, display: str, what: str = "file", *, inside: Path | None = None
              ) -> tuple[Any, FileMap, list[Finding]]:
    """Parse one YAML file (`what` names it in messages: "site file"). Returns (data or
    None, positions, findings). A FIFO, device, folder, dangling symlink, symlink loop,
    oversize or non-UTF-8 file is a finding at its path, never a hang or a traceback;
    so is a file resolving outside the (resolved) folder `inside`, which is never read."""
    try:
        raw = read_regular(path, limit=MAX_FILE_BYTES, what=what, inside=inside)
    except ReadRefused as exc:
        return None, FileMap(display), [error("io", exc.reason, Location(display, 1, 1))]
    return load_bytes(raw, display)


def load_bytes(raw: bytes, display: str) -> tuple[Any, FileMap, list[Finding]]:
    """Parse the bytes of one YAML file already read (`load_file` reads them); `display`
    names it in findings. Returns (data or None, positions, findings)."""
    filemap = FileMap(display)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, filemap, [error("yaml-encoding", f"not UTF-8 text ({exc.reason} at "
                                     f"byte {exc.start + 1})", Location(display, 1, 1))]
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        return None, filemap, [_syntax_finding(exc, display, text)]
    except yaml.reader.ReaderError as exc:  # a character YAML forbids: binary, not text
        return None, filemap, [_character_finding(exc, display, text)]
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        return None, filemap, [error("yaml-syntax", str(exc), Location(display, 1, 1))]
    if not nodes or nodes[0] is None:
        return None, filemap, [error("yaml-empty", "file is empty", Location(display, 1, 1))]
    if len(nodes) > 1:
        second = Location(display, *unpack(_pos(nodes[1])))
        return None, filemap, [error("yaml-multi-document",
                                     "expected one YAML document, found several", second)]
    builder = _Builder(filemap, text)
    try:
        data = builder.build(nodes[0], ())
    except yaml.constructor.ConstructorError as exc:
        return None, filemap, [_syntax_finding(exc, display, text)]
    except _TooManyAliases:
        return None, filemap, [error("yaml-alias-bomb", "aliases expand this file to too "
                                     "many values", Location(display, 1, 1))]
    if data is None and not builder.findings:
        return None, filemap, [error("yaml-empty", "file holds no data (only null)",
                                     Location(display, *unpack(_pos(nodes[0]))))]
    return data, filemap, builder.findings


def _syntax_finding(exc: yaml.MarkedYAMLError, display: str, text: str) -> Finding:
    """One finding for a YAML error, worded for people and placed at the problem."""
    tab = _indenting_tab(text)
    if tab is not None:
        return error("yaml-tab", "YAML does not allow tabs for indentation: use spaces",
                     Location(display, *tab))
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "invalid YAML"
    if problem == "found undefined alias" and mark is not None:  # libyaml omits the name
        problem = f"found undefined alias {excerpt(_word_at(text, mark.index + 1))}"
    if problem.startswith("mapping values are not allowed"):
        problem += " (quote a value that contains ': ')"
    context = ""
    if exc.context:
        ctx = exc.context_mark
        started = f" started at {ctx.line + 1}:{ctx.column + 1}" \
            if ctx is not None and ctx.line + 1 != line else ""
        context = f" ({exc.context}{started})"
    return error("yaml-syntax", f"YAML syntax error: {problem}{context}",
                 Location(display, line, col))


def _character_finding(exc: yaml.reader.ReaderError, display: str, text: str) -> Finding:
    """A character YAML does not allow (a control character: binary data, not text)."""
    before = text[:exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    char = excerpt(chr(exc.character) if isinstance(exc.character, int) else
                   str(exc.character))
    return error("yaml-character", f"not YAML text: character {char} is not allowed in YAML",
                 Location(display, line, column))


def _indenting_tab(text: str) -> tuple[int, int] | None:
    """The (line, column) of the first tab used in a line's indentation, if any."""
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return number, indent.index("\t") + 1
    return None


def _word_at(text: str, index: int) -> str:
    end = index
    while end < len(text) and not text[end].isspace() and text[end] not in ",]}":
        end += 1
    return text[index:end]
