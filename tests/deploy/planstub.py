"""A minimal plan with the attributes verify reads (`netorch.verify.model.PlanLike`),
for tests that describe a few tunnels by hand instead of planning an inventory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class End:
    device: str
    address: str
    underlay_address: str
    endpoint: str
    asn: int = 65000


@dataclass(frozen=True)
class Tunnel:
    id: str
    a: End
    b: End


@dataclass(frozen=True)
class Plan:
    tunnels: list[Tunnel]
