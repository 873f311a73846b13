"""The FabricPlan: everything the fabric needs, decided once, formatted by templates.

The plan is data only — no keys. Its JSON form (`FabricPlan.model_dump_json`) is a
versioned contract (`schema_version`); `netorch schema --part plan` prints its schema.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

SCHEMA_VERSION = "1.1"

# Addresses are `ipaddress` values in the plan, built once by the planner; they become
# text only at the edges: templates (`str`, the render filters) and JSON, which holds
# `str(value)` ("100.64.0.0/31", "198.51.100.10", "10.11.0.0/16"; `str` itself is the
# serialiser: pydantic's own for addresses costs a Python call more per value). The
# JSON schema states them as strings, as the plan's JSON holds them.
_AS_TEXT = PlainSerializer(str, return_type=str, when_used="json")
_STRING = WithJsonSchema({"type": "string"})
Interface = Annotated[IPv4Interface, _AS_TEXT, _STRING]
Address = Annotated[IPv4Address, _AS_TEXT, _STRING]
Network = Annotated[IPv4Network, _AS_TEXT, _STRING]



def ike_identity(device: str, fabric: str) -> str:
    """A device's IKE identity, also its certificate's subject CN and SAN (an FQDN).

    >>> ike_identity("nfk-hq-r1", "eastern-region")
    'nfk-hq-r1.eastern-region'
    """
    return f"{device}.{fabric}"

class PlanModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def build(cls, **values: Any) -> Self:
        """Construct from values the planner already validated: no re-validation, and one
        shared fields-set per class (a 10,000-site plan holds ~500,000 of these)."""
        meta = _BUILD_META.get(cls)
        if meta is None:
            defaults = {name: f.get_default(call_default_factory=True)
                        for name, f in cls.model_fields.items() if not f.is_required()}
            meta = _BUILD_META[cls] = (set(cls.model_fields), defaults, tuple(cls.model_fields))
        fields_set, defaults, order = meta
        built = cls.__new__(cls)
        # What `model_construct` does, minus its per-field loop (hot in 10k-site plans);
        # the dict keeps field order, which the JSON serialiser follows.
        data = {name: values[name] if name in values else defaults[name] for name in order}
        object.__setattr__(built, "__dict__", data)
        object.__setattr__(built, "__pydantic_fields_set__", fields_set)
        object.__setattr__(built, "__pydantic_extra__", None)
        object.__setattr__(built, "__pydantic_private__", None)
        return built


_BUILD_META: dict[type[BaseModel], tuple[set[str], dict[str, Any], tuple[str, ...]]] = {}


class IkeChoice(PlanModel):
    """The IKE SA proposal a tunnel negotiates (first choice of both ends)."""

    version: Literal[1, 2]
    encryption: str
    prf: str
    integrity: str | None = Field(description="None with AEAD ciphers")
    dh_group: int
    lifetime: int = Field(description="seconds")


class EspChoice(PlanModel):
    """The CHILD SA (ESP) proposal a tunnel negotiates."""

    encryption: str
    integrity: str | None
    pfs_group: int | None = Field(description="None = no PFS")
    lifetime: int


class Proposal(PlanModel):
    ike: IkeChoice
    esp: EspChoice
    name: str = Field(description="strongSwan-style summary, e.g. aes128gcm16-prfsha256-ecp256")


class Preference(PlanModel):
    """One inbound rule before the catch-all: routes in a prefix set get this
    local-preference (netorch/plan/hubpolicy.py says why)."""

    match: str = Field(description="prefix set, inside what the end accepts")
    local_preference: int


class TunnelEnd(PlanModel):
    """One side of a tunnel, as that device sees it."""

    site: str
    site_id: int
    device: str
    platform: str
    interface: str = Field(description="the platform's tunnel interface name")
    number: int = Field(description="the tunnel interface's number: device offset + index")
    address: Interface = Field(description="tunnel interface address, /31")
    underlay: str
    underlay_interface: str
    underlay_address: Address = Field(description="the link's own address (no length)")
    endpoint: Address = Field(
        description="where the peer reaches this end: public or link address")
    behind_nat: bool
    ike_id: str = Field(description="IKE identity (FQDN), also the certificate subject")
    asn: int
    accepts: str = Field(description="prefix set accepted from the peer")
    advertises: str = Field(description="prefix set advertised to the peer")
    local_preference: int = Field(
        description="BGP local-preference of what this end accepts (the catch-all)")
    preferences: list[Preference] = Field(
        default_factory=list, description="rules evaluated, in order, before the catch-all")


class Tunnel(PlanModel):
    # `index` is the tunnel's allocation slot (`netorch.plan.allocate.Pool`): the lock
    # file gives it the index-th /31 of the tunnel pool, end a its first address and end b
    # its second. Consumers number from it (interface numbers, XFRM ids, VXLAN ids, far-end
    # route names), never from the addresses.
    id: str = Field(description="stable identity: DEVICE_A--DEVICE_B--UNDERLAY")
    index: int = Field(description="allocation slot: the tunnel's /31 is the index-th of the "
                       "tunnel pool; names interfaces, VNIs")
    kind: Literal["hub-hub", "hub-spoke", "mesh"]
    underlay: str
    preference: int = Field(description="the underlay's preference: lower wins")
    rank: int = Field(description="0 = primary underlay, 1 = first backup, ...")
    local_preference: int = Field(
        description="the underlay's local-preference band; each end's own is on the end")
    prepend: int = Field(description="AS-path prepends on routes sent over it")
    nat_traversal: bool
    bfd: bool
    dpd_seconds: int
    auth: Literal["psk", "certificate"]
    key_ref: str | None = Field(
        description="which derived PSK (one per device pair): never the key itself")
    proposal: Proposal
    a: TunnelEnd
    b: TunnelEnd

    def ends(self) -> tuple[TunnelEnd, TunnelEnd]:
        return self.a, self.b


class PrefixEntry(PlanModel):
    prefix: Network
    le: int | None = Field(default=None, description="also accept more-specifics up to /le")


class PrefixSet(PlanModel):
    name: str
    description: str
    entries: list[PrefixEntry] = Field(description="empty: matches no route")


class LinkPlan(PlanModel):
    underlay: str
    interface: str
    address: Interface
    next_hop: Address
    public: Address | None
    zone: str | None = Field(default=None, description="existing zone holding it (Junos)")


class ServicePort(PlanModel):
    protocol: Literal["tcp", "udp", "icmp", "any"]
    first: int | None = Field(default=None, description="first port (None: every port)")
    last: int | None = Field(default=None, description="last port")


class Service(PlanModel):
    """A service a rule allows, as the policy wrote it."""

    name: str = Field(description="object name: https, tcp-445, udp-5000-5010, icmp, any")
    spec: str = Field(description="as written in the policy: https, tcp/445, ...")
    description: str
    ports: list[ServicePort]


class AddressGroup(PlanModel):
    """The sites a selector picks, and their addresses (LANs and device loopbacks)."""

    name: str = Field(description="object name: any, zone-Z, org-O, site-S, others-org-O")
    selector: str = Field(description="as written: any, zone:police, org:Essex Police, ...")
    sites: list[str]
    prefixes: list[Network] = Field(description="the sites' LANs and loopbacks, collapsed")


class FlowRule(PlanModel):
    """Sites of `source` may open flows of `services` to sites of `destination`
    (stateful: replies return)."""

    name: str = Field(description="object name: rule-N (the N-th rule), same-org-O, default")
    origin: str = Field(description="what made it: rules[N-1], same_organisation, default")
    description: str
    source: str = Field(description="address group")
    destination: str = Field(description="address group")
    services: list[str] = Field(description="service names")


class PolicyPlan(PlanModel):
    """The segmentation policy, compiled: rules over groups and services; every flow
    that crosses the fabric and no rule allows is refused."""

    default: Literal["allow", "deny"]
    same_organisation: Literal["allow", "deny"]
    services: list[Service]
    groups: list[AddressGroup]
    rules: list[FlowRule]


class DevicePlan(PlanModel):
    name: str
    site: str
    site_id: int
    platform: str
    mgmt: str
    asn: int
    loopback: Interface = Field(description="/32")
    loopback_interface: str = Field(description="the interface netorch owns for it")
    router_id: Address
    tunnel_offset: int = Field(description="added to the tunnel index for interface numbers")
    vdom: str | None = Field(default=None, description="FortiOS VDOM (None: as found)")
    lan_zone: str | None = Field(default=None, description="zone of the LANs (Junos)")
    hub: bool
    ike_id: str
    links: list[LinkPlan]
    advertises: str = Field(description="prefix set this device originates")
    tunnels: list[str] = Field(description="ids of the tunnels ending here, by index")
    policy: list[str] | None = Field(
        default=None, description="the flow rules its firewall enforces, in order (None: "
        "the fabric has no policy)")


class SitePlan(PlanModel):
    name: str
    id: int
    organisation: str
    zone: str
    region: str
    hub: bool
    asn: int
    lan: list[Network]
    devices: list[str]


class FabricSummary(PlanModel):
    name: str
    topology: str
    hubs: list[str]
    underlays: dict[str, int] = Field(description="underlay -> preference")
    crypto_profile: str
    auth: Literal["psk", "certificate"]
    tunnel_pool: Network
    loopback_pool: Network
    asn_base: int


class FabricPlan(PlanModel):
    schema_version: str = SCHEMA_VERSION
    fabric: FabricSummary
    sites: list[SitePlan]
    devices: list[DevicePlan]
    tunnels: list[Tunnel]
    prefix_sets: list[PrefixSet]
    policy: PolicyPlan | None = Field(default=None, description="None: a flat fabric")

    def device(self, name: str) -> DevicePlan:
        return next(d for d in self.devices if d.name == name)

    def tunnels_of(self, device: str) -> list[Tunnel]:
        return [t for t in self.tunnels if device in (t.a.device, t.b.device)]
