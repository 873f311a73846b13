"""The report model: every fact a report shows, computed once, formatted many ways.

Its JSON form is a versioned contract (`schema_version`, `kind`); the HTML, Markdown,
DOT and mermaid formats only lay these facts out. It holds no key, PSK or credential:
the plan it is built from has none, and nothing here reads the master secret.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from netorch.verify.origin import StateOrigin

SCHEMA_VERSION = "1.3"  # 1.1: live state's origin, the lab banner, zones' `outside`
# 1.2: `certificates` (a certificate fabric's CA and device certificates, their checks)
# 1.3: `policy` (the segmentation policy: intended and effective matrices, differences)

CheckStatus = Literal["pass", "warn", "fail"]
Compliance = Literal["pass", "warn", "fail"]


class ReportModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InputFile(ReportModel):
    path: str = Field(description="relative to the inventory")
    sha256: str


class Provenance(ReportModel):
    netorch_version: str
    inventory: str = Field(description="the inventory path as given")
    inventory_sha256: str = Field(description="over the sorted (path, sha256) of every file")
    files: list[InputFile]
    allocations: str = Field(description="allocation file used, or why there is none")
    plan_sha256: str = Field(description="sha256 of the plan's JSON (`netorch plan -f json`)")
    state: str | None = Field(description="the --state file, if any")
    state_sha256: str | None
    generated_at: str = Field(description="UTC, ISO 8601")


class FabricInfo(ReportModel):
    name: str
    description: str | None
    topology: str
    hubs: list[str]
    underlays: dict[str, int] = Field(description="underlay -> preference (lower wins)")
    crypto_profile: str
    auth: str
    asn_base: int


class SiteRow(ReportModel):
    name: str
    id: int
    organisation: str
    zone: str
    region: str
    description: str | None
    hub: bool
    asn: int
    devices: list[str]
    platforms: list[str]
    underlays: list[str]
    lan: list[str]

    @property
    def ha(self) -> bool:
        return len(self.devices) > 1


class TunnelRow(ReportModel):
    id: str
    index: int
    kind: str
    underlay: str
    preference: int
    role: str = Field(description="primary | backup (rank n)")
    nat_traversal: bool
    site_a: str
    device_a: str
    address_a: str
    site_b: str
    device_b: str
    address_b: str
    auth: str
    proposal: str
    compliance: Compliance
    status: str | None = Field(description="live tunnel status from --state, else None")


class Check(ReportModel):
    rule: str
    reference: str
    status: CheckStatus
    observed: str


class ProposalCompliance(ReportModel):
    """One negotiated proposal (shared by many tunnels) held against the rules."""

    id: str = Field(description="P1, P2, ... in order of first use")
    proposal: str
    ike: str
    esp: str
    auth: str
    result: Compliance
    checks: list[Check]
    tunnels: int


class TunnelCompliance(ReportModel):
    tunnel: str
    proposal: str
    result: Compliance
    why: str


class CertificateRow(ReportModel):
    """One certificate of the fabric's PKI folder, as it stands at the report's time."""

    name: str = Field(description="the device, or 'CA'")
    file: str = Field(description="its file, as the inventory path was given")
    subject: str | None = Field(description="RFC 4514; None when missing or unreadable")
    key: str | None = Field(description="ecdsa-p256, ecdsa-p384, rsa-2048...")
    hash: str | None = Field(description="the hash of its signature (sha256, sha384...)")
    serial: str | None = Field(description="upper-case hex")
    not_after: str | None = Field(description="UTC, ISO 8601")
    days_left: int | None = Field(description="whole days from generated_at to not_after")
    state: str = Field(description="ok | renew-due | expired | revoked | missing | unsigned "
                                   "(key made on the device, CSR not signed yet) | unreadable")
    status: CheckStatus = Field(description="pass (ok), warn (renew-due, unsigned), fail")


class Certificates(ReportModel):
    """A certificate fabric's PKI: `source` says where its certificates come from."""

    source: Literal["pki-folder", "out-of-band", "unreadable"]
    folder: str = Field(description="the PKI folder (DIR/pki or NAME.pki)")
    profile_key: str = Field(description="the key the crypto profile needs (ecdsa-p256...)")
    profile_hash: str = Field(description="the signature hash it needs (sha256, sha384)")
    reference: str = Field(description="where the key and hash come from")
    ca: CertificateRow | None
    devices: list[CertificateRow]
    checks: list[Check]
    result: Compliance


class FindingRow(ReportModel):
    severity: str
    code: str
    location: str
    message: str


class PathInfo(ReportModel):
    """How traffic from one site reaches another: underlay per hop and transit hubs."""

    underlays: list[str] = Field(description="underlay of each hop, in order")
    via: list[str] = Field(description="transit hubs (alternatives joined by |)")

    @property
    def text(self) -> str:
        hops = " → ".join(self.underlays) if len(set(self.underlays)) > 1 else self.underlays[0]
        return f"{hops} {'via ' + ', '.join(self.via) if self.via else 'direct'}"


class Route(ReportModel):
    """Primary path, and the backup taken when the primary's best underlay is lost."""

    primary: str | None
    backup: str | None

    @property
    def text(self) -> str:
        if self.primary is None:
            return "unreachable"
        backup = self.backup or "none (single underlay)"
        return f"primary: {self.primary}; backup: {backup}"


