"""The `compromise` check of `lab test`: a spoke without its own firewall still cannot
open what the policy forbids, because the hubs (in transit) and the destination's edge
refuse it too, nor pass for another site.

One spoke site's gateway device (`choose_case`) loses netorch's nftables table (`nft
delete table inet netorch`: its policy and its MSS clamp), as an intruder with root on
it would do, and tries, from its site's LAN test host to a listener:
- `transit`: a forbidden port to a site it routes (through a hub): only a hub or the
  destination edge can stop it now;
- `forged route`: a site it has no route to, after adding one through its primary hub
  tunnel (routing enforcement bypassed too);
- `direct`: a forbidden port to a mesh peer, over their direct tunnel (a forged route
  when the policy gives them no routes): only the destination's edge can stop it.
Each must time out. dumpcap on the compromised device's tunnel interfaces must see it
leave into the fabric (else the test proves nothing), and on the destination devices'
LAN interface must not see it delivered; the change of each hub's and destination
device's `policy-drops` counter says where it was dropped.
Then `spoofed source`: the device itself sends UDP datagrams whose source is another
site's LAN test host, of a flow the policy allows from that site (`choose_spoof`), to a
host /32 routed through its primary hub tunnel: the hub's source check must drop them
(its `policy-spoofed-fabric` counter rises) and none may be delivered.
Afterwards the forged routes are removed and the device's deployed interfaces.sh is run
again, which must give back the very table it had (`nft -s list table`, without counter
values).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address

from netorch.lab import labflows, labpolicy, sh
from netorch.lab.daemons import device_dir
from netorch.lab.errors import LabError
from netorch.lab.labenforce import describe
from netorch.lab.labflows import Outcome
from netorch.lab.labpolicy import Flow, FlowPolicy, Probe
from netorch.lab.pcapng import Packet
from netorch.lab.runtime import Runtime
from netorch.lab.spec import LabDevice, LabSpec
from netorch.plan.model import FabricPlan, TunnelEnd

TABLE = labflows.TABLE          # the device's own nftables table: `table inet netorch`
DROPS = "policy-drops"          # its named counter of what the policy dropped
SPOOFED = "policy-spoofed-fabric"  # ... of what came from a tunnel with a foreign source
LAN_IF = "lan0"                 # a lab device's LAN interface (netbuild)


@dataclass(frozen=True)
class Attempt:
    kind: str             # transit | forged route | direct
    flow: Flow
    via: str | None       # the next hop of a route the intruder adds (None: none added)
    lan: str              # the destination host's LAN prefix

    @property
    def must_arrive(self) -> bool:
        """Over a direct tunnel, the destination edge is the only one left to refuse."""
        return self.kind == "direct"


@dataclass(frozen=True)
class Spoof:
    """Datagrams the compromised device sends itself as `claimed`'s LAN test host: `flow`
    (from `claimed`, a UDP probe the policy allows), routed via `via` (its primary hub
    tunnel's far end, on `hub`)."""

    claimed: str
    flow: Flow
    via: str
    hub: str


@dataclass(frozen=True)
class Case:
    device: str
    attempts: tuple[Attempt, ...]
    spoof: Spoof | None = None


@dataclass(frozen=True)
class _Site:
    """What the choice needs to know of one spoke site's gateway device."""

    name: str
    device: str
    hub_hop: str | None                     # far end of its first hub tunnel (primary)
    hub: str | None                         # the hub device at that far end
    mesh: dict[str, TunnelEnd]              # mesh peer site -> far end, best underlay first
    routed: set[str]


def choose_case(plan: FabricPlan, spec: LabSpec, policy: FlowPolicy) -> Case | None:
    """The spoke site (its gateway device) with the most kinds of attempt, direct first,
    then transit, then forged, then a spoofed source; the first such site in site order."""
    hub_sites = {s.name for s in plan.sites if s.hub}
    order = [h.site for h in spec.hosts]
    routes = labpolicy.routed(plan, spec)
    best: tuple[tuple[bool, ...], Case] | None = None
    for site in order:
        if site in hub_sites:
            continue
        info = _site(plan, spec, site, routes.get(site, set()))
        targets = sorted((s for s in order if s != site), key=lambda s: (s in hub_sites,
                                                                          order.index(s)))
        kinds = _attempts(plan, spec, policy, info, targets)
        spoof = choose_spoof(policy, info, targets)
        found = {a.kind for a in kinds}
        score = ("direct" in found, "transit" in found, "forged route" in found,
                 spoof is not None)
        if kinds and (best is None or score > best[0]):
            best = (score, Case(info.device, tuple(kinds), spoof))
    return None if best is None else best[1]


def choose_spoof(policy: FlowPolicy, info: _Site, targets: Sequence[str]) -> Spoof | None:
    """A UDP flow some other site of `targets` (the other sites, spokes first) may open to
    a third, for the compromised site to forge: first one it may not open itself (what
    a forged source would gain), a destination that is not its mesh peer first (the
    datagrams go through the hub anyway: a host route)."""
    if info.hub_hop is None or info.hub is None:
        return None
    udp = [p for p in policy.universe() if p.protocol == "udp"]
    found = [(policy.allows(info.name, dst, p), dst in info.mesh, Flow(claimed, dst, p, True))
             for dst in targets for claimed in targets if claimed != dst
             for p in udp if policy.allows(claimed, dst, p)]
    if not found:
        return None
    flow = min(found, key=lambda c: c[:2])[2]  # min: stable, the first of the best
    return Spoof(flow.src, flow, info.hub_hop, info.hub)


def _site(plan: FabricPlan, spec: LabSpec, site: str, routed: set[str]) -> _Site:
    device = labpolicy.gateway_device(spec, site)
    hubs = {d.name for d in plan.devices if d.hub}
    fars = sorted(((t.rank, t.index, far) for t in plan.tunnels_of(device)
                   for far in t.ends() if far.device != device), key=lambda x: x[:2])
    first = next((f for _, _, f in fars if f.device in hubs), None)
    mesh: dict[str, TunnelEnd] = {}
    for _, _, far in fars:
        if far.device not in hubs:
            mesh.setdefault(far.site, far)
    return _Site(site, device, None if first is None else str(first.address.ip),
                 None if first is None else first.device, mesh, routed)


def _attempts(plan: FabricPlan, spec: LabSpec, policy: FlowPolicy, info: _Site,
              targets: Sequence[str]) -> list[Attempt]:
    lans = {s.name: str(s.lan[0]) for s in plan.sites if s.lan}
    out = []
    for kind in ("transit", "forged route", "direct"):
        for dst in targets:
            probe = _forbidden(policy, info.name, dst)
            if probe is None or dst not in lans or not _fits(kind, info, dst):
                continue
            via = _via(kind, info, dst)
            out.append(Attempt(kind, Flow(info.name, dst, probe, False), via, lans[dst]))
            break
    return out


def _fits(kind: str, info: _Site, dst: str) -> bool:
    if kind == "direct":
        return dst in info.mesh
    if dst in info.mesh or info.hub_hop is None:
        return False
    return (dst in info.routed) == (kind == "transit")


def _via(kind: str, info: _Site, dst: str) -> str | None:
    if kind == "forged route":
        return info.hub_hop
    if kind == "direct" and dst not in info.routed:
        return str(info.mesh[dst].address.ip)
    return None


def _forbidden(policy: FlowPolicy, src: str, dst: str) -> Probe | None:
    """A TCP port the policy opens elsewhere but not here, else one it names nowhere."""
    unlisted = policy.unlisted("tcp")
    return policy.forbidden(src, dst) or (
        None if policy.allows(src, dst, unlisted) else unlisted)


def nft_table(dev: LabDevice) -> str:
    """The device's own table without counter values ('' if it has none)."""
    out = sh.run(sh.in_ns(dev.ns, ["nft", "-s", "list", "table", "inet", TABLE]), check=False)
    return out.stdout if out.ok else ""


def drops(dev: LabDevice) -> int | None:
    """The device's `policy-drops` packet count (None: no such counter)."""
    return labflows.counter(dev, DROPS)


@contextlib.contextmanager
def compromised(rt: Runtime, dev: LabDevice, routes: Sequence[tuple[str, str]]
                ) -> Iterator[list[str]]:
    """`dev` without netorch's table and with `routes` (prefix, next hop) added, for the
    block; afterwards the routes are removed and the deployed interfaces.sh runs again.
    Yields the routes that could not be added."""
    failed: list[str] = []
    added: list[tuple[str, str]] = []
    try:
        sh.run(sh.in_ns(dev.ns, ["nft", "delete", "table", "inet", TABLE]))
        for prefix, hop in routes:
            ran = sh.run(["ip", "-n", dev.ns, "route", "add", prefix, "via", hop], check=False)
            if ran.ok:
                added.append((prefix, hop))
            else:
                failed.append(f"{prefix} via {hop}: {ran.stderr.strip()}")
        yield failed
    finally:
        for prefix, hop in added:
            sh.run(["ip", "-n", dev.ns, "route", "del", prefix, "via", hop], check=False)
        restore(rt, dev)


def restore(rt: Runtime, dev: LabDevice) -> None:
    """Run the device's deployed interfaces.sh again (as deploy does)."""
    root = device_dir(rt.workdir, dev) / "root"
    script = root / "etc" / "netorch" / "interfaces.sh"
    sh.run(sh.in_ns(dev.ns, ["env", f"NETORCH_ROOT={root}", "sh", str(script)]), timeout=60)


def check_compromise(rt: Runtime, plan: FabricPlan, policy: FlowPolicy
                     ) -> tuple[bool, str, list[str]]:
    """A spoke device without its table still refused (the module's docstring)."""
    try:
        return _check_compromise(rt, plan, policy)
    except LabError as exc:  # the table could not be removed, a tool that failed
        return False, f"the compromise check could not run: {exc}", []


def _check_compromise(rt: Runtime, plan: FabricPlan, policy: FlowPolicy
                      ) -> tuple[bool, str, list[str]]:
    case = choose_case(plan, rt.spec, policy)
    if case is None:
        return True, "no spoke site with a forbidden flow to try: nothing to compromise", []
    dev = rt.spec.device(case.device)
    saved = nft_table(dev)
    if not saved:
        return False, f"{dev.name} has no table inet {TABLE}: no firewall to remove", []
    hosts = {h.site: h for h in rt.spec.hosts}
    forged = [(a.lan, a.via) for a in case.attempts if a.via is not None]
    spoof = case.spoof
    if spoof is not None:
        forged.append((f"{hosts[spoof.flow.dst].address}/32", spoof.via))
    flows = [a.flow for a in case.attempts] + ([spoof.flow] if spoof else [])
    with (labflows.listening([hosts[f.dst] for f in flows], {f.probe for f in flows}),
          compromised(rt, dev, forged) as failed):
        results = [_attempt(rt, plan, dev, a) for a in case.attempts]
        spoofed = [_spoof_attempt(rt, plan, dev, spoof)] if spoof else []
    restored = nft_table(dev) == saved
    lines = [line for _, line in results + spoofed] + failed
    ok = all(good for good, _ in results + spoofed) and not failed and restored
    summary = (f"{dev.name} ({dev.site}) without its table inet {TABLE}: "
               f"{sum(g for g, _ in results)}/{len(results)} forbidden flows still refused "
               f"({', '.join(a.kind for a in case.attempts)}); "
               f"{_spoof_summary(spoof, spoofed)}; table "
               f"{'restored as it was' if restored else 'NOT restored as it was'} by its "
               "interfaces.sh")
    return ok, summary, lines


def _spoof_summary(spoof: Spoof | None, spoofed: list[tuple[bool, str]]) -> str:
    if spoof is None or not spoofed:
        return "no spoofed-source attempt (no hub tunnel, or no UDP flow allowed anywhere)"
    verdict = "refused by the hub's source check" if spoofed[0][0] else "NOT refused"
    return f"a spoofed source (as {spoof.claimed}, to {spoof.flow.dst}) {verdict}"


def _spoof_attempt(rt: Runtime, plan: FabricPlan, dev: LabDevice, spoof: Spoof
                   ) -> tuple[bool, str]:
    """Datagrams sent by `dev` itself as another site's host (the module's docstring)."""
    hosts = {h.site: h for h in rt.spec.hosts}
    src, dst = hosts[spoof.claimed].address, hosts[spoof.flow.dst].address
    hubs = [d for d in rt.spec.devices if d.name in {p.name for p in plan.devices if p.hub}]
    edge = [d for d in rt.spec.devices if d.site == spoof.flow.dst]
    before = labflows.counters(hubs, SPOOFED)
    bpf = f"ip and src host {src} and dst host {dst}"
    jobs = [(dev.ns, labflows.tunnel_ifnames(dev), bpf),
            *((d.ns, [*labflows.tunnel_ifnames(d), LAN_IF], bpf) for d in edge)]
    sent: list[int] = []
    caught = labflows.captures(jobs, lambda: sent.append(
        labflows.spoof(dev.ns, src, dst, spoof.flow.probe)))
    rose = labflows.moved(before, labflows.counters(hubs, SPOOFED))
    left = sum(p.carries(src, dst, spoof.flow.probe) for p in caught[0])
    at_edge = [p for packets in caught[1:] for p in packets
               if p.carries(src, dst, spoof.flow.probe)]
    delivered = sum(p.interface == LAN_IF for p in at_edge)
    ok = bool(sent and sent[0]) and left > 0 and delivered == 0 and spoof.hub in rose
    return ok, (f"spoofed source: {dev.name} sends {spoof.flow.probe} to {spoof.flow.dst} as "
                f"{spoof.claimed}'s {src} (allowed from {spoof.claimed}; route added via "
                f"{spoof.via}): {sent[0] if sent else 0} sent, {left} left {dev.name} into "
                f"the fabric, {delivered} delivered to {spoof.flow.dst}'s LAN; {SPOOFED} "
                f"{', '.join(f'{n} +{k}' for n, k in sorted(rose.items())) or 'unchanged'}"
                f" (expected at {spoof.hub})")


def _attempt(rt: Runtime, plan: FabricPlan, dev: LabDevice, attempt: Attempt
             ) -> tuple[bool, str]:
    """One forbidden flow from the compromised device's site, with the evidence."""
    hosts = {h.site: h for h in rt.spec.hosts}
    src, dst = hosts[attempt.flow.src], hosts[attempt.flow.dst]
    hubs = {d.name for d in plan.devices if d.hub}
    edge = [d for d in rt.spec.devices if d.site == attempt.flow.dst]
    watched = [d for d in rt.spec.devices if d.name in hubs or d in edge]
    before = {d.name: drops(d) for d in watched}
    bpf = f"ip and src host {src.address} and dst host {dst.address}"
    jobs = [(dev.ns, labflows.tunnel_ifnames(dev), bpf),
            *((d.ns, [*labflows.tunnel_ifnames(d), LAN_IF], bpf) for d in edge)]
    got: list[Outcome] = []
    caught = labflows.captures(jobs, lambda: got.extend(
        labflows.probe([(src, dst.address, attempt.flow.probe)])))
    left = _count(caught[0], attempt, src.address, dst.address)
    at_edge = [p for packets in caught[1:] for p in packets
               if p.carries(src.address, dst.address, attempt.flow.probe)]
    arrived = sum(p.interface != LAN_IF for p in at_edge)
    delivered = sum(p.interface == LAN_IF for p in at_edge)
    outcome = got[0].outcome if got else "error"
    dropped = [f"{d.name} +{after - was}" for d in watched
               if (was := before[d.name]) is not None and (after := drops(d)) is not None
               and after > was]
    ok = (outcome == "timeout" and left > 0 and delivered == 0
          and (arrived > 0 or not attempt.must_arrive))
    via = f" (route added via {attempt.via})" if attempt.via else ""
    return ok, (f"{attempt.kind}: {describe(attempt.flow)}{via}: {outcome}; {left} packets "
                f"left {dev.name} into the fabric, {arrived} reached {attempt.flow.dst}'s "
                f"edge, {delivered} its LAN; policy-drops {', '.join(dropped) or 'unchanged'}")


def _count(packets: list[Packet], attempt: Attempt, src: IPv4Address, dst: IPv4Address
           ) -> int:
    return sum(p.carries(src, dst, attempt.flow.probe) for p in packets)
