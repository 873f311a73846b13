"""The answers an auditor asks for first: reachability by group and per zone, totals."""

from __future__ import annotations

from collections import Counter, defaultdict

from netorch.report.model import (
    FindingRow,
    Matrix,
    MatrixCell,
    ObservedState,
    ProposalCompliance,
    RouteCount,
    SiteReach,
    SiteRow,
    Summary,
    TunnelRow,
    ZoneAnswer,
)
from netorch.report.reachability import Reach, merge
from netorch.report.wording import count

MAX_ORGANISATIONS = 24  # a larger organisation matrix is unreadable; the zone one stays


def groups(sites: list[SiteRow], by: str) -> dict[str, list[str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for s in sites:
        members[s.zone if by == "zone" else s.organisation].append(s.name)
    return dict(sorted(members.items()))


def site_reach(reach: Reach, sites: list[SiteRow]) -> list[SiteReach]:
    """Every site's routes to every zone."""
    zones = groups(sites, "zone")
    return [SiteReach(site=s.name, zone=z, routes=reach.to_group(s.name, members))
            for s in sites for z, members in zones.items()]


def _cell(source: str, target: str, routes: list[RouteCount]) -> MatrixCell:
    pairs = sum(r.pairs for r in routes)
    reachable = sum(r.pairs for r in routes if r.route.primary is not None)
    return MatrixCell(source=source, target=target, pairs=pairs, reachable=reachable,
                      routes=routes)


def zone_matrix(sites: list[SiteRow], rows: list[SiteReach]) -> Matrix:
    zone_of = {s.name: s.zone for s in sites}
    collected: dict[tuple[str, str], list[RouteCount]] = defaultdict(list)
    for row in rows:
        collected[(zone_of[row.site], row.zone)] += row.routes
    zones = list(groups(sites, "zone"))
    cells = [_cell(a, b, merge(collected[(a, b)])) for a in zones for b in zones]
    return Matrix(by="zone", groups=zones, cells=cells)


def organisation_matrix(reach: Reach, sites: list[SiteRow]) -> Matrix | None:
    orgs = groups(sites, "organisation")
    if len(orgs) > MAX_ORGANISATIONS:
        return None
    cells = []
    for a, sources in orgs.items():
        for b, targets in orgs.items():
            routes = [rc for src in sources for rc in reach.to_group(src, targets)]
            cells.append(_cell(a, b, merge(routes)))
    return Matrix(by="organisation", groups=list(orgs), cells=cells)


def matrices(reach: Reach, sites: list[SiteRow], rows: list[SiteReach]) -> list[Matrix]:
    org = organisation_matrix(reach, sites)
    return [zone_matrix(sites, rows)] + ([org] if org else [])


def zone_answer(zone: str, sites: list[SiteRow], rows: list[SiteReach],
                tunnels: list[TunnelRow]) -> ZoneAnswer:
    inside = {s.name for s in sites if s.zone == zone}
    towards = [r for r in rows if r.zone == zone and r.site not in inside]
    unreachable = sorted(r.site for r in towards
                         if any(rc.route.primary is None for rc in r.routes))
    touching = [t for t in tunnels if t.site_a in inside or t.site_b in inside]
    return ZoneAnswer(
        zone=zone, sites=sorted(inside), reached_by=len(towards) - len(unreachable),
        outside=len(towards), unreachable_from=unreachable,
        routes=merge(rc for r in towards for rc in r.routes), tunnels=len(touching),
        compliant_tunnels=sum(t.compliance != "fail" for t in touching))


def summary(sites: list[SiteRow], tunnels: list[TunnelRow], proposals: list[ProposalCompliance],
            findings: list[FindingRow], reach: Reach, state: ObservedState | None,
            rows: list[SiteReach] | None = None) -> Summary:
    rows = rows if rows is not None else site_reach(reach, sites)
    results = Counter(t.compliance for t in tunnels)
    protection = "; ".join(f"{p.id}: {p.ike} / {p.esp}, {p.auth} auth "
                           f"({count(p.tunnels, 'tunnel')})"
                           for p in proposals)
    return Summary(
        sites=len(sites), devices=sum(len(s.devices) for s in sites),
        ha_sites=sum(s.ha for s in sites), tunnels=len(tunnels),
        tunnels_by_underlay=dict(sorted(Counter(t.underlay for t in tunnels).items())),
        compliance={k: results.get(k, 0) for k in ("pass", "warn", "fail")},
        all_compliant=results.get("fail", 0) == 0,
        findings={k: sum(f.severity == k for f in findings) for k in ("error", "warning")},
        protection=protection,
        zones=[zone_answer(z, sites, rows, tunnels) for z in groups(sites, "zone")],
        live=state.counts if state else None)
