"""The planner: a valid inventory in, a `FabricPlan` (and plan-time findings) out.

Pure and deterministic: same inventory, allocations and date → byte-identical plan
(the date only decides when a released address leaves quarantine). The stages read in
order: tunnels the topology needs → addresses → crypto → routing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from netorch.crypto import proposals as fabric_proposals
from netorch.findings import Finding, error, sort_findings, warning
from netorch.inventory.loader import location_of
from netorch.inventory.model import Inventory
from netorch.plan.allocate import (
    Allocations,
    Ledger,
    Pool,
    PoolExhausted,
    Reuse,
    allocate,
    allocation_date,
)
from netorch.plan.build import Builder
from netorch.plan.hubpolicy import MAX_HUB_DEVICES, MAX_UNDERLAYS
from netorch.plan.model import SCHEMA_VERSION, FabricPlan, Tunnel
from netorch.plan.proposals import NoCommonProposal
from netorch.plan.symmetry import check_symmetry, paused_gc
from netorch.plan.tunnels import TunnelSpec, tunnel_specs
from netorch.topology import hub_names

__all__ = ["SCHEMA_VERSION", "Allocations", "FabricPlan", "PlanResult", "Tunnel",
           "allocate_addresses", "make_plan"]


@dataclass
class PlanResult:
    """The plan (None when an error finding prevents it), the allocations it used (to
    save in the lock file), and findings (errors; warnings such as an early reuse)."""

    plan: FabricPlan | None
    allocations: Allocations
    findings: list[Finding] = field(default_factory=list)


def make_plan(inventory: Inventory, previous: Allocations | None = None, *,
              today: date | None = None, paths: bool = False) -> PlanResult:
    """Plan the fabric; `previous` are the allocations to keep stable (None: fresh),
    `today` the date addresses are released on (default: `allocation_date()`);
    `paths`: also simulate BGP for hub paths that differ by direction (validate, plan).

    No cyclic garbage collection meanwhile: planning leaves no cyclic garbage, and on
    a 10,000-site fabric the collector's passes over the growing plan (over a million
    objects, its addresses among them) cost ~40% of the planning time."""
    with paused_gc():
        return _make_plan(inventory, previous, today=today, paths=paths)


def _make_plan(inventory: Inventory, previous: Allocations | None, *, today: date | None,
               paths: bool) -> PlanResult:
    previous = previous or Allocations()
    specs = list(tunnel_specs(inventory))
    allocations, findings = _allocate(inventory, specs, previous, allocation_date(today))
    findings += _hub_devices(inventory)
    chosen = fabric_proposals(inventory.fabric.crypto)
    if allocations is None or chosen is None:
        return PlanResult(None, previous, sort_findings(findings))
    builder = Builder(inventory, allocations, chosen)
    for spec in specs:
        try:
            builder.add_tunnel(spec)
        except NoCommonProposal as exc:
            findings.append(_no_proposal(inventory, spec, exc))
    if any(f.is_error for f in findings):
        return PlanResult(None, allocations, sort_findings(findings))
    plan = builder.plan()
    if paths:
        findings += check_symmetry(plan, inventory)
    return PlanResult(plan, allocations, sort_findings(findings))


def allocate_addresses(inventory: Inventory, previous: Allocations, today: date
                       ) -> tuple[Allocations | None, list[Finding]]:
    """Only the address stage of `make_plan`: the allocations to save (None when a pool
    is exhausted) and findings (exhausted pools, early reuses)."""
    return _allocate(inventory, list(tunnel_specs(inventory)), previous, today)


def _allocate(inventory: Inventory, specs: list[TunnelSpec], previous: Allocations,
              today: date) -> tuple[Allocations | None, list[Finding]]:
    pools = inventory.fabric.pools
    hold = timedelta(days=math.ceil(pools.quarantine / 86400))
    devices = [d.name for s in sorted(inventory.sites, key=lambda s: s.id)
               for d in sorted(s.devices, key=lambda d: d.name)]
    findings: list[Finding] = []
    ledgers: dict[str, Ledger] = {}
    wants = {"loopbacks": (Pool.of("loopbacks", pools.loopbacks), devices, previous.loopbacks,
                           previous.retired_loopbacks, "loopback /32s"),
             "tunnels": (Pool.of("tunnels", pools.tunnels), [s.id for s in specs],
                         previous.tunnels, previous.retired_tunnels, "tunnel /31s")}
    for kind, (pool, keys, held, retired, what) in wants.items():
        try:
            ledgers[kind] = allocate(pool, keys, held, retired, today=today, hold=hold)
        except PoolExhausted as exc:
            findings.append(_exhausted(inventory, kind, exc, what))
            continue
        findings += [_reused(inventory, kind, r) for r in ledgers[kind].reused]
    if len(ledgers) < len(wants):
        return None, findings
    loops, tunnels = ledgers["loopbacks"], ledgers["tunnels"]
    return Allocations(loops.held, tunnels.held, loops.retired, tunnels.retired,
                       (str(pools.tunnels), str(pools.loopbacks)),
                       loopback_slots=loops.slots, tunnel_slots=tunnels.slots), findings


def _hub_devices(inventory: Inventory) -> list[Finding]:
    underlays = len(inventory.fabric.underlays)
    found = [] if underlays <= MAX_UNDERLAYS else [error(
        "too-many-underlays",
        f"the fabric has {underlays} underlays; BGP local-preference ranks at most "
        f"{MAX_UNDERLAYS} (200, 150, 100, 50, each with room for the hub order below "
        "it): join the least preferred ones, or leave them out of the fabric",
        location_of(inventory, ("fabric", "underlays")))]
    hubs = set(hub_names(inventory))
    count = sum(len(s.devices) for s in inventory.sites if s.name in hubs)
    if count <= MAX_HUB_DEVICES:
        return found
    return [*found, error("too-many-hub-devices",
                  f"the hubs have {count} devices; hub preferences fit at most "
                  f"{MAX_HUB_DEVICES} in one underlay's local-preference band: use fewer hubs",
                  location_of(inventory, ("fabric", "topology", "hubs")))]


def _reused(inventory: Inventory, pool: str, reuse: Reuse) -> Finding:
    return warning("pool-quarantine-reuse",
                   f"{pool} pool has no free address outside quarantine: {reuse.address}, "
                   f"released by {reuse.previous} and held until {reuse.until.isoformat()}, "
                   f"goes to {reuse.key} now; use a larger pool",
                   location_of(inventory, ("fabric", "pools", pool)))


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
