"""Which tunnels the topology needs: device to device, once per shared underlay."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netorch.inventory.model import Device, Inventory, Link, Site
from netorch.topology import hub_names, site_pairs

# Joins names into identities. Names cannot hold it (`netorch.inventory.types.Name`), so
# an identity splits back into its names one way only: no two pairs of legal names
# give one tunnel id or key reference.
SEPARATOR = "--"


def tunnel_id(device_a: str, device_b: str, underlay: str) -> str:
    """A tunnel's stable identity, also its key in the allocation file.

    >>> tunnel_id("hub-r1", "spoke-r1", "private")
    'hub-r1--spoke-r1--private'
    """
    return SEPARATOR.join((device_a, device_b, underlay))


def key_ref(device_a: str, device_b: str) -> str:
    """Which derived PSK a device pair uses (one per pair, on every underlay).

    >>> key_ref("hub-r1", "spoke-r1")
    'psk:hub-r1--spoke-r1'
    """
    return f"psk:{device_a}{SEPARATOR}{device_b}"


@dataclass(frozen=True, slots=True)
class Side:
    site: Site
    device: Device
    link: Link


@dataclass(frozen=True, slots=True)
class TunnelSpec:
    """A tunnel before it has addresses: its identity, kind and two sides."""

    id: str
    kind: str
    underlay: str
    a: Side
    b: Side


def tunnel_specs(inventory: Inventory) -> Iterator[TunnelSpec]:
    """Every tunnel, in a stable order (site ids, then device names, then underlay)."""
    hubs = hub_names(inventory)
    cross = inventory.fabric.cross_underlay
    prefs = {name: u.preference for name, u in inventory.fabric.underlays.items()}
    for site_a, site_b in site_pairs(inventory):
        kind = _kind(site_a.name in hubs, site_b.name in hubs)
        for dev_a in sorted(site_a.devices, key=lambda d: d.name):
            for dev_b in sorted(site_b.devices, key=lambda d: d.name):
                for link_a, link_b in _link_pairs(dev_a, dev_b, prefs, cross):
                    yield _spec(kind, Side(site_a, dev_a, link_a), Side(site_b, dev_b, link_b))


def _kind(a_hub: bool, b_hub: bool) -> str:
    if a_hub and b_hub:
        return "hub-hub"
    return "hub-spoke" if a_hub or b_hub else "mesh"


def _link_pairs(a: Device, b: Device, prefs: dict[str, int], cross: bool
                ) -> list[tuple[Link, Link]]:
    """Same-underlay link pairs; with cross_underlay, the best links when none match."""
    links_b = {link.underlay: link for link in b.links}
    same = [(la, links_b[la.underlay]) for la in a.links if la.underlay in links_b]
    if same or not cross:
        return sorted(same, key=lambda p: (prefs.get(p[0].underlay, 0), p[0].underlay))
    best_a = min(a.links, key=lambda link: (prefs.get(link.underlay, 0), link.underlay))
    best_b = min(b.links, key=lambda link: (prefs.get(link.underlay, 0), link.underlay))
    return [(best_a, best_b)]


def _spec(kind: str, a: Side, b: Side) -> TunnelSpec:
    ua, ub = a.link.underlay, b.link.underlay
    underlay = ua if ua == ub else f"{ua}+{ub}"
    return TunnelSpec(tunnel_id(a.device.name, b.device.name, underlay), kind, underlay, a, b)
