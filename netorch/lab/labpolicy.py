"""What the segmentation policy expects of the lab, from the plan alone.

A flow from site S to site T of a probe (tcp/N, udp/N or icmp) is expected through
when some rule of `plan.policy` has S among its source group's sites, T among its
destination group's sites and the probe among its services' ports (`FlowPolicy`).
Everything else that would cross the fabric is expected refused. Which LANs a device
may route is the plan's too: the prefix sets its tunnel ends accept (`routable_lans`).

The `policy` check (`labflows`) tests, for every ordered pair of sites, the probes
`choose_flows` picks: every probe of the policy in a small lab, else a deterministic
sample per pair holding every probe the pair allows, one TCP port no rule names, the
first probe of the policy the pair does not allow, and ICMP.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

from netorch.lab.spec import LabSpec
from netorch.plan.model import FabricPlan, PolicyPlan, ServicePort
from netorch.plan.prefixindex import PrefixIndex

FULL_LIMIT = 12          # sites: up to this many, every probe on every pair
UNLISTED = (9, 7, 13, 37, 79, 113)  # ports tried first for "no rule names it"
TRACEROUTE_UDP = (33434, 33434 + 8)  # traceroute's UDP ports at -q 1 -m 8


@dataclass(frozen=True, order=True)
class Probe:
    """One protocol and port a flow is tested with (port 0: icmp)."""

    protocol: str
    port: int = 0

    def __str__(self) -> str:
        """How the policy writes it.

        >>> str(Probe("tcp", 443)), str(Probe("icmp"))
        ('tcp/443', 'icmp')
        """
        return self.protocol if self.protocol == "icmp" else f"{self.protocol}/{self.port}"


ICMP = Probe("icmp")


@dataclass(frozen=True)
class Flow:
    src: str        # site
    dst: str        # site
    probe: Probe
    allowed: bool   # what the policy says


def _matches(port: ServicePort, probe: Probe) -> bool:
    if port.protocol == "any":
        return True
    if port.protocol != probe.protocol:
        return False
    if probe.protocol == "icmp" or port.first is None:
        return True
    return port.first <= probe.port <= (port.last if port.last is not None else port.first)


class FlowPolicy:
    """The plan's policy as a predicate on (source site, destination site, probe)."""

    def __init__(self, policy: PolicyPlan) -> None:
        sites = {g.name: frozenset(g.sites) for g in policy.groups}
        ports = {s.name: tuple(s.ports) for s in policy.services}
        self.rules = [(sites.get(r.source, frozenset()), sites.get(r.destination, frozenset()),
                       tuple(p for s in r.services for p in ports.get(s, ())))
                      for r in policy.rules]
        self.services = [p for s in policy.services for p in s.ports]
        self._unlisted = {proto: self._first_unlisted(proto) for proto in ("tcp", "udp")}
        named = {Probe(p.protocol, end) for p in self.services if p.protocol in ("tcp", "udp")
                 for end in (p.first, p.last) if end is not None}
        self._universe = sorted({*named, ICMP, *self._unlisted.values()})

    @classmethod
    def of(cls, plan: FabricPlan) -> FlowPolicy | None:
        return None if plan.policy is None else cls(plan.policy)

    def allows(self, src: str, dst: str, probe: Probe) -> bool:
        return any(src in a and dst in b and any(_matches(p, probe) for p in ports)
                   for a, b, ports in self.rules)

    def related(self, src: str, dst: str) -> bool:
        """Some rule lets one of the two open a flow to the other."""
        return any((src in a and dst in b) or (dst in a and src in b) for a, b, _ in self.rules)

    def universe(self) -> list[Probe]:
        """Every probe the policy names (both ends of a port range), one TCP and one UDP
        port no rule names, and ICMP; sorted."""
        return list(self._universe)

    def unlisted(self, protocol: str) -> Probe:
        """A port of `protocol` (tcp, udp) that no service of the policy names (an `any`
        service still allows it)."""
        return self._unlisted[protocol]

    def _first_unlisted(self, protocol: str) -> Probe:
        ranges = [p for p in self.services if p.protocol == protocol]
        for port in itertools.chain(UNLISTED, range(1024, 65536)):
            probe = Probe(protocol, port)
            if not any(_matches(p, probe) for p in ranges):
                return probe
        return Probe(protocol, UNLISTED[0])  # every port named: any of them will do

    def forbidden(self, src: str, dst: str, protocols: tuple[str, ...] = ("tcp",)
                  ) -> Probe | None:
        """The first probe of `protocols` the policy names (allows somewhere) but not from
        `src` to `dst` (None: there is none)."""
        unlisted = set(self._unlisted.values())
        return next((p for p in self._universe if p.protocol in protocols
                     and p not in unlisted and not self.allows(src, dst, p)), None)

    def trace_options(self, src: str, dst: str) -> tuple[str, ...] | None:
        """traceroute's options for a probe the policy lets through from `src` to `dst`:
        ICMP echo (-I), else TCP SYN to an allowed port (-T -p N), else its default UDP
        when those ports are allowed; None when none is."""
        if self.allows(src, dst, ICMP):
            return ("-I",)
        for probe in self.universe():
            if probe.protocol == "tcp" and self.allows(src, dst, probe):
                return ("-T", "-p", str(probe.port))
        if all(self.allows(src, dst, Probe("udp", p)) for p in TRACEROUTE_UDP):
            return ()
        return None


