"""The `policy` check of `lab test`: the segmentation policy holds in the running lab.

For every ordered pair of sites, the flows `labpolicy.choose_flows` picks run from the
source site's LAN test host to the destination's, with a listener on every probed port
there (`labflows`). An allowed flow must get through (TCP handshake, UDP echo, ICMP echo
reply). A denied flow must not: it must time out, or be answered by an ICMP unreachable
from the source site's own device (it has no route to a LAN the policy hides); a TCP
reset or any answer from further away means it entered the fabric. Both kinds are tried
once more with a longer timeout when the first try was not conclusive: an allowed flow
that did not get through (a SYN lost on a busy machine is no finding), a denied flow
that timed out (one that is only slow must not count as stopped).

Then, for a sample of denied flows (`capture_sample`: up to CAPTURE_SOURCES source sites
that have an allowed flow to serve as a control, spokes whose gateway routes the
destination first, so the firewall, not routing, is what stops them), dumpcap on every
tunnel interface of the source site's devices shows that none of their packets leaves
the site into the fabric, while the allowed control flow from the same host is seen
leaving (the capture sees what it should); the source devices' `policy-drops` counter
rises by at least one packet per sampled flow their gateway has a route for (the
firewall dropped it there), and `ip route get` on the gateway finds no route for the
others (routing stopped them). A sampled source without a control proves nothing: the
capture is then reported inconclusive, which fails the check; sources with a control are
sampled first, so that happens only when no source may open any flow.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from ipaddress import IPv4Address

from netorch.lab import labflows, labpolicy, sh
from netorch.lab.errors import LabError
from netorch.lab.labflows import Outcome
from netorch.lab.labpolicy import Flow, FlowPolicy
from netorch.lab.labsymmetry import owners
from netorch.lab.pcapng import Packet
from netorch.lab.runtime import Runtime
from netorch.lab.spec import LabDevice, LabHost, LabSpec
from netorch.plan.model import FabricPlan

CAPTURE_SOURCES = 4
DROPS = "policy-drops"  # a device's named counter of what its policy rules dropped
MAX_DETAILS = 40


def describe(flow: Flow) -> str:
    return f"{flow.src} -> {flow.dst} {flow.probe}"


@dataclass(frozen=True)
class Judge:
    """Who owns an address (device names, `SITE host`), and each device's site."""

    owned: dict[IPv4Address, str]
    site_of: dict[str, str]

    @classmethod
    def of(cls, plan: FabricPlan, spec: LabSpec) -> Judge:
        return cls(owners(plan, spec), {d.name: d.site for d in spec.devices})

    def who(self, address: str) -> str:
        try:
            name = self.owned.get(IPv4Address(address), "")
        except ValueError:
            name = ""
        return f"{address} ({name})" if name else address or "?"

    def at_source(self, flow: Flow, address: str) -> bool:
        try:
            name = self.owned.get(IPv4Address(address), "")
        except ValueError:
            return False
        return self.site_of.get(name) == flow.src

    def problem(self, flow: Flow, seen: Outcome) -> str:
        """'' when `seen` is what the policy expects of `flow`, else what is wrong."""
        if flow.allowed:
            return "" if seen.outcome == "open" else \
                f"{describe(flow)}: allowed, but {seen.outcome}{self._by(seen)}"
        if seen.outcome == "timeout" or (seen.outcome == "unreachable"
                                         and self.at_source(flow, seen.by)):
            return ""
        if seen.outcome == "open":
            return f"{describe(flow)}: denied, but it got through (the listener answered)"
        if seen.outcome == "refused":
            return (f"{describe(flow)}: denied, but refused{self._by(seen)}: a reset or port "
                    "unreachable means it reached the destination")
        return f"{describe(flow)}: denied, {seen.outcome}{self._by(seen)}: not stopped at the "\
            "source site"

    def _by(self, seen: Outcome) -> str:
        return f" from {self.who(seen.by)}" if seen.by else ""


def check_policy(rt: Runtime, plan: FabricPlan, policy: FlowPolicy
                 ) -> tuple[bool, str, list[str]]:
    """Every ordered site pair: allowed flows through, denied ones stopped at the source;
    and a capture of a sample of denied flows on the source devices' tunnels."""
    try:
        return _check_policy(rt, plan, policy)
    except LabError as exc:  # a listener that did not start, a tool that failed
        return False, f"the policy check could not run: {exc}", []


def _check_policy(rt: Runtime, plan: FabricPlan, policy: FlowPolicy
                  ) -> tuple[bool, str, list[str]]:
    sites = [h.site for h in rt.spec.hosts]
    flows = labpolicy.choose_flows(policy, sites)
    judge = Judge.of(plan, rt.spec)
    with labflows.listening(rt.spec.hosts, policy.universe()):
        seen = labflows.run_flows(rt.spec, flows)
        again = [f for f in flows if inconclusive(f, seen[f])]
        if again:
            seen.update(labflows.run_flows(rt.spec, again, labflows.RETRY_TIMEOUT))
        sample = capture_sample(plan, rt.spec, policy, flows)
        proof_ok, proof, proof_details = prove_contained(rt, sample)
    problems = [p for f in flows if (p := judge.problem(f, seen[f]))]
    summary = _summary(flows, seen, judge, len(sites), policy, again)
    details = problems[:MAX_DETAILS] + ([f"... and {len(problems) - MAX_DETAILS} more"]
                                        if len(problems) > MAX_DETAILS else [])
    return not problems and proof_ok, f"{summary}; {proof}", details + proof_details


