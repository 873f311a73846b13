"""BGP best-path selection over a plan, for one destination prefix at a time.

What the rendered configs do, modelled on the plan's data: each device originates its
site's LANs (and its own loopback); a route crosses a tunnel only if the sender's end
advertises a set holding the prefix and the receiver's end accepts one; the sender
prepends its AS (once, plus the tunnel's prepends); a receiver drops a path holding
its own AS; the receiver's first matching rule (else its catch-all) sets the
local-preference; highest local-preference wins, then the shortest AS path. Two best
routes through different devices with equal preference and length are a tie: real BGP
breaks it by router id or age, so the plan leaves it to chance.

Only transit devices re-advertise what they learn (hubs: they advertise more than their
own site's set); every other device is a leaf for a prefix that is not its own. So a
destination is simulated on the transit devices only, and a source asks its own ends.
"""

from __future__ import annotations

from dataclasses import dataclass

OWN = "<own>"  # the destination site's own set, in identity-free signatures
ORIGIN = -1  # the destination site's AS, in identity-free paths


@dataclass(frozen=True, slots=True)
class Edge:
    """What a device hears over one tunnel: from `peer`, on `underlay`."""

    peer: str
    underlay: str
    local_preference: int
    rules: tuple[tuple[str, int], ...]
    accepts: str
    peer_advertises: str
    peer_prepend: int

    def preference(self, sets: frozenset[str]) -> int | None:
        """The local-preference of a route in `sets` (None: not accepted or not sent)."""
        if self.accepts not in sets or self.peer_advertises not in sets:
            return None
        return next((lp for match, lp in self.rules if match in sets), self.local_preference)


@dataclass(frozen=True, slots=True)
class Route:
    preference: int
    path: tuple[int, ...]
    via: str | None  # the next device; None: originated here
    tie: str | None = None  # another next device as good as `via`

    def key(self) -> tuple[int, int]:
        return (self.preference, -len(self.path))


def offer(edge: Edge, route: Route, sender_asn: int, own_asn: int, sets: frozenset[str]
          ) -> Route | None:
    """The route `edge`'s receiver gets from `route` at its peer, or None if refused."""
    lp = edge.preference(sets)
    if lp is None:
        return None
    path = (sender_asn,) * (1 + edge.peer_prepend) + route.path
    if own_asn in path:
        return None
    return Route(lp, path, edge.peer)


def best(candidates: list[Route]) -> Route | None:
    """Highest local-preference, then shortest path; a tie names the runner-up."""
    if not candidates:
        return None
    candidates.sort(key=Route.key, reverse=True)
    top = candidates[0]
    rival = next((c.via for c in candidates[1:] if c.key() == top.key() and c.via != top.via),
                 None)
    return Route(top.preference, top.path, top.via, rival)


@dataclass(frozen=True)
class Destination:
    """One destination prefix, identity-free for a leaf site: its sets (the site's own
    as `OWN`); per origin leaf device (by member position), the edges transit devices
    hear it on (peer `#0`, `#1`, ...); and the transit devices that originate it
    themselves (a hub site's prefix: real names, the real AS)."""

    sets: frozenset[str]
    origins: tuple[tuple[tuple[str, Edge], ...], ...] = ()
    local: frozenset[str] = frozenset()


def transit_routes(dest: Destination, transit: dict[str, dict[str, list[Edge]]],
                   asns: dict[str, int], down: str | None) -> dict[str, Route]:
    """Each transit device's best route to `dest`, iterated to a fixed point (bounded:
    a policy that never settles keeps its last round)."""
    heard: dict[str, list[Edge]] = {}
    for edges in dest.origins:
        for device, edge in edges:
            if down not in edge.underlay.split("+"):
                heard.setdefault(device, []).append(edge)
    fixed = {t: Route(1 << 32, (), None) for t in dest.local}
    routes = dict(fixed)
    for _ in range(len(transit) + 2):
        fresh = dict(fixed)
        for t, peers in transit.items():
            if t not in fixed and (r := _transit_best(t, dest, heard.get(t, []), peers,
                                                      routes, asns, down)) is not None:
                fresh[t] = r
        if fresh == routes:
            break
        routes = fresh
    return routes


def _transit_best(device: str, dest: Destination, origins: list[Edge],
                  peers: dict[str, list[Edge]], routes: dict[str, Route],
                  asns: dict[str, int], down: str | None) -> Route | None:
    own = asns[device]
    local = Route(0, (), None)
    found = [r for e in origins if (r := offer(e, local, ORIGIN, own, dest.sets))]
    for peer, edges in peers.items():
        if peer in routes:
            found += [r for e in edges if down not in e.underlay.split("+")
                      and (r := offer(e, routes[peer], asns[peer], own, dest.sets))]
    return best(found)
