"""What netorch shares with the operator in Junos `routing-options`: the router-id and
static routes (the rules: netorch/platforms/juniper_junos/config.py).

Router-id: a device without `routing-options router-id` runs by an implicit one, which
Junos takes from lo0's primary address (else its lowest non-127 address), else from the
first interface with an address. When it runs a routing protocol that uses the id, or
has a lo0.0 address (netorch's own /32 there could become the implicit id), setting
another id would reset the operator's adjacencies: a conflict, resolved by pinning the
id the device uses now (`router_id:`), which netorch then sets explicitly.

Static routes: an operator's (untagged) route to a LAN prefix already originates it, so
netorch does not anchor that prefix itself (its export policies match the operator's
route); an operator's route to a tunnel's far end is used as it is when its next hop is
the link's, and is a conflict otherwise.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from netorch.deploy.change import Conflict
from netorch.platforms.juniper_junos.text import ROUTE, Running

_ID = "routing-options router-id "
_PROTOCOLS = re.compile(r"protocols (bgp|ospf|ospf3|isis|ldp|rsvp|pim|msdp)(?= |$)")
_LO0 = re.compile(r"interfaces lo0 unit 0 family inet address (\d+\.\d+\.\d+\.\d+)(?:/\d+)?"
                  r"(?P<flags>( \S+)*)$")
_DISCARD = re.compile(r"routing-options static route (\S+) discard$")
_NEXT_HOP = re.compile(r"routing-options static route \S+ next-hop (\S+)$")


def router_id_conflicts(have: Running, target: list[str]) -> Iterator[Conflict]:
    """netorch's router-id where the device runs by an implicit one it would change."""
    want = next((s[len(_ID):] for s in target if s.startswith(_ID)), None)
    if want is None or have.values(_ID.strip()):
        return
    ours = {m[1] for s in target if (m := _LO0.match(s))}
    lo0 = [m for s in have.effective if (m := _LO0.match(s)) and have.active(s)
           and m[1] not in ours and not m[1].startswith("127.")]
    used = [s for s in have.effective if _PROTOCOLS.match(s) and have.active(s)
            and not have.root(s)]
    names = ", ".join(dict.fromkeys(s.split(" ")[1] for s in used))
    uses = f" (used by {names})" if names else ""
    if lo0:
        now = implicit(lo0)
        if now != want:
            yield Conflict(have.source(next(m[0] for m in lo0 if m[1] == now)),
                           f"the device sets no router-id: Junos uses lo0.0's {now}{uses}, "
                           f"netorch's {want} would replace it",
                           f"set `router_id: {now}` on the device to keep it")
    elif used and want in ours:
        yield Conflict(have.source(used[0]),
                       f"the device sets no router-id: Junos took it from an interface "
                       f"address{uses}, netorch's {want} (its lo0.0 address) would replace it",
                       "set `router_id:` on the device to the router-id it uses now "
                       "(`show route instance detail`)")


def implicit(lo0: list[re.Match[str]]) -> str:
    """The router-id Junos derives from lo0's addresses: the one marked `primary`, else
    the lowest."""
    primary = [m[1] for m in lo0 if " primary" in f"{m['flags']} "]
    return primary[0] if primary else min((m[1] for m in lo0), key=ipaddress.IPv4Address)


def _theirs(have: Running) -> dict[str, list[str]]:
    """The operator's static routes (said or inherited): prefix -> its statements."""
    out: dict[str, list[str]] = {}
    for statement in have.effective:
        if (m := ROUTE.match(statement)) and m[1] not in have.routes:
            out.setdefault(m[1], []).append(statement)
    return out


def _covered(have: Running, statements: list[str], rendered: list[str]) -> bool:
    """Whether the operator's active route does what netorch's would: it originates a
    LAN, or reaches a far end over the same next hops."""
    if not all(have.active(s) for s in statements):
        return False
    if any(_DISCARD.match(s) for s in rendered):
        return True
    hops = {m[1] for s in rendered if (m := _NEXT_HOP.match(s))}
    return hops == {m[1] for s in statements if (m := _NEXT_HOP.match(s))}


def _rendered(target: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for statement in target:
        if m := ROUTE.match(statement):
            out.setdefault(m[1], []).append(statement)
    return out


def fit(have: Running, target: list[str]) -> list[str]:
    """`target` without the routes the operator's own already stand for."""
    theirs = _theirs(have)
    skip = {p for p, mine in _rendered(target).items()
            if p in theirs and _covered(have, theirs[p], mine)}
    return [s for s in target if not ((m := ROUTE.match(s)) and m[1] in skip)]


def route_conflicts(have: Running, target: list[str]) -> Iterator[Conflict]:
    """An operator's route netorch cannot stand beside (`target` is fitted already)."""
    theirs = _theirs(have)
    for prefix, mine in _rendered(target).items():
        if prefix not in theirs:
            continue
        line = have.source(theirs[prefix][0])
        if not all(have.active(s) for s in theirs[prefix]):
            yield Conflict(line, f"the operator's static route to {prefix} is inactive",
                           "activate it, or delete it so that netorch routes "
                           f"{prefix} itself")
            continue
        hops = [m[1] for s in mine if (m := _NEXT_HOP.match(s))]
        found = [m[1] for s in theirs[prefix] if (m := _NEXT_HOP.match(s))]
        via = f" via {' '.join(found)}" if found else ""
        yield Conflict(line, f"the operator routes the tunnel far end {prefix}{via}, "
                       f"netorch via the link's next hop {' '.join(hops)}",
                       f"delete the operator's route to {prefix} if the link's next hop "
                       f"reaches it, or set that link's `next_hop:` to the operator's")
