"""Plan-time check: every site pair crosses the same hub devices both ways.

For every pair of sites, and in steady state and with each underlay down fabric-wide,
BGP best-path selection (`netorch.plan.bgpsim`) is simulated from each site's gateway
(its first device by name: the LAN routes out through it) to the other site's first
LAN (its first device's loopback if it has none), both ways. The hub devices on the
way there must be the hub devices on the way back, in reverse order; and no device on
the way may hold two equally good routes through different hub devices.

Exact but fast: sites whose gateway hears the same edges from the transit devices and
whose prefix the transit devices hear on the same edges (names of the site itself
replaced) behave alike as sources and as destinations, so one pair per pair of such
groups is simulated; pairs joined directly (mesh, regional) are simulated each.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

from netorch.findings import Finding, warning
from netorch.inventory.loader import location_of
from netorch.inventory.model import Inventory
from netorch.plan.bgpsim import ORIGIN, OWN, Destination, Edge, Route, best, offer, transit_routes
from netorch.plan.model import FabricPlan
from netorch.plan.prefixindex import PrefixIndex
from netorch.plan.routing import FABRIC_SET, site_set, unfiltered

MAX_HOPS = 64


@dataclass
class Fabric:
    """The plan indexed for the simulation."""

    plan: FabricPlan
    asns: dict[str, int] = field(default_factory=dict)
    hubs: set[str] = field(default_factory=set)
    site_of: dict[str, str] = field(default_factory=dict)
    devices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    edges: dict[str, dict[str, list[Edge]]] = field(default_factory=dict)
    transit: dict[str, dict[str, list[Edge]]] = field(default_factory=dict)
    reach: dict[str, str] = field(default_factory=dict)  # spoke device -> set from hubs
    _routes: dict[tuple[Destination, str | None], dict[str, Route]] = field(
        default_factory=dict)

    @classmethod
    def of(cls, plan: FabricPlan) -> Fabric:
        fab = cls(plan)
        for d in plan.devices:
            fab.asns[d.name] = d.asn
            fab.site_of[d.name] = d.site
            if d.hub:
                fab.hubs.add(d.name)
        fab.devices = {s.name: tuple(s.devices) for s in plan.sites}
        rules: dict[int, tuple[tuple[str, int], ...]] = {}
        movers = {d.name for d in plan.devices if d.advertises != site_set(d.site)}
        for t in plan.tunnels:
            for local, remote in ((t.a, t.b), (t.b, t.a)):
                prefs = local.preferences
                if id(prefs) not in rules:
                    rules[id(prefs)] = tuple((p.match, p.local_preference) for p in prefs)
                if remote.device in fab.hubs and local.device not in fab.hubs:
                    fab.reach[local.device] = local.accepts
                edge = Edge(remote.device, t.underlay, local.local_preference, rules[id(prefs)],
                            unfiltered(local.accepts), unfiltered(remote.advertises), t.prepend)
                fab.edges.setdefault(local.device, {}).setdefault(remote.device, []).append(edge)
        fab.transit = {t: {p: es for p, es in fab.edges.get(t, {}).items() if p in movers}
                       for t in sorted(movers)}
        return fab

    def routes(self, dest: Destination, down: str | None) -> dict[str, Route]:
        key = (dest, down)
        if key not in self._routes:
            self._routes[key] = transit_routes(dest, self.transit, self.asns, down)
        return self._routes[key]


def _own(name: str, site: str) -> str:
    return OWN if name == site_set(site) else name


def _abstract(edge: Edge, site: str, peer: str) -> Edge:
    """`edge` with the site's own set named `OWN` and its peer renamed."""
    own = site_set(site)
    rules = edge.rules
    if any(m == own for m, _ in rules):
        rules = tuple((OWN if m == own else m, lp) for m, lp in rules)
    return Edge(peer, edge.underlay, edge.local_preference, rules,
                OWN if edge.accepts == own else edge.accepts,
                OWN if edge.peer_advertises == own else edge.peer_advertises, edge.peer_prepend)


def destination(fab: Fabric, site: str, sets: frozenset[str], origins: tuple[str, ...]
                ) -> Destination:
    """A site's prefix as the transit devices hear it; identity-free for a leaf site."""
    local = frozenset(o for o in origins if o in fab.transit)
    if local:
        return Destination(sets, local=local)
    heard = tuple(tuple((t, _abstract(e, site, f"#{i}"))
                        for t, es in sorted(fab.edges.get(o, {}).items()) if t in fab.transit
                        for e in fab.edges[t][o])
                  for i, o in enumerate(origins))
    return Destination(frozenset(_own(s, site) for s in sets), heard)