class RouteCount(ReportModel):
    route: Route
    pairs: int = Field(description="site pairs taking this route")


class MatrixCell(ReportModel):
    source: str
    target: str
    pairs: int
    reachable: int
    routes: list[RouteCount]


class Matrix(ReportModel):
    by: Literal["zone", "organisation"]
    groups: list[str]
    cells: list[MatrixCell]


class SiteReach(ReportModel):
    """One site's routes to every site of one zone (the zone's sites grouped by route)."""

    site: str
    zone: str
    routes: list[RouteCount]


class ServicePairs(ReportModel):
    service: str = Field(description="a service as the policy names it (https, tcp/445), "
                                     "`any`, or ports no named service matches exactly")
    pairs: int = Field(description="pairs of sites of the cell that may open it")


class PolicyCell(ReportModel):
    """The services sites of `source` may open to sites of `target`."""

    source: str
    target: str
    pairs: int = Field(description="ordered pairs of two different sites, source to target")
    allowed: int = Field(description="pairs that may open at least one service")
    services: list[ServicePairs] = Field(
        description="each service and the pairs that may open it; a service is left out "
                    "where a larger one (`any`, a port range) is allowed on as many pairs")


class PolicyMatrix(ReportModel):
    by: Literal["zone", "organisation"]
    view: Literal["intended", "effective"] = Field(
        description="intended: what the inventory's policy allows; effective: what the "
                    "plan's routes and firewall rules let through")
    groups: list[str]
    cells: list[PolicyCell]


class DriftCase(ReportModel):
    """Site pairs the policy and the plan treat alike among themselves, but not as the
    policy says."""

    intended: list[str] = Field(description="services the policy allows ([]: nothing)")
    effective: list[str] = Field(description="services the plan lets through ([]: nothing)")
    pairs: int
    example: tuple[str, str] = Field(description="one such pair: (source site, target site)")
    why: str = Field(description="what in the plan makes the example differ")


class Drift(ReportModel):
    """Where the plan lets through more, or less, than the policy: by zone."""

    source: str
    target: str
    pairs: int
    differing: int = Field(description="pairs whose services differ")
    cases: list[DriftCase]


class Segmentation(ReportModel):
    """The fabric's segmentation policy, as intended and as the plan enforces it."""

    default: Literal["allow", "deny"]
    same_organisation: Literal["allow", "deny"]
    rules: int = Field(description="rules the inventory writes")
    pairs: int = Field(description="ordered pairs of two different sites")
    intended_pairs: int = Field(description="pairs the policy allows some service")
    effective_pairs: int = Field(description="pairs the plan lets some service through")
    differing: int = Field(description="pairs whose services differ between the two")
    matrices: list[PolicyMatrix] = Field(
        description="intended, then effective; by zone, and by organisation when the "
                    "fabric has at most 24 organisations")
    drift: list[Drift]


class TunnelState(ReportModel):
    tunnel: str
    status: str
    detail: str | None


class SessionState(ReportModel):
    tunnel: str
    device: str
    peer: str
    state: str
    prefixes_received: int | None


class ObservedState(ReportModel):
    """Live state as the report shows it: verify's result (`netorch.verify.model.
    VerifyResult`) matched to the plan's tunnels (`netorch.report.state.live_state`)."""

    origin: StateOrigin = Field(description="where the state was read: production or a lab, "
                                            "when, for which inventory")
    tunnels: list[TunnelState]
    sessions: list[SessionState]
    unexpected: list[TunnelState] = Field(description="reported live but not in the plan")
    counts: dict[str, int] = Field(description="tunnel status -> number of tunnels")


class ZoneAnswer(ReportModel):
    """The auditor's question for one zone: who reaches it, over what, how protected."""

    zone: str
    sites: list[str]
    reached_by: int = Field(description="sites outside the zone that reach every site of it")
    outside: int = Field(description="sites outside the zone: what reached_by counts")
    unreachable_from: list[str]
    routes: list[RouteCount]
    tunnels: int
    compliant_tunnels: int


class Summary(ReportModel):
    sites: int
    devices: int
    ha_sites: int
    tunnels: int
    tunnels_by_underlay: dict[str, int]
    compliance: dict[str, int] = Field(description="pass / warn / fail -> tunnels")
    all_compliant: bool
    findings: dict[str, int] = Field(description="error / warning -> findings")
    protection: str = Field(description="the proposals in use, in one line")
    zones: list[ZoneAnswer]
    live: dict[str, int] | None


class Report(ReportModel):
    kind: Literal["netorch-report"] = "netorch-report"
    schema_version: str = SCHEMA_VERSION
    banner: str | None = Field(description="shown first in every format: the live state "
                                           "is from a lab, not production")
    provenance: Provenance
    fabric: FabricInfo
    summary: Summary
    sites: list[SiteRow]
    tunnels: list[TunnelRow]
    proposals: list[ProposalCompliance]
    compliance: list[TunnelCompliance]
    findings: list[FindingRow]
    certificates: Certificates | None = Field(
        description="None for a PSK fabric (pre-shared keys, no certificates)")
    matrices: list[Matrix]
    reach: list[SiteReach]
    policy: Segmentation | None = Field(
        description="None: the fabric has no policy, every site reaches every other")
    state: ObservedState | None
