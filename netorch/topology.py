"""Which sites must reach which: the topology rules shared by checks and the planner."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import combinations

from netorch.inventory.model import Inventory, Site


def hub_names(inventory: Inventory) -> set[str]:
    """Hub sites that exist (unknown names are a check finding, not a hub)."""
    if inventory.fabric.topology.kind == "full-mesh":
        return set()
    names = {s.name for s in inventory.sites}
    return {h for h in inventory.fabric.topology.hubs if h in names}


def underlays_of(site: Site) -> frozenset[str]:
    return frozenset(link.underlay for d in site.devices for link in d.links)


def site_pairs(inventory: Inventory) -> Iterator[tuple[Site, Site]]:
    """Every pair of sites the topology connects, once, lower site id first.

    hub-and-spoke: every site to every hub; full-mesh: every pair;
    regional: every pair inside a region, plus every site to every hub.
    """
    sites = sorted(inventory.sites, key=lambda s: s.id)
    kind = inventory.fabric.topology.kind
    if kind == "full-mesh":
        yield from combinations(sites, 2)
        return
    hubs = hub_names(inventory)
    pairs: set[tuple[int, int]] = set()
    for hub in (s for s in sites if s.name in hubs):
        pairs.update((min(hub.id, s.id), max(hub.id, s.id)) for s in sites if s is not hub)
    if kind == "regional":
        regions: dict[str, list[Site]] = defaultdict(list)
        for s in sites:
            regions[s.region].append(s)
        for members in regions.values():
            pairs.update((a.id, b.id) for a, b in combinations(members, 2))
    by_id = {s.id: s for s in sites}
    yield from ((by_id[a], by_id[b]) for a, b in sorted(pairs))


class _Reach:
    """Per-underlay site counts of the groups a site must reach (no pair enumeration)."""

    def __init__(self, inventory: Inventory) -> None:
        self.kind = inventory.fabric.topology.kind
        self.hubs = hub_names(inventory)
        cross = inventory.fabric.cross_underlay
        self.keys = [frozenset({"*"}) if cross and underlays_of(s) else underlays_of(s)
                     for s in inventory.sites]
        self.everyone: Counter[str] = Counter()
        self.hub_count: Counter[str] = Counter()
        self.region: dict[str, Counter[str]] = defaultdict(Counter)
        self.region_hubs: dict[str, Counter[str]] = defaultdict(Counter)
        for site, key in zip(inventory.sites, self.keys, strict=True):
            self.everyone.update(key)
            self.region[site.region].update(key)
            if site.name in self.hubs:
                self.hub_count.update(key)
                self.region_hubs[site.region].update(key)

    def group(self, site: Site) -> tuple[Counter[str], bool]:
        """The underlay counts of the sites `site` must reach, and whether it is among them."""
        if self.kind == "full-mesh" or site.name in self.hubs:
            return self.everyone, True
        if self.kind == "hub-and-spoke":
            return self.hub_count, False
        group = self.region[site.region] + self.hub_count
        group.subtract(self.region_hubs[site.region])
        return group, True


def unreachable_sites(inventory: Inventory) -> list[int]:
    """Indexes of sites that share no underlay with any site they must reach."""
    if len(inventory.sites) < 2:
        return []
    reach = _Reach(inventory)
    if reach.kind == "hub-and-spoke" and not reach.hubs:
        return []  # reported as "no hubs" instead
    bad = []
    for i, site in enumerate(inventory.sites):
        group, includes_self = reach.group(site)
        own = 1 if includes_self else 0
        if not any(group[u] - own > 0 for u in reach.keys[i]):
            bad.append(i)
    return bad
