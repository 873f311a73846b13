"""Routing policy: who advertises what, who accepts what from whom, and preferences.

Each site advertises only its own prefixes (LANs and device loopbacks). A peer
accepts from a non-hub site exactly that site's prefixes, so a compromised station
cannot attract another agency's traffic. Hubs are the trusted transit: they
re-advertise every site, and what is accepted from a hub is the fabric's aggregate.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from functools import lru_cache
from ipaddress import IPv4Network

from netorch.inventory.model import Inventory, Site
from netorch.plan.model import PrefixEntry, PrefixSet
from netorch.plan.values import shared_network

FABRIC_SET = "fabric-all"
# What an end accepts from, and advertises to, a direct (mesh) peer its site may
# exchange no flow with under the policy: nothing.
NO_ROUTES = "fabric-none"
REACH = "fabric-reach-"  # + the lowest site id of the sites sharing the set (`reach_sets`)


def unfiltered(name: str) -> str:
    """A set as the hub-path simulation sees it: a spoke's reach set is the fabric set.

    The policy's reach sets decide only whether a spoke hears a site at all, never
    which hub device carries it (the same set is on every end between the spoke and
    the hubs), so paths are simulated as without a policy (`netorch.plan.symmetry`).
    """
    return FABRIC_SET if name.startswith(REACH) else name


@lru_cache(maxsize=1 << 15)
def site_set(site: str) -> str:
    """The name of a site's own prefix set (one string per site, shared by every tunnel
    end that names it)."""
    return f"site-{site}"


def prefix_sets(inventory: Inventory, lans: Mapping[str, Sequence[IPv4Network]],
                loopbacks: Mapping[str, IPv4Network]) -> list[PrefixSet]:
    """One exact set per site, and the aggregate of the whole fabric (for hubs).
    `lans`: each site's LAN prefixes; `loopbacks`: each device's loopback /32."""
    sets = [_site_prefixes(site, lans[site.name], loopbacks)
            for site in sorted(inventory.sites, key=lambda s: s.name)]
    every = [p for s in inventory.sites for p in s.lan]
    aggregate = [PrefixEntry.build(prefix=shared_network(n), le=32)
                 for n in [*ipaddress.collapse_addresses(every), inventory.fabric.pools.loopbacks]]
    sets.append(PrefixSet(name=FABRIC_SET, description="every site's prefixes (from hubs)",
                          entries=sorted(aggregate, key=_entry_key)))
    return sorted(sets, key=lambda s: s.name)


def reach_sets(related: Mapping[str, frozenset[str]], sets: Sequence[PrefixSet],
               ids: Mapping[str, int]) -> tuple[dict[str, str], list[PrefixSet]]:
    """Under a policy, what each site accepts from the hubs (and they advertise to it):
    the prefixes of the sites it may exchange flows with. Sites with the same partners
    share one `fabric-reach-ID` set (ID: the lowest site id among them, so the name
    stays short: FortiOS allows 35 characters); a site whose partners are every site
    takes the fabric set; one with none, `NO_ROUTES`. `related`: each site's partners
    (one shared object per class of sites); `sets`: the site sets (`prefix_sets`);
    `ids`: every site's id."""
    by_name = {s.name: s for s in sets}
    # every site set's entries ranked once: each class then sorts by an int
    rank = {id(e): i for i, e in enumerate(sorted(
        (e for s in sets if s.name != FABRIC_SET for e in s.entries), key=_entry_key))}
    classes: dict[frozenset[str], list[str]] = {}
    for site in sorted(related):
        classes.setdefault(related[site], []).append(site)
    names: dict[str, str] = {}
    out = []
    for partners, members in sorted(classes.items(), key=lambda kv: kv[1][0]):
        first = min(members, key=lambda m: ids[m])
        if len(partners) == len(ids):
            name = FABRIC_SET
        elif not partners:
            name = NO_ROUTES
        else:
            name = f"{REACH}{ids[first]}"
            entries = [e for p in sorted(partners) for e in by_name[site_set(p)].entries]
            out.append(PrefixSet(name=name, description=f"what {first}"
                                 f"{' and its peers' if len(members) > 1 else ''} may reach",
                                 entries=sorted(entries, key=lambda e: rank[id(e)])))
        names.update(dict.fromkeys(members, name))
    return names, out


def no_routes() -> PrefixSet:
    return PrefixSet(name=NO_ROUTES, description="nothing: the policy allows no flow",
                     entries=[])


def _site_prefixes(site: Site, lans: Sequence[IPv4Network], loopbacks: Mapping[str, IPv4Network]
                   ) -> PrefixSet:
    entries = [PrefixEntry.build(prefix=p, le=None) for p in lans]
    entries += [PrefixEntry.build(prefix=loopbacks[d.name], le=None)
                for d in site.devices if d.name in loopbacks]
    return PrefixSet(name=site_set(site.name), description=f"{site.name}'s own prefixes",
                     entries=sorted(entries, key=_entry_key))


def _entry_key(entry: PrefixEntry) -> tuple[int, int]:
    return int(entry.prefix.network_address), entry.prefix.prefixlen


def advertises(site: str, hub: bool) -> str:
    return FABRIC_SET if hub else site_set(site)


def accepts_from(peer_site: str, peer_is_hub: bool) -> str:
    return FABRIC_SET if peer_is_hub else site_set(peer_site)


def local_preference(rank: int, kind: str = "hub-spoke") -> int:
    """The band of a tunnel: primary underlay 200, first backup 150, then 100 and below.

    Between hubs everything is 100 lower, so a hub always prefers its own tunnel to a
    site (even the backup underlay) over reaching that site through the other hub.
    Each end refines it below the band's top (`netorch.plan.hubpolicy`).
    """
    base = 200 - 50 * rank
    return max(base - 100 if kind == "hub-hub" else base, 10)


# Added to a direct (mesh) route between two non-hub sites: it beats every route through a
# hub, whatever the underlays. Else a site with a better underlay to the hubs than to its
# mesh peer would go through a hub while the peer, lacking that underlay, came back direct.
DIRECT = 1000


def end_preference(band: int, member_rank: int) -> int:
    """An end's local-preference towards the `member_rank`-th device (by name) of a site.

    >>> end_preference(200, 0), end_preference(200, 1), end_preference(10, 3), end_preference(2, 5)
    (200, 199, 7, 1)
    """
    return max(band - member_rank, 1)
