"""The topology as a site-level graph, for Graphviz (DOT) and mermaid alike.

Device-level tunnels are collapsed into one edge per site pair and underlay, with a
count; when a site has tunnels of one underlay to every hub, they become one edge to
the hub group. Sites are grouped by zone, then organisation. Everything is sorted, so
the same report gives the same graph.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from netorch.report.model import Report, SiteRow

HUB_GROUP = "hubs"  # how the hub group is named; an edge to it has `b=None` (any str is a site)
UP = frozenset({"ESTABLISHED"})


@dataclass(frozen=True)
class Edge:
    a: str
    b: str | None = None  # a site name, or None: "every hub"
    underlay: str = ""
    tunnels: int = 0
    down: int = 0  # with live state: tunnels not ESTABLISHED

    @property
    def b_name(self) -> str:
        return HUB_GROUP if self.b is None else self.b

    @property
    def label(self) -> str:
        text = f"\u00d7{self.tunnels}" if self.tunnels > 1 else ""  # multiplication sign
        return f"{text} {self.down} down".strip() if self.down else text


@dataclass(frozen=True)
class Group:
    zone: str
    organisation: str | None  # None: the zone holds one organisation (named in the label)
    sites: tuple[SiteRow, ...]

    @property
    def title(self) -> str:
        orgs = sorted({s.organisation for s in self.sites})
        return self.organisation or f"{self.zone}: {', '.join(orgs)}"


@dataclass(frozen=True)
class Topology:
    hubs: tuple[SiteRow, ...]
    zones: dict[str, tuple[Group, ...]]
    edges: tuple[Edge, ...]
    underlays: dict[str, int]
    live: bool
    lab: str | None = None  # with live state read from a lab: says so on the diagram


def _groups(sites: list[SiteRow]) -> dict[str, tuple[Group, ...]]:
    by_zone: dict[str, dict[str, list[SiteRow]]] = defaultdict(lambda: defaultdict(list))
    for s in sites:
        if not s.hub:
            by_zone[s.zone][s.organisation].append(s)
    zones: dict[str, tuple[Group, ...]] = {}
    for zone, orgs in sorted(by_zone.items()):
        single = len(orgs) == 1
        zones[zone] = tuple(Group(zone, None if single else org, tuple(members))
                            for org, members in sorted(orgs.items()))
    return zones


def _site_edges(report: Report) -> dict[tuple[str, str, str], tuple[int, int]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    down: Counter[tuple[str, str, str]] = Counter()
    for t in report.tunnels:
        a, b = sorted((t.site_a, t.site_b))
        key = (a, b, t.underlay)
        counts[key] += 1
        down[key] += t.status is not None and t.status not in UP
    return {k: (counts[k], down[k]) for k in sorted(counts)}


def edges(report: Report) -> tuple[Edge, ...]:
    """Site-level edges; a site's edges of one underlay to all hubs become one edge."""
    hubs = set(report.fabric.hubs)
    raw = _site_edges(report)
    to_hubs: dict[tuple[str, str], list[tuple[str, int, int]]] = defaultdict(list)
    result: list[Edge] = []
    for (a, b, u), (n, down) in raw.items():
        if len(hubs) > 1 and (a in hubs) != (b in hubs):
            spoke, hub = (b, a) if a in hubs else (a, b)
            to_hubs[(spoke, u)].append((hub, n, down))
        else:
            result.append(Edge(*_hub_first(a, b, hubs), underlay=u, tunnels=n, down=down))
    for (spoke, u), ends in sorted(to_hubs.items()):
        if len(ends) == len(hubs):
            result.append(Edge(spoke, None, u, sum(e[1] for e in ends),
                               sum(e[2] for e in ends)))
        else:
            result += [Edge(hub, spoke, u, n, down) for hub, n, down in ends]
    return tuple(sorted(result, key=lambda e: (e.a, e.b_name, e.b is None, e.underlay)))


def _hub_first(a: str, b: str, hubs: set[str]) -> tuple[str, str]:
    return (b, a) if b in hubs and a not in hubs else (a, b)


def topology(report: Report) -> Topology:
    return Topology(hubs=tuple(s for s in report.sites if s.hub),
                    zones=_groups(report.sites), edges=edges(report),
                    underlays=dict(sorted(report.fabric.underlays.items(),
                                          key=lambda kv: (kv[1], kv[0]))),
                    live=report.state is not None, lab=_lab_caption(report))


def _lab_caption(report: Report) -> str | None:
    origin = report.state.origin if report.state is not None else None
    if origin is None or origin.lab is None:
        return None
    return f"LAB STATE, NOT PRODUCTION: lab {origin.lab}, read {origin.generated_at}"


def site_caption(s: SiteRow) -> str:
    """Second line of a site's label: HA pairs say so."""
    devices = f"{len(s.devices)} devices (HA)" if s.ha else "1 device"
    return f"{'hub · ' if s.hub else ''}{devices}"
