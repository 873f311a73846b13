"""Juniper SRX / vSRX (Junos): route-based VPNs on st0 units, BGP, BFD.

The plugin: `PLATFORM` below; templates in `templates/juniper_junos/`; ownership and
diff logic in `config` (with `text`, `zones`, `routing`, `groups`, `device`,
`order`); the deploy driver in `driver`; the verify reader in `reader`; the SSH
simulator in `sim`.
"""

from __future__ import annotations

from netorch.platforms import DEVICE_OPTIONS, Platform

INTERFACES = (
    r"(?:(?:ge|xe|et|mge|fe|xle|fte)-\d{1,2}/\d{1,2}/\d{1,3}(?::\d{1,3}){0,3}"
    r"|ae\d{1,3}|reth\d{1,3}|irb|vlan|fxp[0-2]|em\d|pp0|dl0|cl-\d/\d/\d)"
    r"(?:\.\d{1,5})?")

SEED = """set system host-name {name}
set interfaces ge-0/0/0 unit 0 family inet address {ip}/29
set routing-options static route 0.0.0.0/0 next-hop 198.51.100.9
"""

# Ownership, stated once (templates: `owned.KEY`): every object netorch names starts
# with the prefix and a dash, its st0 units' descriptions with the marker and a colon,
# its static routes carry the tag; its own zone for the tunnels is `vpn_zone` (a name
# under the prefix, so the zone rules own it).
_PREFIX = "netorch"
OWNED = {"prefix": _PREFIX, "marker": "netorch", "static_tag": "1000000000",
         "vpn_zone": f"{_PREFIX}-vpn"}

PLATFORM = Platform(
    "juniper_junos", "Juniper SRX / vSRX (Junos) with st0 route-based VPNs",
    napalm_driver="junos", netmiko_device_type="juniper_junos",
    tunnel_interface="st0.{index}", config_files=("config.set",), certificate_keys="device",
    tunnel_offset=1000, tunnel_max=16_385, loopback_interface="lo0.0",
    device_options=DEVICE_OPTIONS | {"tunnel_offset", "lan_zone", "link_zone"},
    interface_pattern=INTERFACES, interface_example="ge-0/0/0.0",
    separators={"config.set": ";"}, owned=OWNED,
    driver=f"{__name__}.driver:JunosDriver", reader=f"{__name__}.reader:read_junos",
    simulator=f"{__name__}.sim:JunosDevice", sim_seed=SEED)
