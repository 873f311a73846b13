"""The FortiOS objects netorch owns, by name, stated once; the clashes with the operator's;
and where netorch works on a device in VDOM mode.

templates/fortinet_fortios/_names.j2 spells the same names and markers;
tests/deploy/test_brownfield_fortios.py renders every object and checks that `TABLES`
classifies it as netorch's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from netorch.deploy.configs import Conflict
from netorch.deploy.configs.fortios_tree import Node, quote

# netorch's policy IDs, static route seq-nums and BGP network IDs: high enough to miss
# a factory or hand-made config (which count up from 1), below FortiManager's reserved
# policy IDs (from 1071741825) and FortiOS's 4294967294 maximum.
RESERVED_IDS = range(1_000_000_000, 1_070_000_000)
PREFIX = "netorch-"  # names of netorch's firewall addresses, address groups and zones
MARKER = "netorch"  # how netorch's comments / descriptions start
GLOBAL = frozenset({"system interface"})  # tables FortiOS keeps in `config global`


def reserved_id(name: str) -> bool:
    """Whether an entry ID is in netorch's reserved range.

    >>> reserved_id("1000001002"), reserved_id("1"), reserved_id("port1")
    (True, False, False)
    """
    return name.isdigit() and int(name) in RESERVED_IDS


def marked(entry: Node, key: str) -> bool:
    """Whether the entry's `key` (a comment or description) carries netorch's marker.

    >>> marked(Node(settings={"comments": '"netorch r1--f1--internet"'}), "comments")
    True
    """
    words = entry.words(key)
    return bool(words) and words[0].startswith(MARKER)


def _named(pattern: str, marker: str) -> Callable[[str, Node], bool]:
    compiled = re.compile(pattern)
    return lambda name, entry: bool(compiled.fullmatch(name)) and marked(entry, marker)


TUNNEL = "set `tunnel_offset:` on the device so that netorch's ntN interfaces start " \
         "past the operator's"
LOOPBACK = "set `loopback_interface:` on the device to an interface name not in use"
RESERVED = f"netorch reserves names starting {PREFIX} and IDs {RESERVED_IDS.start}-" \
           f"{RESERVED_IDS.stop - 1}: rename or renumber the operator's object"


@dataclass(frozen=True)
class Rule:
    """How netorch owns the entries of one table.

    `owns`: an entry netorch made (deleted when no longer rendered); `marker`: the
    setting that carries `MARKER`, so an entry with a rendered name but without it is
    the operator's (a conflict, resolved by `resolve`); `replace`: settings netorch
    does not render are unset (else merged)."""

    owns: Callable[[str, Node], bool]
    marker: str = ""
    replace: bool = True
    resolve: str = RESERVED


TABLES: dict[str, Rule] = {
    "system interface": Rule(lambda n, e: marked(e, "description"), "description",
                             replace=False, resolve=TUNNEL),
    "system zone": Rule(lambda n, e: n.startswith(PREFIX), "description", replace=False),
    "user peer": Rule(lambda n, e: False, replace=False),
    "vpn ipsec phase1-interface": Rule(_named(r"nt\d+", "comments"), "comments",
                                       resolve=TUNNEL),
    "vpn ipsec phase2-interface": Rule(_named(r"nt\d+", "comments"), "comments",
                                       resolve=TUNNEL),
    "router route-map": Rule(_named(r"nt\d+-(in|out)", "comments"), "comments",
                             resolve=TUNNEL),
    "router prefix-list": Rule(_named(r"site-.+|fabric-all", "comments"), "comments",
                               resolve="rename the operator's prefix-list: netorch names "
                                       "its own site-SITE and fabric-all"),
    "router static": Rule(lambda n, e: reserved_id(n), "comment"),
    "firewall policy": Rule(lambda n, e: reserved_id(n), "comments"),
    "firewall address": Rule(lambda n, e: n.startswith(PREFIX), "comment"),
    "firewall addrgrp": Rule(lambda n, e: n.startswith(PREFIX), "comment"),
}
BGP_TABLES: dict[str, Callable[[str, Node], bool]] = {
    "neighbor": lambda n, e: marked(e, "description"),
    "network": lambda n, e: reserved_id(n)}


def intended_vdom(intended: Node) -> str:
    """The VDOM netorch works in: where the rendered interfaces go (`set vdom`, from
    the device's `vdom:`), root when nothing says."""
    for entry in intended.tables.get("system interface", Node()).entries.values():
        if entry.words("vdom"):
            return entry.words("vdom")[0]
    return "root"


def conflicts(view: Node, intended: Node) -> tuple[Conflict, ...]:
    """What in a flat view of the running config netorch would have to overwrite."""
    return (*_bgp(view.tables.get("router bgp"), intended.tables.get("router bgp")),
            *(c for path, rule in TABLES.items() if rule.marker
              for c in _clashes(view, intended, path, rule)))


def _clashes(view: Node, intended: Node, path: str, rule: Rule) -> list[Conflict]:
    have = view.tables.get(path, Node()).entries
    out = []
    for name, want in intended.tables.get(path, Node()).entries.items():
        if name in have and not marked(have[name], rule.marker):
            loopback = want.words("type") == ["loopback"]
            out.append(Conflict(f"config {path} > edit {quote(name)}",
                                f"{name} is the operator's (no `{MARKER}` {rule.marker})",
                                LOOPBACK if loopback else rule.resolve))
    return out


def _bgp(have: Node | None, want: Node | None) -> list[Conflict]:
    if have is None or want is None:
        return []
    out = []
    for key, unset, setting in (("as", "0", "asn"), ("router-id", "0.0.0.0", "router_id")):
        found, wanted = have.words(key), want.words(key)
        if found and wanted and found[0] not in (unset, wanted[0]):
            out.append(Conflict(f"config router bgp > set {key} {found[0]}",
                                f"BGP already runs with {key} {found[0]}",
                                f"set `{setting}: {found[0]}` on the device to join it"))
    neighbours = have.tables.get("neighbor", Node()).entries
    for name in want.tables.get("neighbor", Node()).entries:
        if name in neighbours and not marked(neighbours[name], "description"):
            out.append(Conflict(f"config router bgp > config neighbor > edit {quote(name)}",
                                f"the operator already peers with {name}",
                                "give the fabric a tunnels pool apart from the operator's "
                                "BGP peers"))
    return out


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