def choose_flows(policy: FlowPolicy, sites: Sequence[str], full: bool | None = None
                 ) -> list[Flow]:
    """The flows the check tests between every ordered pair of `sites`: every probe of
    the policy's universe when `full` (default: at most FULL_LIMIT sites), else per
    pair the probes it allows, the unlisted TCP port, ICMP and the first probe of the
    universe the pair does not allow."""
    universe = policy.universe()
    every = len(sites) <= FULL_LIMIT if full is None else full
    flows = []
    for src in sites:
        for dst in sites:
            if src == dst:
                continue
            chosen = universe if every else _sample(policy, src, dst, universe)
            flows += [Flow(src, dst, p, policy.allows(src, dst, p)) for p in chosen]
    return flows


def _sample(policy: FlowPolicy, src: str, dst: str, universe: list[Probe]) -> list[Probe]:
    allowed = [p for p in universe if policy.allows(src, dst, p)]
    denied = policy.forbidden(src, dst, ("tcp", "udp"))
    return sorted({*allowed, policy.unlisted("tcp"), ICMP, *([denied] if denied else [])})


def routable_lans(plan: FabricPlan, device: str) -> tuple[list[str], list[str]]:
    """(the other sites' LANs `device` may route, those it must not): a LAN may be
    routed when a prefix set one of its tunnel ends accepts holds it."""
    accepts = {e.accepts for t in plan.tunnels_of(device) for e in t.ends()
               if e.device == device}
    index = PrefixIndex(plan.prefix_sets)
    site = plan.device(device).site
    lans = sorted({p for s in plan.sites if s.name != site for p in s.lan},
                  key=lambda n: (int(n.network_address), n.prefixlen))
    may = [str(p) for p in lans if index.sets_of(p) & accepts]
    return may, [str(p) for p in lans if str(p) not in may]


def site_routes(plan: FabricPlan, spec: LabSpec) -> dict[str, set[IPv4Network]]:
    """Each site's LANs routed by its hosts' gateway device, as the plan says."""
    gateways = {h.site: gateway_device(spec, h.site) for h in spec.hosts}
    return {site: {IPv4Network(p) for p in routable_lans(plan, dev)[0]}
            for site, dev in gateways.items()}


def gateway_device(spec: LabSpec, site: str) -> str:
    host = next(h for h in spec.hosts if h.site == site)
    return next(d.name for d in spec.devices if d.site == site
                and any(a.ip == host.gateway for a in d.lan))


def routed(plan: FabricPlan, spec: LabSpec) -> dict[str, set[str]]:
    """Each site: the sites whose first LAN its gateway device may route."""
    lans = site_routes(plan, spec)
    firsts = {s.name: s.lan[0] for s in plan.sites if s.lan}
    return {site: {t for t, lan in firsts.items() if lan in mine}
            for site, mine in lans.items()}


def ping_pairs(policy: FlowPolicy | None, sites: Iterable[tuple[str, str]]
               ) -> tuple[list[tuple[str, str]], int]:
    """The site pairs a ping may cross (all without a policy), and how many the
    policy's icmp rules leave out."""
    pairs = list(sites)
    if policy is None:
        return pairs, 0
    kept = [(a, b) for a, b in pairs if policy.allows(a, b, ICMP)]
    return kept, len(pairs) - len(kept)
