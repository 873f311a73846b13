"""`lab test`: the fabric proven on the running lab, one result per check.

ike: every planned IKE and CHILD SA established at both ends; bgp: every session
up and every other site's LAN routed; ping: every LAN test host reaches every
other; capture: only ESP-in-UDP between sites on the underlay bridges; failover:
a site's primary link cut moves its traffic to the backup tunnel and back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from netorch.lab import measure, probe
from netorch.lab.pipeline import swan_section
from netorch.lab.runtime import Runtime
from netorch.plan.model import FabricPlan

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


def expected_sas(plan: FabricPlan) -> dict[str, list[str]]:
    """{device: [swanctl connection name]} for both ends of every tunnel."""
    out: dict[str, list[str]] = {}
    for t in plan.tunnels:
        for local, remote in ((t.a, t.b), (t.b, t.a)):
            out.setdefault(local.device, []).append(swan_section(f"{remote.device}-{t.underlay}"))
    return out


def check_ike(rt: Runtime, plan: FabricPlan) -> tuple[bool, str, list[str]]:
    want = expected_sas(plan)

    def missing() -> list[str]:
        gaps = []
        for dev in rt.spec.devices:
            state = probe.sa_state(rt, dev)
            gaps += [f"{dev.name}: {n} {state.ike.get(n, 'absent')}/"
                     f"{state.children.get(n, 'absent')}"
                     for n in want.get(dev.name, []) if not state.established(n)]
        return gaps
    probe.wait_for(lambda: not missing(), SA_TIMEOUT, interval=0.5)
    gaps = missing()
    total = sum(len(v) for v in want.values())
    return not gaps, f"{total - len(gaps)}/{total} SA ends established", gaps


def other_lans(rt: Runtime, plan: FabricPlan, device: str) -> list[str]:
    site = rt.spec.device(device).site
    return sorted(p for s in plan.sites if s.name != site for p in s.lan)


def check_bgp(rt: Runtime, plan: FabricPlan) -> tuple[bool, str, list[str]]:
    sessions = {d.name: len(d.tunnels) for d in plan.devices}

    def problems() -> list[str]:
        out = []
        for dev in rt.spec.devices:
            peers = probe.bgp_peers(dev)
            up = sum(p.get("state") == "Established" for p in peers.values())
            if up != sessions[dev.name]:
                out.append(f"{dev.name}: {up}/{sessions[dev.name]} sessions established")
            out += [f"{dev.name}: no route to {p}" for p in other_lans(rt, plan, dev.name)
                    if not measure.route_gateways(dev.ns, p)]
        return out
    probe.wait_for(lambda: not problems(), BGP_TIMEOUT, interval=0.5)
    gaps = problems()
    total = sum(sessions.values())
    return not gaps, f"{total} sessions, LAN prefixes of every other site learned" \
        if not gaps else f"{len(gaps)} problems", gaps


def check_ping(rt: Runtime) -> tuple[bool, str, list[str]]:
    pairs = [(h, t) for h in rt.spec.hosts for t in rt.spec.hosts if h is not t]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda p: probe.ping(p[0].ns, str(p[1].address), count=3,
                                                     interval=0.2), pairs))
    failed = [f"{h.site} -> {t.site} ({t.address})" for (h, t), ok in zip(pairs, results,
                                                                         strict=True) if not ok]
    return not failed, f"{len(pairs) - len(failed)}/{len(pairs)} LAN pairs reachable", failed


def check_capture(rt: Runtime, plan: FabricPlan) -> tuple[bool, str, list[str]]:
    lans = sorted(p for s in plan.sites for p in s.lan)
    hosts = rt.spec.hosts

    pairs = [(h, hosts[(i + 1) % len(hosts)]) for i, h in enumerate(hosts)]

    def traffic() -> None:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda p: probe.ping(p[0].ns, str(p[1].address), count=3,
                                               interval=0.05, timeout=0.5), pairs))
    seen = measure.capture(rt.spec, lans, traffic, duration=4, count=20000)
    ok = seen.encrypted_only
    summary = (f"{seen.packets} packets: {seen.udp_4500} UDP/4500, {seen.esp} ESP, "
               f"{seen.cleartext} cleartext between LANs")
    return ok, summary, list(seen.examples)
