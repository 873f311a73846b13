"""Juniper Junos: `set` statements; netorch owns objects by name and only adds to shared ones.

The running config is read as `show configuration | display set` prints it: `set`
statements, and `deactivate PATH` lines for the operator's inactive statements. What the
device inherits through `apply-groups` counts as configured for every check below (an
AS, router-id, zone member or route in a group is the operator's: junos_groups.py);
netorch never changes or deletes a group.

Owned (changed and deleted by netorch), by name:
- every object named with the reserved prefix `netorch-` (`PREFIX`, spelled once more in
  templates/juniper_junos/_names.j2; a test proves every rendered object is owned here):
  IKE proposals, policies and gateways; IPsec proposals, policies and VPNs; the PKI CA
  profile; its zones `netorch-vpn` and `netorch-<underlay>`; security policies named
  `netorch-...` (in any zone pair); address-book addresses and sets; applications and
  application-sets (a segmentation policy's services); policy-statements;
  route-filter-lists; and the BGP group `netorch` (every other group is the operator's).
  A name starting with `netorch-` is reserved: an operator object so named counts as netorch's;
- tunnel units `st0 unit N` whose description starts with `netorch` (`MARKER`). netorch
  numbers them from the device's tunnel offset (default 1000); a unit it renders that the
  device already has without the marker is a conflict;
- static routes tagged `STATIC_TAG` (the templates tag every route they render).
A statement there that the intended config does not have is deleted, whole objects at
once and referrers first (`_RANK`), so stale tunnels, sites and routes go away.

Shared (added when missing, never changed or deleted):
- `interfaces lo0 unit 0 family inet address <its /32>`: Junos allows one lo0 unit per
  routing instance, so netorch shares lo0.0 and owns that one address statement only,
  never the unit's description, filters or other addresses (an address it stops
  rendering is left behind, as it cannot be told from the operator's);
- `routing-options autonomous-system` and `router-id`: set when the device has none;
  another value is a conflict (`asn:` / `router_id:`); never deleted. A device without a
  router-id that runs a routing protocol or has a lo0.0 address runs by an implicit one
  (junos_routing.py): netorch's must then be that one (`router_id:` pins it);
- a static route the operator already has to a site LAN: it originates the LAN, so
  netorch anchors no discard route for that prefix (its export policy matches theirs);
  one to a tunnel's far end over the link's next hop is used as it is;
- an underlay interface in the operator's zone (the link's `zone:`): netorch adds
  `host-inbound-traffic system-services ike` for it there and never deletes a line in
  an operator's zone; the LAN zone (`lan_zone:`, default trust) is only referenced
  (created empty if missing);
- `security flow tcp-mss ipsec-vpn mss`: added when missing, an operator's value kept.

Conflicts (nothing is sent; each names the inventory setting that resolves it): an st0
unit netorch renders in use by the operator; another autonomous-system or router-id; an
underlay interface (or tunnel unit) in another zone, as Junos allows one zone per
interface; an operator zone whose zone-level system-services netorch's interface-level
`ike` would override (Junos: interface settings override the zone's); a router-id
netorch would set in place of the implicit one; an operator's static route to a tunnel's
far end over another next hop, or an inactive one to a LAN; a BGP neighbour netorch
peers with already in an operator's group; the operator's statements inside a netorch
zone (they would be deleted) or using a netorch zone a deploy deletes (junos_zones.py);
an operator zone with its own address book (`security zones security-zone Z
address-book`) while netorch renders global address-book entries (every config does):
Junos refuses to commit the two together ("If a global address book is defined, you
cannot create zone-based address books": Juniper, "NAT Global Address Book Overview",
https://www.juniper.net/documentation/en_US/junos-space22.2/topics/concept/junos-space-nat-global-address-book-overview.html;
commit error "Zone specific address books are not allowed when there are global address
books defined", https://rtodto.net/address-books-explained/). netorch keeps to the
global book, which every zone's policies can name, so the operator moves theirs there.
The operator's `deactivate` lines are kept; one on netorch's own object is undone
(`activate`).

Order: Junos appends a new term to the end of its policy-statement, so a change ends
with `insert` commands that put the terms of netorch's policy-statements, and its
security policies within a zone pair, in the rendered order (junos_order.py); a change
of order alone is a change (the diff shows those terms removed and added).

Junos shows a pre-shared key encrypted (`ascii-text "$9$..."`): while the device has one
for the same IKE policy it counts as the rendered key, and it is sent again only with
`rotate_keys`. `managed` and `lines` mask key values. The device's own `show | compare`
of the candidate is what gets committed; this diff decides whether there is anything to
do at all (a no-change deploy never opens configuration mode).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from netorch.deploy.change import Change, Conflict, unified
from netorch.platforms.juniper_junos.device import conflicts, present
from netorch.platforms.juniper_junos.order import inserts, orders, sort_key
from netorch.platforms.juniper_junos.routing import fit
from netorch.platforms.juniper_junos.text import (
    KEY,
    MARKER,
    MASK,
    PREFIX,
    STATIC_TAG,
    Running,
    containers,
    lines,
    mask,
    root,
    statements,
)
from netorch.platforms.juniper_junos.zones import zone_conflicts

__all__ = ["MARKER", "MASK", "PREFIX", "STATIC_TAG", "Running", "containers", "lines",
           "managed", "mask", "plan_change", "root", "statements"]

# Deletion order, referrers first (the first pattern a root matches gives its rank).
_RANK = tuple(re.compile(p) for p in (
    r"security policies ", r"protocols bgp ", r"policy-options policy-statement ",
    r"policy-options route-filter-list ", r"security address-book global address-set ",
    r"security address-book ", r"applications application-set ", r"applications application ",
    r"security zones ", r"security ipsec vpn ",
    r"security ike gateway ", r"security ike policy ", r"security ipsec policy ",
    r"security (ike|ipsec) proposal ", r"security pki ", r"interfaces st0 ", r""))


def managed(running: str, intended: str = "") -> str:
    """netorch's part of `running`: its objects, its deactivations, and the shared
    statements it renders (keys masked), as `set`/`deactivate` lines."""
    have = Running.parse(running)
    wanted = {mask(s) for s in fit(have, statements(intended))}
    keep = [f"set {mask(s)}" for s in have.statements if have.root(s) or mask(s) in wanted]
    keep += [f"set {s}" for s in have.inherited if s in wanted and s not in have.index]
    keep += [f"deactivate {p}" for p in have.inactive if have.root(p)]
    return "".join(f"{line}\n" for line in keep)


def plan_change(running: str, intended: str, *, rotate_keys: bool = False) -> Change:
    """What turns netorch's part of `running` into `intended`: deletions of its stale
    objects, `activate` of its deactivated ones, the statements the device lacks, and
    the conflicts that forbid sending any of it."""
    have = Running.parse(running)
    target = fit(have, list(dict.fromkeys(statements(intended))))
    wanted = {mask(s) for s in target}
    stale = [s for s in have.mine() if mask(s) not in wanted]
    commands = deletions(have, stale, target)
    commands += [f"activate {p}" for p in have.inactive if have.root(p) and _covers(p, target)]
    commands += [f"set {s}" for s in target if not present(s, have, rotate_keys)]
    commands += inserts(have.statements, commands, target)
    found = (*conflicts(have, target), *zone_conflicts(have, stale, commands),
             *book_conflicts(have, target))
    if not commands and not found:
        return Change()
    shown = [s for s in target if s in have.index or s not in have.parents]
    new = "<new secret>" if rotate_keys else MASK
    after = sorted((f"set {mask(s, new)}\n" for s in shown), key=sort_key(orders(target)))
    before = sorted(managed(running, intended).splitlines(keepends=True),
                    key=sort_key(orders(have.statements)))
    return Change(unified("".join(before), "".join(after), "config.set"), commands, found)


_ZONE_BOOK = re.compile(r"security zones security-zone (\S+) address-book ")


def book_conflicts(have: Running, target: list[str]) -> Iterator[Conflict]:
    """The operator's zone address books, which Junos refuses beside the global
    address-book entries netorch renders: one conflict per zone."""
    if not any(s.startswith("security address-book ") for s in target):
        return
    zones: dict[str, str] = {}
    for statement in have.effective:
        if (m := _ZONE_BOOK.match(statement)) and have.active(statement):
            zones.setdefault(m[1], statement)
    for zone, statement in zones.items():
        yield Conflict(have.source(statement), f"zone {zone} has its own address book, "
                       "which Junos refuses beside the global address book netorch uses",
                       f"move zone {zone}'s addresses and address-sets into `security "
                       "address-book global` (the policies naming them need no change; rename a "
                       "name two zones share)")


def _covers(path: str, target: list[str]) -> bool:
    return any(t == path or t.startswith(path + " ") for t in target)


def deletions(have: Running, stale: list[str], target: list[str]) -> list[str]:
    """`delete` commands for netorch's stale statements: each at the highest level that
    holds nothing netorch still wants (a whole object when it is gone), referrers first,
    and a key by its path (its encrypted value is not the one to type)."""
    live = containers(target) | set(target)
    gone = set(stale)
    kept = [s for s in have.mine() if s not in gone]
    live |= containers(kept) | set(kept)
    paths: dict[str, int] = {}
    for statement in stale:
        words = statement.split(" ")
        top = len((have.root(statement) or "").split(" "))
        key = KEY.match(statement)
        end = len(key["path"].split(" ")) if key else len(words)
        cut = next((k for k in range(top, end) if " ".join(words[:k]) not in live), end)
        path = " ".join(words[:cut])
        paths.setdefault(path, next(i for i, r in enumerate(_RANK) if r.match(path + " ")))
    return [f"delete {p}" for p in sorted(paths, key=lambda p: paths[p])]


