"""The inventory: the user's declarative source of truth (see ARCHITECTURE.md).

Models are strict about shape (`extra="forbid"`, typed fields) and leave
cross-field rules (duplicates, overlaps, reachability) to `netorch.checks`, which
can point at every offending place at once.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv6Address
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
)
from pydantic_core import PydanticCustomError

from netorch.inventory.errors import describe
from netorch.inventory.policy import SELECTOR_FORMS, SERVICE_FORMS, SelectorSpec, ServiceSpec
from netorch.inventory.types import (
    Address,
    FreeText,
    IfAddress,
    InterfaceName,
    Lifetime,
    Name,
    ObjectName,
    Prefix,
    Quarantine,
    shown,
)

TopologyKind = Literal["hub-and-spoke", "full-mesh", "regional"]
ProfileName = Literal["ncsc-prime", "cnsa", "custom"]
AuthMethod = Literal["psk", "certificate"]
Encryption = Literal["aes-128-gcm", "aes-256-gcm", "aes-128-cbc", "aes-256-cbc",
                     "chacha20-poly1305", "3des", "des", "null"]
Integrity = Literal["sha256", "sha384", "sha512", "sha1", "md5"]
DhGroup = Literal[1, 2, 5, 14, 15, 16, 19, 20, 21, 22, 23, 24, 31]

MGMT_PORT = 22  # SSH: what deploy connects to when `mgmt` names no port
_MGMT_FORMS = "IPv4 a.b.c.d, [IPv6] or a host name, optionally with :PORT"
_BRACKETED = re.compile(r"\[(?P<host>[^\]]*)\](?::(?P<port>.*))?", re.DOTALL)
_PORT_RE = re.compile(r"[1-9][0-9]{0,4}")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# What inet_aton (and so ssh, through getaddrinfo) reads as a number: a decimal,
# octal (0300) or hex (0xc0) part. A host name whose last label is one of these is read
# as an IPv4 address in another form, so it could reach any router under another name.
_NUMBER_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_BROADCAST = IPv4Address("255.255.255.255")


class MgmtEndpoint(NamedTuple):
    """Where deploy connects: an address, or a lower-cased host name, and a port."""

    host: IPv4Address | IPv6Address | str
    port: int = MGMT_PORT

    def __str__(self) -> str:
        """The canonical text: the one form each endpoint has (no ':22', no case).

        >>> str(MgmtEndpoint(IPv6Address("2001:db8::1"), 2222))
        '[2001:db8::1]:2222'
        """
        host = f"[{self.host}]" if isinstance(self.host, IPv6Address) else str(self.host)
        return host if self.port == MGMT_PORT else f"{host}:{self.port}"


def mgmt_endpoint(value: str) -> MgmtEndpoint:
    """Parse `mgmt`; refuse every form that could name one device in two ways.

    >>> mgmt_endpoint("192.0.2.2:22"), mgmt_endpoint("R1.Example:2201")
    (MgmtEndpoint(host=IPv4Address('192.0.2.2'), port=22), MgmtEndpoint(host='r1.example', \
port=2201))
    """
    if value.startswith("["):
        bracketed = _BRACKETED.fullmatch(value)
        if bracketed is None:
            raise _mgmt_error("{v} is not an IPv6 address in brackets, e.g. [2001:db8::1]:22",
                              value)
        return MgmtEndpoint(_ipv6(bracketed["host"], value), _port(bracketed["port"], value))
    if value.count(":") > 1:
        raise _mgmt_error("{v}: an IPv6 address goes in brackets, e.g. [2001:db8::1]:22", value)
    host, sep, port = value.partition(":")
    text = host.lower()
    parsed = _ipv4(text, value) if text.replace(".", "").isdigit() else _host_name(text, value)
    return MgmtEndpoint(parsed, _port(port if sep else None, value))


def _port(port: str | None, value: str) -> int:
    if port is None:
        return MGMT_PORT
    if not _PORT_RE.fullmatch(port) or int(port) > 65535:
        raise _mgmt_error("{v}: the port must be a number from 1 to 65535, without leading "
                          "zeros", value)
    return int(port)


def _ipv4(host: str, value: str) -> IPv4Address:
    try:
        address = IPv4Address(host)
    except ValueError:
        raise _mgmt_error("{v} is ambiguous: ssh reads a numeric host as an IPv4 address in "
                          "any form (3221225986, 0300.0.2.2, 192.0.2.02); write it as four "
                          "decimal numbers 0-255 without leading zeros", value) from None
    if address.is_unspecified or address.is_multicast or address == _BROADCAST:
        raise _mgmt_error("{v} is not the address of one host", value)
    return address


def _ipv6(host: str, value: str) -> IPv6Address:
    try:
        address = IPv6Address(host)
    except ValueError:
        raise _mgmt_error("{v} is not an IPv6 address in brackets", value) from None
    if address.scope_id is not None:
        raise _mgmt_error("{v}: a scoped IPv6 address (%zone) depends on the host running "
                          "deploy; use a global address", value)
    if address.ipv4_mapped is not None:
        raise _mgmt_error(f"{{v}} is the IPv4 address {address.ipv4_mapped}: write that",
                          value)
    if address.is_unspecified or address.is_multicast:
        raise _mgmt_error("{v} is not the address of one host", value)
    return address


def _host_name(host: str, value: str) -> str:
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise _mgmt_error("{v} is not a management address: use " + _MGMT_FORMS + " (host "
                          "names: labels of a-z, 0-9 and '-', 1 to 63 characters each)", value)
    if _NUMBER_LABEL.fullmatch(labels[-1]) or any(
            label.startswith("0x") and _NUMBER_LABEL.fullmatch(label) for label in labels):
        raise _mgmt_error("{v} is ambiguous: ssh reads a host whose last label is a number, "
                          "or a 0x label, as an IPv4 address (0xc0000202, 192.0.2.0x2); write "
                          "the address as a.b.c.d, or a name whose last label is a word", value)
    if labels[-1] == "localhost":
        raise _mgmt_error("{v} names the machine running deploy (RFC 6761): write 127.0.0.1",
                          value)
    return host



def _mgmt_error(template: str, value: str) -> PydanticCustomError:
    return PydanticCustomError("mgmt", template, {"v": shown(value)})


def _parse_mgmt(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("mgmt_type", "'mgmt' must be a host, IP or host:port as a "
                                  "string, got {got}", {"got": describe(value)})
    return str(mgmt_endpoint(value))


Mgmt = Annotated[str, BeforeValidator(_parse_mgmt)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Topology(Model):
    kind: TopologyKind = Field(description="hub-and-spoke | full-mesh | regional")
    hubs: list[Name] = Field(default_factory=list, description="hub site names")


class Underlay(Model):
    preference: StrictInt = Field(ge=1, le=1000, description="lower = preferred")
    description: FreeText | None = None


class Pools(Model):
    tunnels: Prefix = Field(description="one /31 per tunnel")
    loopbacks: Prefix = Field(description="one /32 per device")
    quarantine: Quarantine = Field(
        30 * 86400, description="how long a released address is held back before another "
        "site gets it (rounded up to whole days; default 30d)")


class Routing(Model):
    protocol: Literal["bgp"] = "bgp"
    asn_base: StrictInt = Field(ge=1, le=4294967294, description="site ASN = asn_base + id")


class IkeProposal(Model):
    version: Literal[1, 2] = 2
    mode: Literal["main", "aggressive"] = "main"
    encryption: list[Encryption] = Field(min_length=1)
    prf: list[Integrity] = Field(min_length=1)
    integrity: list[Integrity] = Field(default_factory=list, description="only for non-AEAD")
    dh_groups: list[DhGroup] = Field(min_length=1)
    lifetime: Lifetime = 86400


class EspProposal(Model):
    encryption: list[Encryption] = Field(min_length=1)
    integrity: list[Integrity] = Field(default_factory=list, description="only for non-AEAD")
    pfs_groups: list[DhGroup] = Field(default_factory=list, description="empty = no PFS")
    lifetime: Lifetime = 28800


class Crypto(Model):
    profile: ProfileName = "ncsc-prime"
    auth: AuthMethod = "psk"
    ike: IkeProposal | None = Field(default=None, description="profile: custom only")
    esp: EspProposal | None = Field(default=None, description="profile: custom only")


Verdict = Literal["allow", "deny"]


class PolicyRule(Model):
    """One directional, stateful allow: sites `from` selects may open flows of these
    services to sites `to` selects; replies return (the firewalls keep state)."""

    source: SelectorSpec = Field(alias="from", description=f"who opens the flow: {SELECTOR_FORMS}")
    to: SelectorSpec = Field(description=f"who receives it: {SELECTOR_FORMS}")
    services: list[ServiceSpec] = Field(min_length=1, description=SERVICE_FORMS)
    description: FreeText | None = None


class Policy(Model):
    """Who may open flows to whom across the fabric (docs/policy.md)."""

    default: Verdict = Field(
        "deny", description="between sites of different organisations: deny | allow")
    same_organisation: Verdict = Field(
        "allow", description="between sites of one organisation: allow | deny")
    rules: list[PolicyRule] = Field(default_factory=list, description="allows, in order")


class Fabric(Model):
    name: Name
    description: FreeText | None = None
    topology: Topology
    underlays: dict[Name, Underlay] = Field(min_length=1)
    cross_underlay: StrictBool = Field(
        default=False, description="allow tunnels between different underlays")
    pools: Pools
    lan_min_prefixlen: StrictInt = Field(
        default=8, ge=0, le=32, description="the widest LAN a site may declare (its shortest "
        "prefix length): every peer routes a site's LANs to it, so a wide one draws other "
        "agencies' traffic; default 8")
    routing: Routing
    crypto: Crypto = Field(default_factory=Crypto)
    policy: Policy | None = Field(
        default=None, description="segmentation between sites (none: every site reaches "
        "every other)")


class Link(Model):
    underlay: Name
    interface: InterfaceName = Field(
        description="the underlay interface, in the platform's own naming")
    address: IfAddress
    next_hop: Address
    public: Address | None = Field(default=None, description="public (NAT) address")
    zone: ObjectName | None = Field(
        default=None, description="an existing security zone that already holds this "
        "interface (Junos): netorch then adds IKE to it instead of creating its own zone")


class Device(Model):
    name: Name
    platform: str = Field(min_length=1)
    mgmt: Mgmt = Field(description=f"how deploy reaches it: {_MGMT_FORMS} (default "
                       f"{MGMT_PORT}); kept in one canonical form")
    links: list[Link] = Field(min_length=1)
    # Brownfield settings: how netorch fits beside what the device already runs.
    asn: StrictInt | None = Field(
        default=None, ge=1, le=4294967294,
        description="join the device's existing BGP process (default: the site's ASN)")
    router_id: Address | None = Field(
        default=None, description="the router-id the device already has (default: loopback)")
    loopback_interface: InterfaceName | None = Field(
        default=None, description="netorch's own loopback (default: the platform's)")
    tunnel_offset: StrictInt | None = Field(
        default=None, ge=0, le=1_000_000,
        description="added to every tunnel number (default: the platform's)")
    vdom: ObjectName | None = Field(default=None, description="FortiOS VDOM netorch configures "
                              "(default root, when the device runs VDOMs)")
    lan_zone: ObjectName | None = Field(
        default=None, description="the zone holding the site's LAN interfaces (Junos; "
        "default trust)")


class Site(Model):
    name: Name
    id: StrictInt = Field(description="stable, unique, never reused")
    organisation: FreeText
    zone: Name = Field(description="police | cps | courts | probation | dc | ...")
    region: Name
    description: FreeText | None = None
    lan: list[Prefix] = Field(min_length=1)
    devices: list[Device] = Field(min_length=1)


class Inventory(Model):
    fabric: Fabric
    sites: list[Site] = Field(min_length=1)

    _source: Any = PrivateAttr(default=None)
    _path: str = PrivateAttr(default="")

    @property
    def source(self) -> Any:
        """The `SourceMap` this inventory was loaded from (None if built in Python)."""
        return self._source

    @property
    def path(self) -> str:
        return self._path
