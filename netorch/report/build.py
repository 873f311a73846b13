"""Build the report model once from inventory, plan, findings and optional live state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from netorch import __version__
from netorch.findings import Finding, sort_findings
from netorch.inventory.model import Inventory
from netorch.output.plan import plan_json
from netorch.plan.model import FabricPlan, Proposal, Tunnel
from netorch.report import compliance, provenance
from netorch.report.model import (
    Certificates,
    FabricInfo,
    FindingRow,
    ProposalCompliance,
    Provenance,
    Report,
    SiteRow,
    TunnelCompliance,
    TunnelRow,
)
from netorch.report.overview import matrices, site_reach, summary
from netorch.report.reachability import reach_of
from netorch.report.segmentation import segmentation
from netorch.report.state import live_state
from netorch.report.statefile import StateFile
from netorch.verify.origin import StateOrigin


@dataclass(frozen=True)
class Inputs:
    """Everything a report is computed from (all already loaded; nothing is read here)."""

    inventory: Inventory
    plan: FabricPlan
    findings: list[Finding]
    path: Path
    allocations: str
    generated_at: str
    state: StateFile | None = None
    state_path: Path | None = None
    certificates: Certificates | None = None


def build(inputs: Inputs) -> Report:
    plan = inputs.plan
    proposals, by_tunnel = _assess(inputs)
    found = inputs.state
    state = live_state(plan, found.result) if found is not None else None
    status = {s.tunnel: s.status for s in state.tunnels} if state else {}
    tunnels = [_tunnel_row(t, by_tunnel[t.id], status.get(t.id)) for t in plan.tunnels]
    sites = _site_rows(inputs)
    reach = reach_of(plan)
    reach_rows = site_reach(reach, sites)
    policy, drift = segmentation(inputs.inventory, plan)
    findings = [_finding_row(f) for f in sort_findings([*inputs.findings, *drift])]
    return Report(
        banner=lab_banner(state.origin) if state is not None else None,
        provenance=_provenance(inputs),
        fabric=_fabric(inputs),
        summary=summary(sites, tunnels, proposals, findings, reach, state, reach_rows),
        sites=sites, tunnels=tunnels, proposals=proposals,
        compliance=[TunnelCompliance(tunnel=t.id, proposal=by_tunnel[t.id].id,
                                     result=by_tunnel[t.id].result,
                                     why=compliance.why(by_tunnel[t.id].checks))
                    for t in plan.tunnels],
        findings=findings, certificates=inputs.certificates,
        matrices=matrices(reach, sites, reach_rows), reach=reach_rows, policy=policy,
        state=state)


def _assess(inputs: Inputs) -> tuple[list[ProposalCompliance], dict[str, ProposalCompliance]]:
    """Each distinct (proposal, auth) assessed once, numbered P1, P2... by first use."""
    crypto = inputs.inventory.fabric.crypto
    uses: Counter[tuple[Proposal, str]] = Counter((t.proposal, t.auth) for t in inputs.plan.tunnels)
    assessed = {key: compliance.assess(f"P{i + 1}", key[0], crypto, key[1], n)
                for i, (key, n) in enumerate(uses.items())}
    by_tunnel = {t.id: assessed[(t.proposal, t.auth)] for t in inputs.plan.tunnels}
    return list(assessed.values()), by_tunnel


def _tunnel_row(t: Tunnel, pc: ProposalCompliance, status: str | None) -> TunnelRow:
    return TunnelRow(
        id=t.id, index=t.index, kind=t.kind, underlay=t.underlay, preference=t.preference,
        role="primary" if t.rank == 0 else f"backup ({t.rank})", nat_traversal=t.nat_traversal,
        site_a=t.a.site, device_a=t.a.device, address_a=str(t.a.address),
        site_b=t.b.site, device_b=t.b.device, address_b=str(t.b.address),
        auth=t.auth, proposal=pc.id, compliance=pc.result, status=status)


def _site_rows(inputs: Inputs) -> list[SiteRow]:
    described = {s.name: s.description for s in inputs.inventory.sites}
    devices = {d.name: d for d in inputs.plan.devices}
    rows = []
    for s in sorted(inputs.plan.sites, key=lambda s: s.name):
        devs = [devices[n] for n in s.devices]
        rows.append(SiteRow(
            name=s.name, id=s.id, organisation=s.organisation, zone=s.zone, region=s.region,
            description=described.get(s.name), hub=s.hub, asn=s.asn, devices=s.devices,
            platforms=sorted({d.platform for d in devs}),
            underlays=sorted({link.underlay for d in devs for link in d.links},
                             key=lambda u: (inputs.plan.fabric.underlays.get(u, 0), u)),
            lan=[str(p) for p in s.lan]))
    return rows


def _finding_row(f: Finding) -> FindingRow:
    return FindingRow(severity=f.severity.value, code=f.code, location=str(f.location),
                      message=f.message)


def _fabric(inputs: Inputs) -> FabricInfo:
    f = inputs.plan.fabric
    return FabricInfo(name=f.name, description=inputs.inventory.fabric.description,
                      topology=f.topology, hubs=f.hubs,
                      underlays=dict(sorted(f.underlays.items(), key=lambda kv: (kv[1], kv[0]))),
                      crypto_profile=f.crypto_profile, auth=f.auth, asn_base=f.asn_base)


def _provenance(inputs: Inputs) -> Provenance:
    digest, files = provenance.hash_inputs(inputs.path)
    state_path = inputs.state_path
    return Provenance(
        netorch_version=__version__, inventory=inputs.path.as_posix(),
        inventory_sha256=digest, files=files, allocations=inputs.allocations,
        plan_sha256=provenance.sha256(plan_json(inputs.plan).encode()),
        state=state_path.as_posix() if state_path else None,
        state_sha256=inputs.state.sha256 if inputs.state else None,
        generated_at=inputs.generated_at)


def lab_banner(origin: StateOrigin) -> str | None:
    """The line every format shows first when the live state comes from a lab."""
    if origin.lab is None:
        return None
    return (f"LAB STATE, NOT PRODUCTION: the live state was read from the lab "
            f"'{origin.lab}' by netorch lab verify at {origin.generated_at}; it shows what "
            "the lab runs, not what production devices run.")
