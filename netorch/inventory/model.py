"""The inventory: the user's declarative source of truth (see ARCHITECTURE.md).

Models are strict about shape (`extra="forbid"`, typed fields) and leave
cross-field rules (duplicates, overlaps, reachability) to `netorch.checks`, which
can point at every offending place at once.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

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
from netorch.inventory.types import (
    Address,
    Duration,
    FreeText,
    IfAddress,
    InterfaceName,
    Name,
    Prefix,
)

TopologyKind = Literal["hub-and-spoke", "full-mesh", "regional"]
ProfileName = Literal["ncsc-prime", "cnsa", "custom"]
AuthMethod = Literal["psk", "certificate"]
Encryption = Literal["aes-128-gcm", "aes-256-gcm", "aes-128-cbc", "aes-256-cbc",
                     "chacha20-poly1305", "3des", "des", "null"]
Integrity = Literal["sha256", "sha384", "sha512", "sha1", "md5"]
DhGroup = Literal[1, 2, 5, 14, 15, 16, 19, 20, 21, 22, 23, 24, 31]

_MGMT_RE = re.compile(r"^(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?$")


def _parse_mgmt(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("mgmt_type", "'mgmt' must be a host, IP or host:port as a "
                                  "string, got {got}", {"got": describe(value)})
    match = _MGMT_RE.match(value)
    if match is None or (match["port"] and not 0 < int(match["port"]) < 65536):
        raise PydanticCustomError(
            "mgmt", "'{v}' is not a management address: use host, IP or host:port", {"v": value})
    return value


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
    quarantine: Duration = Field(
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
    lifetime: Duration = 86400


class EspProposal(Model):
    encryption: list[Encryption] = Field(min_length=1)
    integrity: list[Integrity] = Field(default_factory=list, description="only for non-AEAD")
    pfs_groups: list[DhGroup] = Field(default_factory=list, description="empty = no PFS")
    lifetime: Duration = 28800


class Crypto(Model):
    profile: ProfileName = "ncsc-prime"
    auth: AuthMethod = "psk"
    ike: IkeProposal | None = Field(default=None, description="profile: custom only")
    esp: EspProposal | None = Field(default=None, description="profile: custom only")


class Fabric(Model):
    name: Name
    description: FreeText | None = None
    topology: Topology
    underlays: dict[Name, Underlay] = Field(min_length=1)
    cross_underlay: StrictBool = Field(
        default=False, description="allow tunnels between different underlays")
    pools: Pools
    routing: Routing
    crypto: Crypto = Field(default_factory=Crypto)


class Link(Model):
    underlay: Name
    interface: InterfaceName = Field(
        description="the underlay interface, in the platform's own naming")
    address: IfAddress
    next_hop: Address
    public: Address | None = Field(default=None, description="public (NAT) address")


class Device(Model):
    name: Name
    platform: str = Field(min_length=1)
    mgmt: Mgmt = Field(description="how deploy reaches it: host, IP or host:port")
    links: list[Link] = Field(min_length=1)


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
