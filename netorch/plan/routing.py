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
