"""Which hub device carries a flow: one order both directions agree on.

Stateful hubs (SRX, FortiGate, unclustered HA pairs) drop a flow they see only one way,
so every device must pick the same hub device for a site pair. The policy, as BGP
local-preference on each tunnel end, is "underlay first, then hub order, then HA
member order", inside the underlay's band (`routing.band`):

- the hub order: hub sites by id, their devices by name (`HubOrder.devices`);
- towards a hub site's own prefixes (its `site-NAME` set): that site's devices first
  (name order), then the rest of the hub order, so a data-centre LAN is entered and
  left through its gateway (the site's first device);
- towards everything else (the spokes): the hub order itself.

Both orders depend only on the destination, so both ends of any pair choose the same
primary hub device, and the same backups in the same order. A spoke's end facing hub
device H gets the catch-all `band - 1 - position of H in the hub order`, plus one rule
per hub site whose order puts H elsewhere. Every other end gets `band - member rank`
of the device it faces (0 for the first device of a site, 1 for the second, ...), so
an HA pair is used by name order; a direct (mesh) end between two non-hub sites adds
`routing.DIRECT`, so a direct route beats every route through a hub.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netorch.inventory.model import Inventory
from netorch.plan.model import Preference
from netorch.plan.routing import site_set

# Hub routes take `band - 1 - position`; past 49 positions they would reach the next
# underlay's band (50 lower). 40 keeps room and is far beyond any real fabric.
MAX_HUB_DEVICES = 40
# Underlay bands are 200, 150, 100, 50 (`routing.local_preference`); a fifth would fall to
# the floor of 10, share it with the ones after it, and push hub routes below 1.
MAX_UNDERLAYS = 4
# Hub-spoke bands: 200 for the primary underlay, 50 lower for each next one.
HUB_SPOKE_BAND, BAND_STEP = 200, 50
# A hub site's own prefixes: 199 - (device position * 4 + underlay rank), device first;
# at 40 devices and 4 underlays the lowest is 40.
SITE_TOP = 199


@dataclass
class HubOrder:
    """The fabric's hub order and the preferences it gives spoke ends (cached: every
    spoke end facing one hub device over one underlay shares one rule list)."""

    devices: tuple[str, ...]
    sites: dict[str, tuple[str, ...]]
    _rules: dict[tuple[str, int], tuple[int, list[Preference]]] = field(default_factory=dict)

    @classmethod
    def of(cls, inventory: Inventory, hubs: set[str]) -> HubOrder:
        sites = {s.name: tuple(sorted(d.name for d in s.devices))
                 for s in sorted(inventory.sites, key=lambda s: s.id) if s.name in hubs}
        return cls(tuple(d for names in sites.values() for d in names), sites)

    def towards(self, hub_site: str | None) -> tuple[str, ...]:
        """The order for a destination: a hub site's own prefixes, or (None) any other.

        >>> order = HubOrder(("n1", "n2", "s1"), {"north": ("n1", "n2"), "south": ("s1",)})
        >>> order.towards(None), order.towards("south")
        (('n1', 'n2', 's1'), ('s1', 'n1', 'n2'))
        """
        if hub_site is None:
            return self.devices
        own = self.sites[hub_site]
        return own + tuple(d for d in self.devices if d not in own)

    def spoke_end(self, hub_device: str, band: int) -> tuple[int, list[Preference]]:
        """A spoke end facing `hub_device` in underlay band `band`: its catch-all
        local-preference (underlay first, then the hub order: transit between spokes,
        which both ends choose alike) and one rule per hub site, evaluated before it.

        A hub site's own prefixes rank the DEVICE first, then the underlay: that
        site's LAN leaves through its gateway (first device) whatever the underlays,
        so a spoke must enter through the same device even when it lost one link.

        >>> order = HubOrder(("n1", "n2"), {"north": ("n1", "n2")})
        >>> [(p.match, p.local_preference) for p in order.spoke_end("n2", 150)[1]]
        [('site-north', 194)]
        """
        key = (hub_device, band)
        if key not in self._rules:
            default = self.devices.index(hub_device)
            rank = (HUB_SPOKE_BAND - band) // BAND_STEP
            catch_all = band - 1 - default
            # a rule equal to the catch-all would change nothing: left out
            rules = [Preference.build(match=site_set(site), local_preference=value)
                     for site in self.sites
                     if (value := SITE_TOP - self.towards(site).index(hub_device)
                         * MAX_UNDERLAYS - rank) != catch_all]
            self._rules[key] = (catch_all, rules)
        return self._rules[key]