@dataclass(frozen=True)
class Site:
    name: str
    gateway: str
    origins: tuple[str, ...]  # the devices originating the traced prefix
    dest: Destination
    source: tuple[object, ...]  # what the gateway hears from transit devices
    reach: str = FABRIC_SET  # the set its gateway accepts from the hubs
    held: frozenset[str] = frozenset()  # the sets holding its prefix, reach sets too

    def related(self, other: Site) -> bool:
        """Whether each may hear the other's prefix (under a policy only flow partners
        do; a pair that may not has no path to compare)."""
        return ((self.reach == FABRIC_SET or self.reach in other.held)
                and (other.reach == FABRIC_SET or other.reach in self.held))


def sites_of(fab: Fabric, index: PrefixIndex) -> list[Site]:
    out = []
    transit_asns = {fab.asns[t] for t in fab.transit}
    for s in fab.plan.sites:
        members = fab.devices[s.name]
        if not members:
            continue
        gateway = members[0]
        prefix = s.lan[0] if s.lan else fab.plan.device(gateway).loopback.network
        origins = members if s.lan else (gateway,)
        held = index.sets_of(prefix)
        dest = destination(fab, s.name, frozenset(unfiltered(n) for n in held), origins)
        if gateway in fab.transit:
            source: tuple[object, ...] = ("transit", gateway)
        else:
            heard = tuple(e for p, es in sorted(fab.edges.get(gateway, {}).items())
                          if p in fab.transit for e in es)
            asn = fab.asns[gateway]
            source = (heard, asn if asn in transit_asns else None)
        out.append(Site(s.name, gateway, origins, dest, source,
                        fab.reach.get(gateway, FABRIC_SET), held))
    return out


@dataclass(frozen=True)
class Trace:
    hubs: tuple[str, ...]
    tie: tuple[str, str, str] | None  # (device, via, rival)


def trace(fab: Fabric, src: Site, dst: Site, down: str | None) -> Trace | None:
    """The path from `src`'s gateway to `dst`'s prefix (None: no route)."""
    routes = fab.routes(dst.dest, down)
    route = routes.get(src.gateway) if src.gateway in fab.transit else _leaf(fab, src, dst,
                                                                             routes, down)
    path, tie, at = [src.gateway], None, src.gateway
    while route is not None and route.via is not None and len(path) < MAX_HOPS:
        if route.tie is not None and tie is None and {route.via, route.tie} & fab.hubs:
            tie = (at, route.via, route.tie)
        at = _device(fab, dst, route.via)
        path.append(at)
        route = None if route.via.startswith("#") else routes.get(route.via)
    if path[-1] not in fab.devices[dst.name]:
        return None
    return Trace(tuple(d for d in path if d in fab.hubs), tie)


def _device(fab: Fabric, dst: Site, via: str) -> str:
    return fab.devices[dst.name][int(via[1:])] if via.startswith("#") else via


def _leaf(fab: Fabric, src: Site, dst: Site, routes: dict[str, Route], down: str | None
          ) -> Route | None:
    own = fab.asns[src.gateway]
    sets = dst.dest.sets
    found = []
    for peer, edges in fab.edges.get(src.gateway, {}).items():
        for e in edges:
            if down in e.underlay.split("+"):
                continue
            if peer in routes:
                r = offer(e, routes[peer], fab.asns[peer], own, sets)
            elif peer in dst.origins:
                at = fab.devices[dst.name].index(peer)
                r = offer(_abstract(e, dst.name, f"#{at}"), Route(0, (), None), ORIGIN,
                          own, sets)
            else:
                continue
            if r is not None:
                found.append(r)
    return best(found)


SCENARIO = "in steady state"


