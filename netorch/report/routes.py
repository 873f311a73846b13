"""Which site can route to which, from the plan's route filters alone.

A site originates its own prefixes; only hubs carry transit (the routing policy,
netorch/plan/routing.py). Over a tunnel from A's end to B's end, A learns a route
to site X when A's end accepts X's prefixes (`TunnelEnd.accepts`, a prefix set of the
plan) and B's end advertises them (`advertises`), and B has the route: B is X, or B
is a hub that learned X from X (or from another hub, which learned it from X). A
direct route wins over one through hubs (fewest hops), and so names the path: direct,
or through every hub A learned the route from (`transit`).

A route lets a site through when it matches every one of the site's prefixes
(`netorch.report.sites`). Sites whose tunnels carry the same filters share one
computation (`filters`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from netorch.plan.model import FabricPlan
from netorch.report.bits import gather, has, mask_of
from netorch.report.sites import Sites

Filters = frozenset[tuple[str, str]]  # (what my end accepts, what the peer's advertises)


class Paths(NamedTuple):
    direct: int  # the destinations a source routes to directly
    via: dict[int, int]  # hub -> the destinations it routes to through that hub


class Routes:
    def __init__(self, plan: FabricPlan, sites: Sites) -> None:
        self.sites = sites
        self.sets = {s.name: s for s in plan.prefix_sets}
        self.hubs = {sites.index[s.name] for s in plan.sites if s.hub}
        pairs: dict[int, dict[int, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
        for t in plan.tunnels:
            a, b = sites.index[t.a.site], sites.index[t.b.site]
            pairs[a][b].add((t.a.accepts, t.b.advertises))
            pairs[b][a].add((t.b.accepts, t.a.advertises))
        self.peers = {i: {j: frozenset(f) for j, f in sorted(ps.items())}
                      for i, ps in pairs.items()}
        self._contained: dict[str, int] = {}
        self._filters: dict[Filters, int] = {}
        self.learned = {h: self._learned(h) for h in sorted(self.hubs)}
        self.via_hub = {h: {h2: self.filters(f) & self.learned[h2]
                            for h2, f in self.peers.get(h, {}).items() if h2 in self.hubs}
                        for h in self.hubs}
        self.known = {h: self.learned[h] | _union(self.via_hub[h].values()) for h in self.hubs}
        self._back = self._backwards()

    def contained(self, name: str) -> int:
        """The sites a prefix set lets through (none for a set the plan lacks)."""
        if name not in self._contained:
            found = self.sets.get(name)
            self._contained[name] = self.sites.let_through(found.entries) if found else 0
        return self._contained[name]

    def filters(self, f: Filters) -> int:
        """The destinations one side takes from a peer over one of their tunnels."""
        if f not in self._filters:
            self._filters[f] = _union(self.contained(a) & self.contained(b) for a, b in f)
        return self._filters[f]

    def _learned(self, hub: int) -> int:
        """The sites a hub learns from themselves."""
        return mask_of(j for j, f in self.peers.get(hub, {}).items() if has(self.filters(f), j))

    def _heard(self, source: int, hub: int) -> int:
        """What `source` may route through `hub`: a spoke, all the hub knows (from its
        peers, and from the other hubs); another hub, only what the hub learned from its
        own peers (it has its own way to the other hubs' peers)."""
        return self.known[hub] if source not in self.hubs else self.learned[hub]

    def paths(self, source: int) -> Paths:
        """Where `source` routes: directly, and per hub next to it, through that hub."""
        direct, via = [], {}
        for j, f in self.peers.get(source, {}).items():
            taken = self.filters(f)
            if has(taken, j):
                direct.append(j)
            if j in self.hubs:
                via[j] = taken & self._heard(source, j) & ~(1 << source)
        return Paths(mask_of(direct), via)

    def out(self, paths: Paths) -> int:
        return paths.direct | _union(paths.via.values())

    def back(self, source: int) -> int:
        """The sites that route to `source`: the replies' way."""
        return self._back[source]

    def transit(self, source: int, paths: Paths) -> dict[int, int]:
        """Per hub: the destinations whose path from `source` crosses it."""
        through = {h: m & ~paths.direct for h, m in paths.via.items()}
        crossed = dict(through)
        for h, m in through.items():
            onward = m & ~self.learned[h]
            for h2, learned in self.via_hub[h].items():
                if h2 != source and onward & learned:
                    crossed[h2] = crossed.get(h2, 0) | (onward & learned)
        return {h: m for h, m in sorted(crossed.items()) if m}

    def _backwards(self) -> list[int]:
        """`back` of every site at once: the transpose of `out`. Per hub, its peers
        that route alike through it form rows (the destinations they reach); a site's
        column says which rows reach it, and sites with one column share one mask: the
        members of those rows, gathered in site order. All in C-speed passes (`zip`,
        `join`, `gather`): on a 10,000-site fabric the relation holds tens of millions
        of pairs."""
        n = len(self.sites.names)
        back = [0] * n
        for hub in sorted(self.hubs):
            rows = self._rows(hub)
            row_of = [len(rows)] * n  # a site no row holds reads the trailing "0"
            for r, (_, members) in enumerate(rows):
                for t in members:
                    row_of[t] = r
            digits = [bin(reached)[:1:-1].ljust(n, "0") for reached, _ in rows]
            memo: dict[str, int] = {}
            for s, column in enumerate(zip(*digits, strict=True)):
                key = "".join(column)
                if key not in memo:
                    memo[key] = int(gather(key + "0", row_of)[::-1], 2)
                back[s] |= memo[key]
        direct: list[list[int]] = [[] for _ in self.sites.names]
        for t, peers in self.peers.items():
            for j, f in peers.items():
                if has(self.filters(f), j):
                    direct[j].append(t)
        return [(b | mask_of(d)) & ~(1 << s) for s, (b, d) in enumerate(zip(back, direct,
                                                                               strict=True))]

    def _rows(self, hub: int) -> list[tuple[int, list[int]]]:
        """The hub's peers by the destinations they route to through it."""
        rows: dict[int, list[int]] = {}
        for t in self.peers[hub]:
            reached = self.filters(self.peers[t][hub]) & self._heard(t, hub)
            rows.setdefault(reached, []).append(t)
        return sorted(rows.items(), key=lambda kv: kv[1][0])


def _union(masks: Iterable[int]) -> int:
    total = 0
    for m in masks:
        total |= m
    return total
