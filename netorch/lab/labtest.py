"""`lab test`: the fabric proven on the running lab, one result per check.

ike: every planned IKE and CHILD SA established at both ends, as `netorch verify`
reads them over SSH, each authenticated the fabric's way (pubkey for certificates, psk),
as charon's loaded connections say (`probe.auth_methods`); bgp: every session up
(verify) and every other site's LAN routed (the lab's probe of the kernel tables);
ping: every LAN test host reaches every other; capture: only ESP-in-UDP between sites
on the underlay bridges; symmetry (`labsymmetry`): a traceroute between spoke LANs
crosses the same hub devices both ways; failover: a site's primary link cut moves its
traffic to the backup tunnel and back. Under a segmentation policy (`plan.policy`, see
`labpolicy`): bgp expects exactly the LANs each device's tunnel ends accept, and flags a
LAN routed that the policy hides; ping, capture, symmetry and failover use only flows
the policy allows; and two more checks run: policy (`labenforce`: every site pair,
allowed flows through, denied ones stopped at the source, a capture of some) and
compromise (`labcompromise`: a spoke without its firewall is still refused).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from netorch.lab import labpolicy, labverify, measure, probe
from netorch.lab.labpolicy import FlowPolicy
from netorch.lab.runtime import Runtime
from netorch.lab.spec import LabHost
from netorch.pki import FabricPki
from netorch.plan.model import FabricPlan
from netorch.verify import TunnelStatus

SA_TIMEOUT = 30.0
BGP_TIMEOUT = 45.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    summary: str
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0


def timed(name: str, check: Callable[[], tuple[bool, str, list[str]]]) -> CheckResult:
    began = time.monotonic()
    ok, summary, details = check()
    return CheckResult(name, ok, summary, details, time.monotonic() - began)


def check_ike(rt: Runtime, plan: FabricPlan, wait: float = SA_TIMEOUT,
              pki: FabricPki | None = None) -> tuple[bool, str, list[str]]:
    """`netorch verify` over SSH: both ends of every planned tunnel ESTABLISHED; how
    each established SA authenticated, which must be the fabric's method; and, on a
    certificate fabric (`pki`: the lab's), the certificate every device presents."""
    report, gaps = labverify.poll(rt, plan, labverify.tunnel_problems, wait, pki)
    total = 2 * len(plan.tunnels)
    up = sum(t.status is TunnelStatus.ESTABLISHED for t in report.tunnels)
    methods, wrong = sa_auth(rt, plan)
    certs = labverify.cert_problems(report)
    presented = "" if pki is None else \
        f"; certificates presented as issued {len(report.certs) - len(certs)}/{len(report.certs)}"
    return not gaps and not wrong and not certs, (
        f"{up}/{total} tunnel ends ESTABLISHED, IKE_SA and CHILD_SA (netorch verify over "
        f"SSH); auth {methods}{presented}"), gaps + wrong + certs


def sa_auth(rt: Runtime, plan: FabricPlan) -> tuple[str, list[str]]:
    """How every established IKE_SA of the lab authenticated, counted ("pubkey 8"), and
    each one that did not use the fabric's method."""
    want = "pubkey" if plan.fabric.auth == "certificate" else "psk"
    counts: Counter[str] = Counter()
    wrong = []
    for dev in rt.spec.devices:
        methods, sas = probe.auth_methods(rt, dev), probe.sa_state(rt, dev)
        for name in sorted(n for n in sas.ike if sas.established(n)):
            method = methods.get(name, "unknown")
            counts[method] += 1
            if method != want:
                wrong.append(f"{dev.name}: {name} authenticated with {method}, the fabric "
                             f"uses {want}")
    return ", ".join(f"{m} {n}" for m, n in sorted(counts.items())) or "none", wrong


def other_lans(rt: Runtime, plan: FabricPlan, device: str) -> list[str]:
    site = rt.spec.device(device).site
    return sorted(str(p) for s in plan.sites if s.name != site for p in s.lan)


def route_problems(rt: Runtime, plan: FabricPlan) -> list[str]:
    """Every other site's LAN routed; under a policy exactly those the device's tunnel ends
    accept (`labpolicy.routable_lans`), and none the policy hides."""
    if plan.policy is None:
        return [f"{dev.name}: no route to {p}" for dev in rt.spec.devices
                for p in other_lans(rt, plan, dev.name)
                if not measure.route_gateways(dev.ns, p)]
    problems = []
    for dev in rt.spec.devices:
        may, hidden = labpolicy.routable_lans(plan, dev.name)
        problems += [f"{dev.name}: no route to {p}" for p in may
                     if not measure.route_gateways(dev.ns, p)]
        problems += [f"{dev.name}: routes {p}, which the policy hides from it" for p in hidden
                     if measure.route_gateways(dev.ns, p)]
    return problems


def check_bgp(rt: Runtime, plan: FabricPlan, wait: float = BGP_TIMEOUT
              ) -> tuple[bool, str, list[str]]:
    """Sessions from `netorch verify`; which prefixes were learned from the lab's probe of
    each kernel table (verify counts a session's prefixes, it does not name them)."""
    report, gaps = labverify.poll(
        rt, plan, lambda r: labverify.bgp_problems(r) or route_problems(rt, plan), wait)
    total = sum(len(d.tunnels) for d in plan.devices)
    up = sum(b.up for b in report.bgp)
    routes = f"{len(gaps)} problems" if gaps else _routed(rt, plan)
    return not gaps, f"{up}/{total} sessions Established (netorch verify); {routes}", gaps


def _routed(rt: Runtime, plan: FabricPlan) -> str:
    if plan.policy is None:
        return "LAN prefixes of every other site routed (lab probe)"
    counts = [labpolicy.routable_lans(plan, d.name) for d in rt.spec.devices]
    return (f"the LAN prefixes the policy lets each device reach routed, those it hides not "
            f"({sum(len(m) for m, _ in counts)} routed, {sum(len(h) for _, h in counts)} "
            "hidden, lab probe)")


def check_ping(rt: Runtime, policy: FlowPolicy | None = None
               ) -> tuple[bool, str, list[str]]:
    """Every LAN test host pings every other; under a policy only where it allows icmp."""
    hosts = {h.site: h for h in rt.spec.hosts}
    every = [(h.site, t.site) for h in rt.spec.hosts for t in rt.spec.hosts if h is not t]
    kept, skipped = labpolicy.ping_pairs(policy, every)
    pairs = [(hosts[a], hosts[b]) for a, b in kept]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda p: probe.ping(p[0].ns, str(p[1].address), count=3,
                                                     interval=0.2), pairs))
    failed = [f"{h.site} -> {t.site} ({t.address})" for (h, t), ok in zip(pairs, results,
                                                                         strict=True) if not ok]
    skip = f"; {skipped} pairs skipped: the policy denies icmp" if policy is not None else ""
    return not failed, f"{len(pairs) - len(failed)}/{len(pairs)} LAN pairs reachable{skip}", \
        failed


