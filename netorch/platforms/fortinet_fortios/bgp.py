"""FortiOS `router bgp`, shared with the operator: the neighbours and networks netorch
owns in it, and what in it netorch would have to overwrite (a conflict).

- A neighbour is netorch's when its description starts with `MARKER` and its route-maps
  are the ones netorch renders for a tunnel (`route-map-in "ntN-in"`,
  `route-map-out "ntN-out"`, the same N). The marker alone is free text anyone may type;
  the neighbour address cannot prove it either (the tunnel pool is not in the device's
  config), but no operator neighbour carries both.
- A `config network` entry is netorch's when its ID is in `RESERVED_IDS` and its prefix
  is one netorch announces: one it renders now, or one the running config shows as
  netorch's (the address of its marked loopback, the destination of its marked LAN
  anchor route at a reserved ID), so a LAN dropped from the inventory, or a device
  leaving the fabric, still takes its network along. An entry at a reserved ID with
  another prefix is the operator's: a conflict (renumber it), never overwritten.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from netorch.deploy.change import Conflict
from netorch.platforms.fortinet_fortios.names import (
    RESERVED_IDS,
    TABLES,
    marked,
    reserved_id,
)
from netorch.platforms.fortinet_fortios.tree import Node, quote

_MAPS = re.compile(r"(nt\d+)-in (nt\d+)-out")
Owns = Callable[[str, Node], bool]


def neighbour(name: str, entry: Node) -> bool:
    """Whether a `config neighbor` entry is netorch's.

    >>> neighbour("169.254.0.1", Node(settings={"description": '"netorch: r1--f1--i"',
    ...     "route-map-in": '"nt3-in"', "route-map-out": '"nt3-out"'}))
    True
    >>> neighbour("192.0.2.77", Node(settings={"description": '"netorch: keep"'}))
    False
    """
    maps = _MAPS.fullmatch(" ".join(entry.words("route-map-in") +
                                    entry.words("route-map-out")))
    return marked(entry, "description") and maps is not None and maps[1] == maps[2]


def prefix(words: list[str]) -> str | None:
    """A prefix as FortiOS shows it (`10.3.0.0 255.255.0.0` or `10.3.0.0/16`),
    normalised; None for anything else.

    >>> prefix(["10.3.0.1", "255.255.0.0"]), prefix(["10.3.0.0/16"]), prefix(["x"])
    ('10.3.0.0/16', '10.3.0.0/16', None)
    """
    try:
        return str(ipaddress.ip_network("/".join(words[:2]), strict=False))
    except ValueError:
        return None


def announced(view: Node, intended: Node) -> set[str]:
    """The prefixes netorch announces: rendered, or shown as netorch's in `view`."""
    networks = intended.tables.get("router bgp", Node()).tables.get("network", Node())
    found = {prefix(e.words("prefix")) for e in networks.entries.values()}
    for path, key, kind in (("system interface", "ip", ("type", "loopback")),
                            ("router static", "dst", ("blackhole", "enable"))):
        rule = TABLES[path]
        found |= {prefix(e.words(key)) for n, e in view.tables.get(path, Node()).entries.items()
                  if rule.owns(n, e) and marked(e, rule.marker) and e.words(kind[0]) == [kind[1]]}
    return {p for p in found if p is not None}


def owners(view: Node, intended: Node) -> dict[str, Owns]:
    """For each `router bgp` sub-table netorch has entries in: which entries are its."""
    prefixes = announced(view, intended)
    return {"neighbor": neighbour,
            "network": lambda n, e: reserved_id(n) and prefix(e.words("prefix")) in prefixes}


def conflicts(view: Node, intended: Node) -> list[Conflict]:
    """What in the running `router bgp` netorch would have to overwrite."""
    have, want = view.tables.get("router bgp"), intended.tables.get("router bgp")
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
        if name in neighbours and not neighbour(name, neighbours[name]):
            out.append(Conflict(f"config router bgp > config neighbor > edit {quote(name)}",
                                f"the operator already peers with {name}",
                                "give the fabric a tunnels pool apart from the operator's "
                                "BGP peers"))
    return out + _networks(have, owners(view, intended)["network"])


def _networks(have: Node, owns: Owns) -> list[Conflict]:
    out = []
    for name, entry in have.tables.get("network", Node()).entries.items():
        if reserved_id(name) and not owns(name, entry):
            shown = " ".join(entry.words("prefix")) or "no prefix"
            out.append(Conflict(
                f"config router bgp > config network > edit {name}",
                f"network {name} ({shown}) is the operator's, in the IDs netorch reserves "
                f"for its own networks ({RESERVED_IDS.start}-{RESERVED_IDS.stop - 1})",
                f"renumber the operator's network below {RESERVED_IDS.start}: add it "
                f"again under a free lower ID, then delete {name}"))
    return out
