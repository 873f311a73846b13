"""A minimal plan with the attributes verify reads (`netorch.verify.model.PlanLike`),
for tests that describe a few tunnels by hand instead of planning an inventory."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface


@dataclass(frozen=True)
class End:
    """Addresses are written as text here and held typed, as the plan holds them."""

    device: str
    address: IPv4Interface
    underlay_address: IPv4Address
    endpoint: IPv4Address
    asn: int = 65000

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", IPv4Interface(self.address))
        object.__setattr__(self, "underlay_address", IPv4Address(self.underlay_address))
        object.__setattr__(self, "endpoint", IPv4Address(self.endpoint))


@dataclass(frozen=True)
class Tunnel:
    id: str
    a: End
    b: End


@dataclass(frozen=True)
class Plan:
    tunnels: list[Tunnel]
