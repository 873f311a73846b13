"""The planner: a valid inventory in, a `FabricPlan` (and plan-time findings) out.

Pure and deterministic: same inventory and allocations → byte-identical plan. The
stages read in order: tunnels the topology needs → addresses → crypto → routing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netorch.crypto import proposals as fabric_proposals
from netorch.findings import Finding, error, sort_findings
from netorch.inventory.loader import location_of
from netorch.inventory.model import Inventory
from netorch.plan.allocate import Allocations, PoolExhausted, allocate
from netorch.plan.build import Builder
from netorch.plan.model import SCHEMA_VERSION, FabricPlan, Tunnel
from netorch.plan.proposals import NoCommonProposal
from netorch.plan.tunnels import TunnelSpec, tunnel_specs

__all__ = ["SCHEMA_VERSION", "Allocations", "FabricPlan", "PlanResult", "Tunnel", "make_plan"]


@dataclass
class PlanResult:
    """The plan (None when a finding prevents it), the allocations it used, findings."""

    plan: FabricPlan | None
    allocations: Allocations
    findings: list[Finding] = field(default_factory=list)


def make_plan(inventory: Inventory, previous: Allocations | None = None) -> PlanResult:
    """Plan the fabric; `previous` are the allocations to keep stable (or None: fresh)."""
    previous = previous or Allocations()
    specs = list(tunnel_specs(inventory))
    findings: list[Finding] = []
    allocations = _allocate(inventory, specs, previous, findings)
    chosen = fabric_proposals(inventory.fabric.crypto)
    if allocations is None or chosen is None:
        return PlanResult(None, previous, sort_findings(findings))
    builder = Builder(inventory, allocations, chosen)
    for spec in specs:
        try:
            builder.add_tunnel(spec)
        except NoCommonProposal as exc:
            findings.append(_no_proposal(inventory, spec, exc))
    if findings:
        return PlanResult(None, allocations, sort_findings(findings))
    return PlanResult(builder.plan(), allocations, [])


def _allocate(inventory: Inventory, specs: list[TunnelSpec], previous: Allocations,
              findings: list[Finding]) -> Allocations | None:
    pools = inventory.fabric.pools
    devices = [d.name for s in sorted(inventory.sites, key=lambda s: s.id)
               for d in sorted(s.devices, key=lambda d: d.name)]
    try:
        loopbacks = allocate(str(pools.loopbacks), devices, previous.loopbacks, prefixlen=32,
                             first=1)
    except PoolExhausted as exc:
        findings.append(_exhausted(inventory, "loopbacks", exc, "loopback /32s"))
        loopbacks = None
    try:
        tunnels = allocate(str(pools.tunnels), [s.id for s in specs], previous.tunnels,
                           prefixlen=31)
    except PoolExhausted as exc:
        findings.append(_exhausted(inventory, "tunnels", exc, "tunnel /31s"))
        return None
    return None if loopbacks is None else Allocations(loopbacks, tunnels)


def _exhausted(inventory: Inventory, pool: str, exc: PoolExhausted, what: str) -> Finding:
    return error("pool-exhausted",
                 f"{pool} pool {exc.pool} is exhausted: the fabric needs {exc.wanted} "
                 f"{what}, the pool has room for {exc.size}; use a larger pool",
                 location_of(inventory, ("fabric", "pools", pool)))


def _no_proposal(inventory: Inventory, spec: TunnelSpec, exc: NoCommonProposal) -> Finding:
    a, b = exc.a, exc.b
    message = (f"tunnel {spec.id}: {spec.a.device.name} ({a.name}) and {spec.b.device.name} "
               f"({b.name}) share no {exc.what}: the fabric offers "
               f"{', '.join(exc.offered)}; check the crypto profile or the platforms")
    site_index = inventory.sites.index(spec.a.site)
    device_index = spec.a.site.devices.index(spec.a.device)
    where = location_of(inventory, ("sites", site_index, "devices", device_index, "platform"))
    return error("no-common-proposal", message, where)