def inconclusive(flow: Flow, seen: Outcome) -> bool:
    """A first try to repeat with the longer timeout: an allowed flow that did not get
    through, a denied one that timed out."""
    return seen.outcome != "open" if flow.allowed else seen.outcome == "timeout"


def _summary(flows: list[Flow], seen: dict[Flow, Outcome], judge: Judge, sites: int,
             policy: FlowPolicy, again: list[Flow]) -> str:
    allowed = [f for f in flows if f.allowed]
    denied = [f for f in flows if not f.allowed]
    ok_allowed = sum(not judge.problem(f, seen[f]) for f in allowed)
    ok_denied = [f for f in denied if not judge.problem(f, seen[f])]
    how = Counter(seen[f].outcome for f in ok_denied)
    retried = sum(f.allowed for f in again)
    universe = len(policy.universe())
    per_pair = (f"all {universe} probes of the policy" if len(flows) == universe * sites
                * (sites - 1) else f"a sample of the policy's {universe} probes")
    return (f"{sites * (sites - 1)} ordered site pairs, {len(flows)} flows ({per_pair} per "
            f"pair; {len(policy.services)} service ports): allowed {ok_allowed}/{len(allowed)}"
            f" got through{f' ({retried} tried twice)' if retried else ''}, denied "
            f"{len(ok_denied)}/{len(denied)} stopped ({how['timeout']} timed out at "
            f"{labflows.TIMEOUT:g} s and again at {labflows.RETRY_TIMEOUT:g} s, "
            f"{how['unreachable']} ICMP unreachable from the source's own device)")


@dataclass(frozen=True)
class Sampled:
    """The denied flows captured from one source site, and an allowed control flow."""

    src: str
    denied: list[Flow]
    control: Flow | None


CONTROL_ORDER = ("tcp", "udp", "icmp")  # a control flow: TCP if the source has one


def capture_sample(plan: FabricPlan, spec: LabSpec, policy: FlowPolicy, flows: list[Flow],
                   limit: int = CAPTURE_SOURCES) -> list[Sampled]:
    """Up to `limit` source sites, those with an allowed flow (the control: its first
    TCP one, else UDP, else ICMP) first, then spokes whose gateway routes a denied
    destination (the firewall stops it, not routing); per source one such denied
    TCP/UDP flow and one to a destination it does not route. Sources without a control
    only when no source has one (the capture is then inconclusive)."""
    routes = labpolicy.routed(plan, spec)
    hubs = {s.name for s in plan.sites if s.hub}
    zones = {s.name: s.zone for s in plan.sites}
    order = {h.site: i for i, h in enumerate(spec.hosts)}
    picks = []
    for src, rank in order.items():
        denied = [f for f in flows if f.src == src and not f.allowed
                  and f.probe.protocol != "icmp"]
        firewall = [f for f in denied if f.dst in routes.get(src, set())]
        unrouted = [f for f in denied if f.dst not in routes.get(src, set())]
        chosen = firewall[:1] + unrouted[:1]
        control = next((f for proto in CONTROL_ORDER for f in flows if f.src == src
                        and f.allowed and f.probe.protocol == proto), None)
        if chosen:
            picks.append(((control is None, not firewall, src in hubs, rank),
                          Sampled(src, chosen, control)))
    ranked = [s for _, s in sorted(picks, key=lambda p: p[0])]
    return _spread([s for s in ranked if s.control] or ranked, zones, limit)


def _spread(ranked: list[Sampled], zones: dict[str, str], limit: int) -> list[Sampled]:
    """The best ranked first, one per zone while zones are left, then the rest in rank."""
    chosen: list[Sampled] = []
    for s in ranked:
        if len(chosen) < limit and zones[s.src] not in {zones[c.src] for c in chosen}:
            chosen.append(s)
    chosen += [s for s in ranked if s not in chosen][:limit - len(chosen)]
    return chosen


