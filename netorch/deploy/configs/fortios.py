"""Fortinet FortiOS: `config` / `edit` / `set` trees, diffed table by table.

What netorch owns (`OWNED`) is replaced: owned entries the rendered `config.fortios`
lacks are deleted, settings it lacks unset. `router bgp` is owned whole; in the other
owned tables only the entries named the way the templates name them are netorch's
(`ntN` tunnels and their `ntN-in` / `ntN-out` route maps, `site-NAME` and `fabric-all`
prefix lists, and in `router static` and `firewall policy` the IDs of `RESERVED_IDS`,
the range the templates number netorch's routes and policies from), so an operator's
own VPNs, prefix lists, route maps, routes and policies stay. Other
tables the rendered file touches (`system interface`, where the tunnel interfaces get
their addresses) are merged: only the entries it names are changed, so the rest of the
firewall is never touched.

FortiOS shows a key encrypted (`set psksecret ENC <base64>`): while the device has one,
it counts as the rendered key and is sent again only with `rotate_keys`; `managed`
masks key values. Two encrypted values (a rollback restoring a saved key) compare as
text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from netorch.deploy.configs import Change, unified

# netorch's policy IDs and static route seq-nums (templates/fortinet_fortios/_names.j2):
# high enough to miss a factory or hand-made config (which count up from 1), below
# FortiManager's reserved policy IDs (from 1071741825) and FortiOS's 4294967294 maximum.
RESERVED_IDS = range(1_000_000_000, 1_070_000_000)


def reserved_id(name: str) -> bool:
    """Whether an entry ID is in netorch's reserved range.

    >>> reserved_id("1000001002"), reserved_id("1"), reserved_id("port1")
    (True, False, False)
    """
    return name.isdigit() and int(name) in RESERVED_IDS


def _named(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda name: compiled.fullmatch(name) is not None


_TUNNEL = _named(r"nt\d+")
OWNED: dict[str, Callable[[str], bool] | None] = {  # table -> is it netorch's? (None: all)
    "vpn ipsec phase1-interface": _TUNNEL, "vpn ipsec phase2-interface": _TUNNEL,
    "router bgp": None, "router prefix-list": _named(r"site-.+|fabric-all"),
    "router route-map": _named(r"nt\d+-(in|out)"), "router static": reserved_id,
    "firewall policy": reserved_id}
SECRETS = frozenset({"psksecret", "psksecret-remote", "password", "passwd"})
MASK = "<secret>"
_DELETE_ORDER = ("firewall policy", "router static", "vpn ipsec phase2-interface",
                 "router bgp", "router route-map", "router prefix-list",
                 "vpn ipsec phase1-interface")


@dataclass
class Node:
    settings: dict[str, str] = field(default_factory=dict)
    tables: dict[str, Node] = field(default_factory=dict)
    entries: dict[str, Node] = field(default_factory=dict)


def parse(text: str) -> Node:
    """FortiOS CLI text (`show` output or a script of config blocks) into a tree."""
    root = Node()
    stack = [root]
    for raw in text.splitlines():
        words = _split(raw.strip())
        if not words or words[0].startswith("#"):
            continue
        node = stack[-1]
        if words[0] == "config":
            stack.append(node.tables.setdefault(" ".join(words[1:]), Node()))
        elif words[0] == "edit" and len(words) > 1:
            stack.append(node.entries.setdefault(words[1], Node()))
        elif words[0] in ("next", "end") and len(stack) > 1:
            stack.pop()
        elif words[0] == "set" and len(words) > 2:
            node.settings[words[1]] = raw.strip().split(None, 2)[2]
        elif words[0] == "unset" and len(words) > 1:
            node.settings.pop(words[1], None)
    return root


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _empty(node: Node) -> bool:
    return not node.settings and not node.entries and all(_empty(t) for t in node.tables.values())


def render(node: Node, depth: int = 0) -> list[str]:
    pad = "    " * depth
    out = [f"{pad}set {key} {value}" for key, value in node.settings.items()]
    for path, table in node.tables.items():
        if _empty(table):
            continue
        out.append(f"{pad}config {path}")
        out += render(table, depth + 1)
        for name, entry in table.entries.items():
            out.append(f"{pad}    edit {_quote(name)}")
            out += render(entry, depth + 2)
            out.append(f"{pad}    next")
        out.append(f"{pad}end")
    return out


def _quote(name: str) -> str:
    return name if name.isdigit() else f'"{name}"'


def mask(line: str, placeholder: str = MASK) -> str:
    """A rendered line with its key value replaced.

    >>> mask("        set psksecret ENC AbC==")
    '        set psksecret <secret>'
    """
    words = line.split(None, 2)
    if len(words) == 3 and words[0] == "set" and words[1] in SECRETS:
        return f"{line[:len(line) - len(line.lstrip())]}set {words[1]} {placeholder}"
    return line


def managed(running: str, intended: str = "") -> str:
    scoped = render(_scope(parse(running), parse(intended)))
    return "".join(mask(line) + "\n" for line in scoped)


def _differs(key: str, have: str | None, want: str, rotate_keys: bool) -> bool:
    """Whether a setting must be sent: a key the device shows encrypted stands for the
    rendered plain one (it cannot be compared) unless keys are being rotated."""
    if key in SECRETS and have is not None and rotate_keys:
        return True
    if key in SECRETS and have is not None and have.startswith("ENC "):
        return want.startswith("ENC ") and have != want
    return have != want


def _scope(running: Node, intended: Node) -> Node:
    """The owned tables and the intended entries of merged tables, in intended order."""
    scoped = Node()
    order = [*intended.tables, *(p for p in running.tables if p not in intended.tables)]
    for path in order:
        table = running.tables.get(path)
        if table is None:
            continue
        if path in OWNED:
            scoped.tables[path] = _owned(table, OWNED[path], intended.tables.get(path))
        elif path in intended.tables:
            wanted = intended.tables[path].entries
            entries = {k: v for k, v in table.entries.items() if k in wanted}
            if entries:
                scoped.tables[path] = Node(entries=entries)
    return scoped


def _owned(table: Node, ours: Callable[[str], bool] | None, intended: Node | None) -> Node:
    if ours is None:
        return table
    wanted = intended.entries if intended is not None else {}
    entries = {k: v for k, v in table.entries.items() if k in wanted or ours(k)}
    return Node(dict(table.settings), dict(table.tables), entries)


def plan_change(running: str, intended: str, *, restore_from: str | None = None,
                rotate_keys: bool = False) -> Change:
    """The commands that turn `running` into `intended` (or, with `restore_from`, back
    into that saved config, within the same scope: every table then replaced)."""
    scope = parse(intended)
    have = _scope(parse(running), scope)
    want = scope if restore_from is None else _scope(parse(restore_from), scope)
    commands: list[str] = []
    for path, table in want.tables.items():
        replace = restore_from is not None or path in OWNED
        body = _changes(have.tables.get(path, Node()), table, replace, rotate_keys)
        commands += [f"config {path}", *body, "end"] if body else []
    order = [p for p in _DELETE_ORDER if p in have.tables]
    if restore_from is not None:
        order += [p for p in have.tables if p not in _DELETE_ORDER]
    for path in order:
        table = have.tables[path]
        body = _deletions(table, want.tables[path]) if path in want.tables else _clear(table)
        commands += [f"config {path}", *body, "end"] if body else []
    if not commands:
        return Change()
    new = "<new secret>" if rotate_keys else MASK
    before = "".join(mask(line) + "\n" for line in render(have))
    after = "".join(mask(line, new) + "\n" for line in render(want))
    return Change(unified(before, after, "config.fortios"), commands)


def _changes(have: Node, want: Node, replace: bool, rotate_keys: bool = False) -> list[str]:
    out = [f"set {k} {v}" for k, v in want.settings.items()
           if _differs(k, have.settings.get(k), v, rotate_keys)]
    if replace:
        out += [f"unset {k}" for k in have.settings if k not in want.settings]
    for path, table in want.tables.items():
        body = _changes(have.tables.get(path, Node()), table, replace, rotate_keys)
        body += _deletions(have.tables.get(path, Node()), table) if replace else []
        out += [f"config {path}", *body, "end"] if body else []
    for name, entry in want.entries.items():
        body = _changes(have.entries.get(name, Node()), entry, replace, rotate_keys)
        out += [f"edit {_quote(name)}", *body, "next"] if body or name not in have.entries \
            else []
    return out


def _deletions(have: Node, want: Node) -> list[str]:
    return [f"delete {_quote(name)}" for name in have.entries if name not in want.entries]


def _clear(have: Node) -> list[str]:
    """Commands that empty a table netorch owns but no longer wants at all."""
    out = [f"unset {k}" for k in have.settings]
    for path, table in have.tables.items():
        body = _clear(table)
        out += [f"config {path}", *body, "end"] if body else []
    return out + _deletions(have, Node())
