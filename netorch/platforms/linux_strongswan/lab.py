"""The lab dataplane's tunnel endpoints, stated once for `render --dataplane lab` and the
lab build (`netorch.lab.spec`): one /32 per device and underlay, on `lo`, from the
RFC 2544 benchmarking range 198.19.0.0/16.

Devices are numbered in plan order, sites by id then their devices by name, whatever
order the inventory lists them in; underlays are numbered by name. Endpoint
`198.19.U.D+1` is device D on underlay U (at most 255 devices).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from netorch.plan.model import FabricPlan

ENDPOINT_RANGE = IPv4Network("198.19.0.0/16")


class _Link(Protocol):
    @property
    def underlay(self) -> str: ...


class _Device(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def links(self) -> Sequence[_Link]: ...


def endpoint(device_index: int, underlay_index: int) -> IPv4Address:
    """The lab-only tunnel endpoint /32 of one device on one underlay."""
    return IPv4Address(int(ENDPOINT_RANGE.network_address) + underlay_index * 256
                       + device_index + 1)


def endpoints(devices: Iterable[tuple[int, _Device]], underlays: Iterable[str]
              ) -> dict[str, dict[str, IPv4Address]]:
    """{device: {underlay: endpoint}} of `devices` given as (site id, device) pairs, an
    inventory's or a plan's: numbered in plan order (site id, then device name)."""
    names = sorted(underlays)
    ordered = sorted(devices, key=lambda pair: (pair[0], pair[1].name))
    return {d.name: {k.underlay: endpoint(i, names.index(k.underlay))
                     for k in d.links if k.underlay in names}
            for i, (_, d) in enumerate(ordered)}


def plan_endpoints(plan: FabricPlan) -> dict[str, dict[str, IPv4Address]]:
    """`endpoints` of a plan's devices."""
    site_id = {s.name: s.id for s in plan.sites}
    return endpoints(((site_id[d.site], d) for d in plan.devices), plan.fabric.underlays)


def template_variables(plan: FabricPlan, options: Mapping[str, object]
                       ) -> dict[str, object]:
    """What linux_strongswan templates see besides the plan: with the lab dataplane, the
    `endpoints` ({device: {underlay: address}}) unless the caller gave its own."""
    if options.get("dataplane") != "lab" or "endpoints" in options:
        return {}
    return {"endpoints": {device: {u: str(a) for u, a in ends.items()}
                          for device, ends in plan_endpoints(plan).items()}}