def check_symmetry(plan: FabricPlan, inventory: Inventory) -> list[Finding]:
    """Warnings for site pairs whose two directions cross different hub devices."""
    if not any(d.hub for d in plan.devices):
        return []
    with paused_gc():
        return _check(plan, inventory)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while indexing: the check makes no cycles, and on a
    10,000-site plan the collector's passes over the plan cost more than the check."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check(plan: FabricPlan, inventory: Inventory) -> list[Finding]:
    fab = Fabric.of(plan)
    sites = sites_of(fab, PrefixIndex(plan.prefix_sets))
    downs: list[str | None] = [None]
    if len(plan.fabric.underlays) > 1:
        downs += sorted(plan.fabric.underlays)
    where = {s.name: i for i, s in enumerate(inventory.sites)}
    found: dict[tuple[str, str], Finding] = {}
    for a, b, alike in _pairs(fab, sites):
        for down in downs:
            finding = _judge(fab, a, b, down, alike, inventory, where)
            if finding is not None:
                found.setdefault((a.name, b.name), finding)
                break
    return list(found.values())


def _pairs(fab: Fabric, sites: list[Site]) -> list[tuple[Site, Site, int]]:
    """Directly joined pairs one by one; the rest one pair per pair of groups, with
    how many pairs it stands for."""
    direct = _direct(fab, sites)
    groups: dict[tuple[object, ...], list[Site]] = defaultdict(list)
    for s in sites:
        groups[(s.source, s.dest)].append(s)
    out = [(a, b, 1) for a, b in direct]
    joined = {(a.name, b.name) for a, b in direct} | {(b.name, a.name) for a, b in direct}
    keys = list(groups)
    for k1, k2 in combinations_with_replacement(range(len(keys)), 2):
        g1, g2 = groups[keys[k1]], groups[keys[k2]]
        pair = next(((a, b) for a in g1 for b in g2
                     if a is not b and (a.name, b.name) not in joined and a.related(b)), None)
        if pair is not None:
            out.append((pair[0], pair[1], _related_pairs(g1, g2, same=k1 == k2)))
    return out


def _related_pairs(g1: list[Site], g2: list[Site], *, same: bool) -> int:
    """How many pairs, one site of each group (two of one), may hear each other
    (`Site.related`, symmetric under a policy: counted from `g1`'s side)."""
    reaching: dict[str, int] = defaultdict(int)  # sites of g2 by the set they accept
    held: dict[str, int] = defaultdict(int)  # sites of g2 by the sets holding them
    for b in g2:
        reaching[b.reach] += 1
        for name in b.held:
            held[name] += 1
    count = 0
    for a in g1:
        if a.reach == FABRIC_SET:  # every b that accepts a
            count += reaching[FABRIC_SET] + sum(reaching.get(n, 0) for n in a.held
                                                if n != FABRIC_SET)
        else:
            count += held[a.reach]
        count -= same and a.related(a)
    return count // 2 if same else count


def _direct(fab: Fabric, sites: list[Site]) -> list[tuple[Site, Site]]:
    by_name = {s.name: s for s in sites}
    pairs: set[tuple[str, str]] = set()
    for s in sites:
        if s.gateway in fab.transit:
            continue
        for peer in fab.edges.get(s.gateway, {}):
            other = fab.site_of[peer]
            if peer not in fab.transit and other in by_name and other != s.name:
                pairs.add((min(s.name, other), max(s.name, other)))
    return [(by_name[a], by_name[b]) for a, b in sorted(pairs)]


def _judge(fab: Fabric, a: Site, b: Site, down: str | None, alike: int,
           inventory: Inventory, where: dict[str, int]) -> Finding | None:
    there, back = trace(fab, a, b, down), trace(fab, b, a, down)
    if there is None or back is None:
        return None
    scenario = SCENARIO if down is None else f"with underlay '{down}' down"
    also = f" ({alike - 1} more site pair{'s' if alike > 2 else ''} alike)" if alike > 1 else ""
    place = location_of(inventory, ("sites", where[a.name], "name"))
    tie = there.tie or back.tie
    if tie is not None:
        return warning("hub-path-tie",
                       f"{a.name} <-> {b.name} {scenario}: {tie[0]} has two equally good "
                       f"routes, through {tie[1]} and {tie[2]}: BGP breaks the tie by age or "
                       f"router id, so the two directions may cross different hubs{also}; "
                       "give the hubs distinct underlays or preferences", place)
    if there.hubs == tuple(reversed(back.hubs)):
        return None
    return warning("asymmetric-hub-path",
                   f"{a.name} <-> {b.name} {scenario}: the way there crosses "
                   f"{_names(there.hubs)}, the way back {_names(back.hubs)}: a stateful hub "
                   f"sees half of each flow and drops it{also}; check that every hub "
                   "reaches every site over the same underlays", place)


def _names(hubs: tuple[str, ...]) -> str:
    return " then ".join(hubs) if hubs else "no hub"