def prove_contained(rt: Runtime, sample: list[Sampled]) -> tuple[bool, str, list[str]]:
    """dumpcap on every tunnel interface of each sampled source site's devices while its
    denied flows and its control run: no packet of a denied flow, the control's seen;
    the source devices' policy-drops counters moved for the flows they route."""
    if not sample:
        return True, "capture: no denied TCP or UDP flow to capture", []
    if not any(s.control for s in sample):  # nothing to show the capture sees anything
        return False, _proof(0, sample, Counter(inconclusive=1), (0, 0, 0)), [
            line for s in sample for _, line in _captured(s, [], {})]
    hosts = {h.site: h for h in rt.spec.hosts}
    jobs = [(s, dev) for s in sample for dev in rt.spec.devices if dev.site == s.src]
    flows = [f for s in sample for f in (*s.denied, *([s.control] if s.control else []))]
    edges = [dev for _, dev in jobs]
    before = labflows.counters(edges, DROPS)
    caught = labflows.captures(
        [(dev.ns, labflows.tunnel_ifnames(dev), f"ip and src host {hosts[s.src].address}")
         for s, dev in jobs],
        lambda: labflows.run_flows(rt.spec, flows))
    rose = labflows.moved(before, labflows.counters(edges, DROPS))
    seen: dict[str, list[Packet]] = {}
    for (s, _), packets in zip(jobs, caught, strict=True):
        seen.setdefault(s.src, []).extend(packets)
    found = [kind_line for s in sample for kind_line in _captured(s, seen[s.src], hosts)]
    dropped, counted = _drops_where_expected(rt, sample, rose)
    problems = [line for _, line in found] + counted
    kinds = Counter(kind for kind, _ in found)
    return not problems, _proof(len(jobs), sample, kinds, dropped), problems


def _captured(s: Sampled, packets: list[Packet], hosts: dict[str, LabHost]
              ) -> list[tuple[str, str]]:
    """(kind, line) of what the capture of one source shows wrong ([]: nothing): a
    `leak` (a denied flow's packets left), a `blind` capture (the control not seen), or
    `inconclusive` (no control to run)."""
    if s.control is None:
        return [("inconclusive", f"capture: inconclusive for {s.src}: it has no allowed flow "
                 "to show that the capture sees its packets leave (no source site has one)")]
    problems = []
    for flow in (*s.denied, s.control):
        n = sum(p.carries(hosts[flow.src].address, hosts[flow.dst].address, flow.probe)
                for p in packets)
        if flow.allowed and not n:
            problems.append(("blind", f"capture: the allowed control {describe(flow)} was not "
                             "seen on the source's tunnel interfaces: the capture proves "
                             "nothing"))
        elif not flow.allowed and n:
            problems.append(("leak", f"capture: {n} packets of the denied {describe(flow)} "
                             f"left {flow.src} on {_ifaces(packets, flow)}"))
    return problems


def _drops_where_expected(rt: Runtime, sample: list[Sampled], rose: dict[str, int]
                          ) -> tuple[tuple[int, int, int], list[str]]:
    """((packets counted, flows the gateways route, flows they have no route for),
    problems): each source's devices' policy-drops must rise by at least the number of its
    sampled denied flows its gateway has a route for (one dropped packet each)."""
    problems, total, routed, unrouted = [], 0, 0, 0
    for s in sample:
        gateway = rt.spec.device(labpolicy.gateway_device(rt.spec, s.src))
        mine = sum(n for name, n in rose.items() if rt.spec.device(name).site == s.src)
        has_route = [f for f in s.denied if _routes(gateway, rt.spec, f.dst)]
        total, routed = total + mine, routed + len(has_route)
        unrouted += len(s.denied) - len(has_route)
        if mine < len(has_route):
            problems.append(f"drop counters: {s.src}'s {DROPS} rose by {mine}, fewer than its "
                            f"{len(has_route)} sampled denied flows {gateway.name} has a route "
                            "for: they were not dropped by its firewall")
    return (total, routed, unrouted), problems


def _routes(dev: LabDevice, spec: LabSpec, site: str) -> bool:
    """`dev` has a route to `site`'s LAN test host (`ip route get`)."""
    host = next(h for h in spec.hosts if h.site == site)
    out = sh.run(["ip", "-n", dev.ns, "route", "get", str(host.address)], check=False)
    return out.ok and not out.stdout.startswith(("unreachable", "blackhole", "prohibit"))


def _proof(devices: int, sample: list[Sampled], kinds: Counter[str],
           dropped: tuple[int, int, int]) -> str:
    if kinds["inconclusive"]:
        return ("capture INCONCLUSIVE: no source site has an allowed flow to serve as the "
                f"control ({', '.join(s.src for s in sample)} have none)")
    denied = sum(len(s.denied) for s in sample)
    packets, routed, unrouted = dropped
    return (f"capture on the tunnel interfaces of {devices} source devices "
            f"({', '.join(s.src for s in sample)}): "
            f"{'packets' if kinds['leak'] else 'no packet'} of {denied} denied flows left "
            f"them, {len(sample) - kinds['blind']}/{len(sample)} allowed controls seen "
            f"leaving; {DROPS} +{packets} at the source devices for the {routed} they route, "
            f"no route for the other {unrouted}")


def _ifaces(packets: list[Packet], flow: Flow) -> str:
    return ", ".join(sorted({p.interface for p in packets if p.dst and p.protocol ==
                             flow.probe.protocol and p.port == flow.probe.port}))
