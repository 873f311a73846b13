"""The failover check of `lab test`: which site to cut, and what counts as switched."""

from __future__ import annotations

from dataclasses import dataclass

from netorch.lab import measure
from netorch.lab.labpolicy import ICMP, FlowPolicy
from netorch.lab.runtime import Runtime
from netorch.plan.model import DevicePlan, FabricPlan, Tunnel

SWITCH_LIMIT = 5.0
FAILBACK_LIMIT = 30.0


@dataclass(frozen=True)
class FailoverCase:
    device: str
    primary: str
    target_site: str
    prefix: str
    primary_hops: set[str]
    backup_hops: set[str]


def choose_case(rt: Runtime, plan: FabricPlan, policy: FlowPolicy | None = None
                ) -> FailoverCase | None:
    """The first non-hub device with tunnels on the primary and a backup underlay (under a
    policy: and a site it may ping)."""
    primary = min(plan.fabric.underlays, key=lambda u: (plan.fabric.underlays[u], u))
    tunnels = {t.id: t for t in plan.tunnels}
    for dev in plan.devices:
        mine = [tunnels[i] for i in dev.tunnels]
        first = _peer_hops(dev, [t for t in mine if t.underlay == primary])
        backup = _peer_hops(dev, [t for t in mine if t.underlay != primary])
        if dev.hub or not first or not backup:
            continue
        target = _target_site(plan, dev, policy)
        if target is None:
            continue
        return FailoverCase(dev.name, primary, target[0], target[1], first, backup)
    return None


def _peer_hops(dev: DevicePlan, tunnels: list[Tunnel]) -> set[str]:
    remote = [t.b if t.a.device == dev.name else t.a for t in tunnels]
    return {str(r.address.ip) for r in remote}


def _target_site(plan: FabricPlan, dev: DevicePlan, policy: FlowPolicy | None = None
                 ) -> tuple[str, str] | None:
    """Another spoke if there is one (its traffic crosses a hub), else a hub; under a
    policy, one the device's site may ping."""
    others = sorted((s.hub, s.id, s.name, s.lan[0]) for s in plan.sites if s.name != dev.site
                    and (policy is None or policy.allows(dev.site, s.name, ICMP)))
    return (others[0][2], str(others[0][3])) if others else None


def run_failover(rt: Runtime, case: FailoverCase) -> tuple[bool, str, list[str]]:
    host = next(h for h in rt.spec.hosts if h.site == rt.spec.device(case.device).site)
    target = next(h for h in rt.spec.hosts if h.site == case.target_site)
    if not measure.wait_route(rt.spec.device(case.device).ns, case.prefix, case.primary_hops,
                              timeout=20) >= 0:
        return False, f"{case.device} does not route {case.prefix} over {case.primary}", []
    result = measure.failover(rt.spec, case.device, case.primary, host.ns, str(target.address),
                              case.prefix, case.primary_hops, case.backup_hops)
    ok = (0 <= result.switch_s <= SWITCH_LIMIT and 0 <= result.failback_s <= FAILBACK_LIMIT)
    summary = (f"{case.device} {case.primary} cut: route switch {result.switch_s:.2f} s, "
               f"largest ping gap {result.ping_gap_s:.2f} s ({result.lost} lost); "
               f"restored: back in {result.failback_s:.2f} s ({result.failback_lost} lost)")
    return ok, summary, [f"pinging {case.target_site} ({target.address}) from {host.site}"]
