"""The FortiOS objects netorch owns, by name and the exact marker `netorch: `, stated
once; the clashes with the operator's; and where netorch works on a device in VDOM mode.
(`router bgp`, shared with the operator, is `fortios_bgp`.)

The names, marker and first reserved ID are the plugin's `owned`, which
templates/fortinet_fortios/_names.j2 reads too; tests/deploy/test_brownfield_fortios.py
renders every object and checks that `TABLES` classifies it as netorch's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from netorch.deploy.change import Conflict
from netorch.platforms.fortinet_fortios import PLATFORM
from netorch.platforms.fortinet_fortios.tree import Node, quote

# netorch's policy IDs, static route seq-nums and BGP network IDs: high enough to miss
# a factory or hand-made config (which count up from 1), below FortiManager's reserved
# policy IDs (from 1071741825) and FortiOS's 4294967294 maximum.
RESERVED_IDS = range(int(PLATFORM.owned["id_base"]), 1_070_000_000)
PREFIX = PLATFORM.owned["prefix"]  # names of netorch's firewall addresses, groups, zones
# Every comment / description netorch writes starts with exactly this (colon and space).
# "netorch lab", "netorch-era", "netorch:x" are the operator's.
MARKER = PLATFORM.owned["marker"]
GLOBAL = frozenset({"system interface"})  # tables FortiOS keeps in `config global`
TUNNEL_NAME = re.compile(r"nt(\d+)")  # netorch's phase1 / phase2 / tunnel interfaces
NUMBERED = ("router static", "firewall policy")  # netorch's entries: `RESERVED_IDS`


def reserved_id(name: str) -> bool:
    """Whether an entry ID is in netorch's reserved range.

    >>> reserved_id("1000001002"), reserved_id("1"), reserved_id("port1")
    (True, False, False)
    """
    return name.isdigit() and int(name) in RESERVED_IDS


def marked(entry: Node, key: str) -> bool:
    """Whether the entry's `key` (a comment or description) starts with `MARKER`.

    >>> [marked(Node(settings={"comments": c}), "comments") for c in (
    ...     '"netorch: r1--f1--internet"', '"netorch r1"', '"netorch-era, keep"')]
    [True, False, False]
    """
    return " ".join(entry.words(key)).startswith(MARKER)


def _named(pattern: str, marker: str) -> Callable[[str, Node], bool]:
    compiled = re.compile(pattern)
    return lambda name, entry: bool(compiled.fullmatch(name)) and marked(entry, marker)


def _interface(name: str, entry: Node) -> bool:
    """netorch's `system interface` entries: a loopback carrying the marker (its
    `loopback_interface`, also one it used before under another name) and its `ntN`
    tunnel interfaces (created by their phase1, they go with it). Never a physical,
    VLAN, aggregate or any other interface, whatever its description says."""
    kind = entry.words("type")
    tunnel = kind == ["tunnel"] and bool(TUNNEL_NAME.fullmatch(name))
    return (kind == ["loopback"] or tunnel) and marked(entry, "description")


TUNNEL = "tunnel_offset"  # resolved by `_offset`: a value past the operator's ntN
LOOPBACK = "set `loopback_interface:` on the device to an interface name not in use"
RESERVED = f"netorch reserves names starting {PREFIX} and IDs {RESERVED_IDS.start}-" \
           f"{RESERVED_IDS.stop - 1}: rename or renumber the operator's object"


@dataclass(frozen=True)
class Rule:
    """How netorch owns the entries of one table.

    `owns`: an entry netorch made (deleted when no longer rendered); `marker`: the
    setting that carries `MARKER`, so an entry with a rendered name that `owns` does not
    claim is the operator's (a conflict, resolved by `resolve`); `replace`: settings
    netorch does not render are unset (else merged)."""

    owns: Callable[[str, Node], bool]
    marker: str = ""
    replace: bool = True
    resolve: str = RESERVED


TABLES: dict[str, Rule] = {
    "system interface": Rule(_interface, "description", replace=False, resolve=TUNNEL),
    "system zone": Rule(lambda n, e: n.startswith(PREFIX), "description", replace=False),
    "user peer": Rule(lambda n, e: False, replace=False),
    "vpn ipsec phase1-interface": Rule(_named(r"nt\d+", "comments"), "comments",
                                       resolve=TUNNEL),
    "vpn ipsec phase2-interface": Rule(_named(r"nt\d+", "comments"), "comments",
                                       resolve=TUNNEL),
    "router route-map": Rule(_named(r"nt\d+-(in|out)", "comments"), "comments",
                             resolve=TUNNEL),
    # site-SITE, fabric-all, and under a segmentation policy fabric-reach-ID (what a
    # site may reach) and fabric-none (nothing): netorch/plan/routing.py
    "router prefix-list": Rule(_named(r"site-.+|fabric-.+", "comments"), "comments",
                               resolve="rename the operator's prefix-list: netorch names "
                                       "its own site-SITE and fabric-*"),
    "router static": Rule(lambda n, e: reserved_id(n), "comment"),
    "firewall policy": Rule(lambda n, e: reserved_id(n), "comments"),
    "firewall address": Rule(_named(rf"{re.escape(PREFIX)}.+", "comment"), "comment"),
    # the fabric's PKI (no comment to mark them: the name alone, FortiOS 7.2 CLI Reference)
    "vpn certificate ca": Rule(lambda n, e: n.startswith(PREFIX), replace=False),
    "vpn certificate crl": Rule(lambda n, e: n.startswith(PREFIX), replace=False),
    "vpn certificate local": Rule(lambda n, e: n.startswith(PREFIX), replace=False),
    "firewall addrgrp": Rule(_named(rf"{re.escape(PREFIX)}.+", "comment"), "comment"),
    # the segmentation policy's services (templates/fortinet_fortios/_policy.j2); like
    # the addresses and groups, netorch's by name and marker: an operator's object named
    # "netorch-..." without the marker stays (a conflict only if netorch renders it)
    "firewall service custom": Rule(_named(rf"{re.escape(PREFIX)}.+", "comment"),
                                    "comment"),
}


def intended_vdom(intended: Node) -> str:
    """The VDOM netorch works in: where the rendered interfaces go (`set vdom`, from
    the device's `vdom:`), root when nothing says."""
    for entry in intended.tables.get("system interface", Node()).entries.values():
        if entry.words("vdom"):
            return entry.words("vdom")[0]
    return "root"


def conflicts(view: Node, intended: Node) -> tuple[Conflict, ...]:
    """The entries of a flat view of the running config that have a name netorch
    renders, or an ID it reserves, but are not netorch's (`router bgp`:
    `fortios_bgp.conflicts`)."""
    return (*(c for path, rule in TABLES.items() if rule.marker and path not in NUMBERED
              for c in _clashes(view, intended, path, rule)),
            *(c for path in NUMBERED for c in _numbered(view, path)))


def _numbered(view: Node, path: str) -> list[Conflict]:
    """Entries at reserved IDs without the marker: the operator's, in netorch's range
    (deleted or overwritten if sent), whether netorch renders that ID or not."""
    key = TABLES[path].marker
    return [Conflict(f"config {path} > edit {name}", f"{path} {name} is the operator's "
                     f"(its {key} does not start with `{MARKER}`), in netorch's IDs", RESERVED)
            for name, entry in view.tables.get(path, Node()).entries.items()
            if reserved_id(name) and not marked(entry, key)]


def _clashes(view: Node, intended: Node, path: str, rule: Rule) -> list[Conflict]:
    have = view.tables.get(path, Node()).entries
    out = []
    for name, want in intended.tables.get(path, Node()).entries.items():
        found = have.get(name)
        if found is None or (marked(found, rule.marker) and rule.owns(name, found)):
            continue
        loopback = want.words("type") == ["loopback"]
        resolve = LOOPBACK if loopback else _offset(view) if rule.resolve == TUNNEL \
            else rule.resolve
        out.append(Conflict(f"config {path} > edit {quote(name)}",
                            f"{name} is the operator's (its {rule.marker} does not start "
                            f"with `{MARKER}`)", resolve))
    return out


_TUNNEL_TABLES = ("system interface", "vpn ipsec phase1-interface",
                  "vpn ipsec phase2-interface", "router route-map")


def _offset(view: Node) -> str:
    """The `tunnel_offset:` that puts netorch's ntN past the operator's highest one."""
    used = [0]
    for path in _TUNNEL_TABLES:
        for name, entry in view.tables.get(path, Node()).entries.items():
            number = re.fullmatch(r"nt(\d+)(-in|-out)?", name)
            if number and not TABLES[path].owns(name, entry):
                used.append(int(number[1]))
    free = (max(used) // 1000 + 1) * 1000
    return f"set `tunnel_offset: {free}` on the device: netorch names its tunnels " \
           f"nt{{tunnel_offset + index}}, the operator's go up to nt{max(used)}"


@dataclass(frozen=True)
class Where:
    """Where netorch works on one device: the VDOM, when the device runs VDOMs."""

    vdom: str
    vdom_mode: bool


def where(tree: Node, intended: Node) -> Where:
    return Where(intended_vdom(intended), "vdom" in tree.tables or
                   "global" in tree.tables)


def view(tree: Node, where: Where) -> Node:
    """The flat config netorch works on: the whole tree, or in VDOM mode the VDOM's
    tables plus the global ones it uses."""
    if not where.vdom_mode:
        return tree
    glob = tree.tables.get("global", Node())
    inside = tree.tables.get("vdom", Node()).entries.get(where.vdom, Node())
    view = Node(tables={p: t for p, t in glob.tables.items() if p in GLOBAL})
    view.tables.update({p: t for p, t in inside.tables.items() if p not in GLOBAL})
    return view


def wrap(view: Node, where: Where) -> Node:
    """A flat view back in the device's own layout (VDOM mode: global + one VDOM)."""
    if not where.vdom_mode:
        return view
    glob = Node(tables={p: t for p, t in view.tables.items() if p in GLOBAL})
    inside = Node(tables={p: t for p, t in view.tables.items() if p not in GLOBAL})
    vdoms = Node(entries={where.vdom: inside})
    inside.shown = where.vdom
    return Node(tables={"global": glob, "vdom": vdoms})


def vdom_conflict(tree: Node, where: Where) -> Conflict | None:
    if where.vdom_mode and where.vdom not in tree.tables.get("vdom", Node()).entries:
        have = ", ".join(tree.tables.get("vdom", Node()).entries) or "none"
        return Conflict("config vdom", f"the device has no VDOM {where.vdom} (it has {have})",
                        "set `vdom:` on the device to the VDOM netorch may configure")
    if not where.vdom_mode and where.vdom != "root":
        return Conflict("config system global", f"`vdom: {where.vdom}` but the device is "
                        "not in VDOM mode", "remove `vdom:` from the device")
    return None