def check_capture(rt: Runtime, plan: FabricPlan, policy: FlowPolicy | None = None
                  ) -> tuple[bool, str, list[str]]:
    lans = sorted(str(p) for s in plan.sites for p in s.lan)
    pairs = ring(rt.spec.hosts, policy)

    def traffic() -> None:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda p: probe.ping(p[0].ns, str(p[1].address), count=3,
                                               interval=0.05, timeout=0.5), pairs))
    seen = measure.capture(rt.spec, lans, traffic, duration=4, count=20000)
    ok = seen.encrypted_only
    summary = (f"{seen.packets} packets: {seen.udp_4500} UDP/4500, {seen.esp} ESP, "
               f"{seen.cleartext} cleartext between LANs")
    return ok, summary, list(seen.examples)


def ring(hosts: Sequence[LabHost], policy: FlowPolicy | None) -> list[tuple[LabHost, LabHost]]:
    """Each host with the next one (in site order) it may ping: the next one without a
    policy; under one, the first one after it the policy allows icmp to (none: left
    out)."""
    if policy is None:
        return [(h, hosts[(i + 1) % len(hosts)]) for i, h in enumerate(hosts)]
    pairs = []
    for i, host in enumerate(hosts):
        ahead = [hosts[(i + k) % len(hosts)] for k in range(1, len(hosts))]
        target = next((t for t in ahead if policy is None
                       or policy.allows(host.site, t.site, labpolicy.ICMP)), None)
        if target is not None:
            pairs.append((host, target))
    return pairs
