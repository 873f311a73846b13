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

from netorch.findings import Finding, Location, error

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml is optional
    _Loader = yaml.SafeLoader

PathKey = tuple[str | int, ...]
_SCALAR_BUILDER = yaml.SafeLoader("")


@dataclass
class FileMap:
    """Positions of the values and keys of one YAML document."""

    file: str
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        """The place of `path`, or of its deepest ancestor that exists."""
        if key and path in self.keys:
            return Location(self.file, *self.keys[path])
        for end in range(len(path), -1, -1):
            pos = self.values.get(path[:end])
            if pos is not None:
                return Location(self.file, *pos)
        return Location(self.file, 1, 1)


@dataclass
class SourceMap:
    """Where each part of an inventory came from, across one or many files."""

    mounts: list[tuple[PathKey, FileMap]] = field(default_factory=list)

    def mount(self, prefix: PathKey, filemap: FileMap) -> None:
        self.mounts.append((prefix, filemap))

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        best: tuple[PathKey, FileMap] | None = None
        for prefix, filemap in self.mounts:
            if path[: len(prefix)] == prefix and (best is None or len(prefix) > len(best[0])):
                best = (prefix, filemap)
        if best is None:
            return Location(self.mounts[0][1].file if self.mounts else "<inventory>", 1, 1)
        return best[1].locate(path[len(best[0]) :], key=key)


class _Builder:
    """Turns a composed node tree into Python data, recording positions."""

    def __init__(self, filemap: FileMap) -> None:
        self.map = filemap
        self.findings: list[Finding] = []

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.map.values[path] = _pos(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return _SCALAR_BUILDER.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in self._pairs(node):
            key = _SCALAR_BUILDER.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool | float) and key is not None:
                self._error("yaml-key", "mapping keys must be plain scalars", key_node)
                continue
            if key in out:
                first = Location(self.map.file, *self.map.keys[(*path, key)])
                self._error("yaml-duplicate-key", f"duplicate key '{key}' (first at {first})",
                            key_node)
                continue
            self.map.keys[(*path, key)] = _pos(key_node)
            out[key] = self.build(value_node, (*path, key))
        return out

    def _pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """Key/value pairs with YAML merge keys (`<<: *base`) expanded, own keys first."""
        own = [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for k, v in node.value:
            if k.tag != "tag:yaml.org,2002:merge":
                continue
            sources = v.value if isinstance(v, yaml.SequenceNode) else [v]
            for src in sources:
                if isinstance(src, yaml.MappingNode):
                    merged.extend(self._pairs(src))
                else:
                    self._error("yaml-merge", "'<<' must merge a mapping", src)
        own_keys = {k.value for k, _ in own}
        return own + [(k, v) for k, v in merged if k.value not in own_keys]

    def _error(self, code: str, message: str, node: yaml.Node) -> None:
        self.findings.append(error(code, message, Location(self.map.file, *_pos(node))))


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_file(path: Path, display: str) -> tuple[Any, FileMap, list[Finding]]:
    """Parse one YAML file. Returns (data or None, positions, findings)."""
    filemap = FileMap(display)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, filemap, [error("yaml-encoding", f"not UTF-8 text ({exc.reason})",
                                     Location(display, 1, 1))]
    except OSError as exc:
        return None, filemap, [error("io", f"cannot read file: {exc.strerror}",
                                     Location(display, 1, 1))]
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        return None, filemap, [_syntax_finding(exc, display)]
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        return None, filemap, [error("yaml-syntax", str(exc), Location(display, 1, 1))]
    if not nodes or nodes[0] is None:
        return None, filemap, [error("yaml-empty", "file is empty", Location(display, 1, 1))]
    if len(nodes) > 1:
        second = Location(display, *_pos(nodes[1]))
        return None, filemap, [error("yaml-multi-document",
                                     "expected one YAML document, found several", second)]
    builder = _Builder(filemap)
    try:
        data = builder.build(nodes[0], ())
    except yaml.constructor.ConstructorError as exc:
        return None, filemap, [_syntax_finding(exc, display)]
    return data, filemap, builder.findings


def _syntax_finding(exc: yaml.MarkedYAMLError, display: str) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "invalid YAML"
    context = f" {exc.context}" if exc.context else ""
    return error("yaml-syntax", f"YAML syntax error: {problem}{context}",
                 Location(display, line, col))
