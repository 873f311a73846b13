"""What a lab is made of, computed purely from an inventory: names and addresses.

Lab-only addresses come from the RFC 2544 benchmarking range 198.18.0.0/15:
management /31s from a per-lab /24 of 198.18.0.0/16 (root namespace side), and
tunnel endpoints (one /32 per device and underlay, on `lo`) from 198.19.0.0/16.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from netorch.inventory.model import Device, Inventory, Site
from netorch.lab import names
from netorch.lab.errors import LabError
from netorch.platforms import registry
from netorch.platforms.linux_strongswan import lab as dataplane

IPv4Interface = ipaddress.IPv4Interface
IPv4Address = ipaddress.IPv4Address
IPv4Network = ipaddress.IPv4Network

MGMT_RANGE = IPv4Network("198.18.0.0/16")
ENDPOINT_RANGE = dataplane.ENDPOINT_RANGE  # the endpoints: the linux_strongswan plugin's
LAB_RANGE = IPv4Network("198.18.0.0/15")
MAX_DEVICES = 128


@dataclass(frozen=True)
class LabLink:
    underlay: str
    ifname: str            # in the device namespace
    uplink: str            # its peer, a port of the underlay bridge
    address: IPv4Interface
    next_hop: IPv4Address
    public: IPv4Address | None

    @property
    def reached_at(self) -> IPv4Address:
        """The address peers use: the public (NAT) address if there is one."""
        return self.public or self.address.ip


@dataclass(frozen=True)
class LabDevice:
    name: str
    site: str
    index: int
    ns: str
    mgmt_root_if: str
    mgmt_root: IPv4Interface
    mgmt: IPv4Interface
    links: tuple[LabLink, ...]
    lan: tuple[IPv4Interface, ...]
    endpoints: dict[str, IPv4Address] = field(default_factory=dict)


@dataclass(frozen=True)
class LabHost:
    site: str
    ns: str
    addresses: tuple[IPv4Interface, ...]
    gateway: IPv4Address
    ports: tuple[str, ...]  # one LAN veth end per device of the site

    @property
    def address(self) -> IPv4Address:
        return self.addresses[0].ip


@dataclass(frozen=True)
class LabSpec:
    lab: str
    tag: str
    underlay_ns: str
    underlays: tuple[str, ...]
    bridges: dict[str, str]
    gateways: dict[str, tuple[IPv4Interface, ...]]
    devices: tuple[LabDevice, ...]
    hosts: tuple[LabHost, ...]
    mgmt_subnet: IPv4Network

    def device(self, name: str) -> LabDevice:
        for dev in self.devices:
            if dev.name == name:
                return dev
        raise LabError(f"no device '{name}' in lab '{self.lab}'")

    def namespaces(self) -> list[str]:
        return [self.underlay_ns, *(d.ns for d in self.devices), *(h.ns for h in self.hosts)]


def linux_device(device: Device, lab: LabDevice, platform: str) -> Device:
    """`device` as the lab runs it: of `platform` (Linux), reached at its lab management
    address, its links named as in its namespace (so the production templates route over
    them), and without the options `platform` does not understand (another platform's
    loopback name, tunnel offset, VDOM, zones: `Platform.foreign_options`)."""
    runs = registry()[platform]
    zone = {} if "link_zone" in runs.device_options else {"zone": None}
    links = [k.model_copy(update={"interface": mine.ifname, **zone})
             for k, mine in zip(device.links, lab.links, strict=True)]
    return device.model_copy(update={
        "platform": platform, "mgmt": str(lab.mgmt.ip), "links": links,
        **dict.fromkeys(runs.foreign_options())})


def default_mgmt_subnet(tag: str) -> IPv4Network:
    """The /24 of 198.18.0.0/16 a lab tries first (the runtime skips taken ones)."""
    return mgmt_subnet_at(int(tag[2:], 16) % 256)


def mgmt_subnet_at(slot: int) -> IPv4Network:
    return IPv4Network((int(MGMT_RANGE.network_address) + (slot % 256) * 256, 24))


def build_spec(inventory: Inventory, lab: str, mgmt_subnet: IPv4Network | None = None
               ) -> LabSpec:
    """The whole lab for `inventory`, deterministic for a given lab name and subnet."""
    tag = names.lab_tag(lab)
    subnet = mgmt_subnet or default_mgmt_subnet(tag)
    _refuse_lab_range_overlap(inventory)
    underlays = tuple(sorted(inventory.fabric.underlays))
    sites = sorted(inventory.sites, key=lambda s: s.id)
    # the same endpoints as `render --dataplane lab`, whatever order sites list devices
    ends = dataplane.endpoints(((s.id, d) for s in sites for d in s.devices), underlays)
    devices: list[LabDevice] = []
    hosts: list[LabHost] = []
    for site in sites:
        site_devices = [_device(tag, subnet, underlays, site, len(devices) + i, i, ends)
                        for i in range(len(site.devices))]
        devices.extend(site_devices)
        hosts.append(_host(tag, site, site_devices))
    if len(devices) > MAX_DEVICES:
        raise LabError(f"a lab holds at most {MAX_DEVICES} devices, this inventory has "
                       f"{len(devices)}")
    gateways = {u: _gateways(link for dev in devices for link in dev.links if link.underlay == u)
                for u in underlays}
    _refuse_overlapping_gateways(gateways)
    return LabSpec(lab=lab, tag=tag, underlay_ns=names.underlay_ns(tag), underlays=underlays,
                   bridges={u: names.bridge_name(i, u) for i, u in enumerate(underlays)},
                   gateways=gateways, devices=tuple(devices), hosts=tuple(hosts),
                   mgmt_subnet=subnet)


def _device(tag: str, subnet: IPv4Network, underlays: tuple[str, ...], site: Site,
            index: int, position: int, ends: dict[str, dict[str, IPv4Address]]
            ) -> LabDevice:
    dev = site.devices[position]
    base = int(subnet.network_address) + 2 * index
    taken: set[str] = set()
    links = []
    for k, link in enumerate(dev.links):
        u = underlays.index(link.underlay)
        ifname = names.device_ifname(link.interface, k, taken)
        taken.add(ifname)
        links.append(LabLink(link.underlay, ifname, names.uplink_ifname(index, u),
                             link.address, link.next_hop, link.public))
    return LabDevice(
        name=dev.name, site=site.name, index=index, ns=names.device_ns(tag, dev.name),
        mgmt_root_if=names.mgmt_ifname(tag, index),
        mgmt_root=IPv4Interface((base, 31)), mgmt=IPv4Interface((base + 1, 31)),
        links=tuple(links),
        lan=tuple(IPv4Interface((int(p.network_address) + position + 1, p.prefixlen))
                  for p in site.lan),
        endpoints=ends[dev.name])


def _host(tag: str, site: Site, devices: list[LabDevice]) -> LabHost:
    addresses = tuple(IPv4Interface((int(p.broadcast_address) - 1, p.prefixlen))
                      for p in site.lan)
    return LabHost(site=site.name, ns=names.host_ns(tag, site.name), addresses=addresses,
                   # the site's first device by name: the gateway rule of the plan's
                   # hub order (docs/routing.md), whatever order the inventory lists
                   gateway=min(devices, key=lambda d: d.name).lan[0].ip,
                   ports=tuple(names.lan_port_ifname(d.index) for d in devices))


def _gateways(links: Iterable[LabLink]) -> tuple[IPv4Interface, ...]:
    found = {IPv4Interface((link.next_hop, link.address.network.prefixlen)) for link in links}
    return tuple(sorted(found))


def _refuse_overlapping_gateways(gateways: dict[str, tuple[IPv4Interface, ...]]) -> None:
    every = sorted((gw, u) for u, gws in gateways.items() for gw in gws)
    for (a, ua), (b, ub) in itertools.pairwise(every):
        if a.network.overlaps(b.network) and a != b:
            raise LabError(f"the lab cannot build overlapping underlay subnets: {a.network} "
                           f"({ua}, next hop {a.ip}) and {b.network} ({ub}, next hop {b.ip})")


def _refuse_lab_range_overlap(inventory: Inventory) -> None:
    for site in inventory.sites:
        links = [link for d in site.devices for link in d.links]
        used = [*site.lan, *(link.address.network for link in links),
                *(IPv4Network(int(link.public)) for link in links if link.public)]
        for net in used:
            if net.overlaps(LAB_RANGE):
                raise LabError(f"site '{site.name}' uses {net}, inside {LAB_RANGE}, which the "
                               "lab keeps for management and tunnel endpoints")
