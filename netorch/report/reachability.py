"""Reachability: which sites reach which, over which underlays, primary and backup.

The model follows the plan's routing policy (netorch.plan.routing): each site
advertises only its own prefixes and only hubs carry transit, so a path is either a
direct tunnel or goes through hubs. The model takes the path with the fewest hops
(shortest AS path), then the best underlay on each hop (local-preference by rank),
hub by hub. (It ignores one subtlety: a hub may prefer another hub's private tunnel
to its own internet tunnel towards an internet-only site.) The *primary* path is
the one taken with every tunnel up; the *backup* path is the one taken when the best
underlay the primary uses is lost fabric-wide (e.g. the private WAN fails).

Sites with the same tunnels (same neighbours over the same underlays) route alike,
so paths are computed once per pair of such classes, not per pair of sites.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from netorch.plan.model import FabricPlan
from netorch.report.model import PathInfo, Route, RouteCount

Key = tuple[int, int]
Found = tuple[Key, PathInfo]


@dataclass
class Graph:
    """Site-level tunnels: site -> neighbour -> underlays (best first)."""

    adj: dict[str, dict[str, tuple[str, ...]]]
    hubs: frozenset[str]
    prefs: dict[str, int]
    _memo: dict[tuple[str, str, frozenset[str], frozenset[str]], Found | None] = field(
        default_factory=dict)

    def underlay(self, a: str, b: str, allowed: frozenset[str]) -> str | None:
        return next((u for u in self.adj[a].get(b, ()) if u in allowed), None)


def graph_of(plan: FabricPlan) -> Graph:
    prefs = dict(plan.fabric.underlays)
    links: dict[str, dict[str, set[str]]] = {s.name: defaultdict(set) for s in plan.sites}
    for t in plan.tunnels:
        for u in t.underlay.split("+"):
            links[t.a.site][t.b.site].add(u)
            links[t.b.site][t.a.site].add(u)
    adj = {site: {n: tuple(sorted(us, key=lambda u: (prefs.get(u, 0), u)))
                  for n, us in sorted(ns.items())} for site, ns in links.items()}
    return Graph(adj, frozenset(plan.fabric.hubs), prefs)


def _route_from(g: Graph, node: str, dst: str, allowed: frozenset[str],
                visited: frozenset[str]) -> Found | None:
    memo_key = (node, dst, allowed, visited & g.hubs)
    if memo_key not in g._memo:
        g._memo[memo_key] = _search(g, node, dst, allowed, visited | {node})
    return g._memo[memo_key]


def _search(g: Graph, node: str, dst: str, allowed: frozenset[str],
            visited: frozenset[str]) -> Found | None:
    found: list[tuple[Key, list[str], PathInfo]] = []
    direct = g.underlay(node, dst, allowed)
    if direct is not None:
        found.append(((1, g.prefs.get(direct, 0)), [], PathInfo(underlays=[direct], via=[])))
    for hub in g.adj[node]:
        first = g.underlay(node, hub, allowed)
        if hub not in g.hubs or hub == dst or hub in visited or first is None:
            continue
        rest = _route_from(g, hub, dst, allowed, visited)
        if rest is not None:
            (hops, _), path = rest
            key = (hops + 1, g.prefs.get(first, 0))
            found.append((key, [hub], PathInfo(underlays=[first, *path.underlays],
                                               via=path.via)))
    if not found:
        return None
    best = min(k for k, _, _ in found)
    same = [(hubs, p) for k, hubs, p in found if k == best]
    path = min(same, key=lambda hp: (hp[1].underlays, hp[1].via))[1]
    hubs = sorted(h for hs, p in same if p.underlays == path.underlays for h in hs)
    via = [" or ".join(hubs), *path.via] if hubs else path.via
    return best, PathInfo(underlays=path.underlays, via=via)


def route(g: Graph, src: str, dst: str) -> Route:
    """Primary path with all underlays; backup without the primary's best underlay."""
    allowed = frozenset(g.prefs)
    primary = _route_from(g, src, dst, allowed, frozenset())
    if primary is None:
        return Route(primary=None, backup=None)
    lost = min(primary[1].underlays, key=lambda u: (g.prefs.get(u, 0), u))
    backup = _route_from(g, src, dst, allowed - {lost}, frozenset())
    return Route(primary=primary[1].text, backup=backup[1].text if backup else None)


def site_classes(g: Graph) -> dict[str, str]:
    """Site -> class label: hubs alone, other sites by their tunnels."""
    labels: dict[str, str] = {}
    for site, neighbours in g.adj.items():
        labels[site] = site if site in g.hubs else repr(sorted(neighbours.items()))
    return labels


@dataclass
class Reach:
    """Routes between classes, and how many sites of each group sit in each class."""

    graph: Graph
    classes: dict[str, str]
    members: dict[str, list[str]]
    _routes: dict[tuple[str, str], Route] = field(default_factory=dict)

    def between(self, src: str, dst_class: str) -> Route:
        key = (self.classes[src], dst_class)
        if key not in self._routes:
            dst = next(s for s in self.members[dst_class] if s != src)
            self._routes[key] = route(self.graph, src, dst)
        return self._routes[key]

    def to_group(self, src: str, targets: Iterable[str]) -> list[RouteCount]:
        """How `src` reaches every other site in `targets`, grouped by route."""
        counts: Counter[Route] = Counter()
        by_class = Counter(self.classes[t] for t in targets if t != src)
        for cls, n in sorted(by_class.items()):
            counts[self.between(src, cls)] += n
        return merge([RouteCount(route=r, pairs=n) for r, n in counts.items()])


def reach_of(plan: FabricPlan) -> Reach:
    g = graph_of(plan)
    classes = site_classes(g)
    members: dict[str, list[str]] = defaultdict(list)
    for site in sorted(classes):
        members[classes[site]].append(site)
    return Reach(g, classes, dict(members))


def merge(counts: Iterable[RouteCount]) -> list[RouteCount]:
    """Sum counts of equal routes; most common first, then by text."""
    total: Counter[Route] = Counter()
    for rc in counts:
        total[rc.route] += rc.pairs
    return [RouteCount(route=r, pairs=n)
            for r, n in sorted(total.items(), key=lambda rn: (-rn[1], rn[0].text))]
