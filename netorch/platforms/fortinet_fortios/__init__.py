"""Fortinet FortiGate (FortiOS 7.x): interface-mode IPsec, BGP, BFD.

The plugin: `PLATFORM` below; templates in `templates/fortinet_fortios/`; ownership
and diff logic in `config` (with `parse`, `tree`, `names`, `bgp`); the segmentation
policy's firewall policy IDs and names in `policy` (the templates' variables hook); the
deploy driver in `driver`; the verify reader in `reader`; the SSH simulator in `sim`.
"""

from __future__ import annotations

from netorch.platforms import AES, DEVICE_OPTIONS, Platform

# Ownership, stated once (templates: `owned.KEY`): names of netorch's firewall
# addresses, address groups, zones and loopback start with the prefix; every comment
# and description it writes starts with the marker, exactly (colon and space); its
# policy IDs and static route seq-nums count up from `id_base`.
OWNED = {"prefix": "netorch-", "marker": "netorch: ", "id_base": "1000000000"}
LOOPBACK = f"{OWNED['prefix']}lo"
# At most 15 characters, letters, digits, '-' and '_'; not netorch's own names.
INTERFACES = rf"(?!nt\d+$)(?!{LOOPBACK}$)[A-Za-z0-9][A-Za-z0-9_-]{{0,14}}"

SEED = """config system global
    set hostname "{name}"
end
config system interface
    edit "port1"
        set ip {ip} 255.255.255.248
        set allowaccess ping ssh
    next
end
config router static
    edit 1
        set gateway 198.51.100.9
        set device "port1"
    next
end
"""

PLATFORM = Platform(
    "fortinet_fortios", "Fortinet FortiGate (FortiOS 7.x) interface-mode IPsec",
    netmiko_device_type="fortinet", tunnel_interface="nt{index}",
    tunnel_max=999_999_999_999, loopback_interface=LOOPBACK,
    loopback_pattern=r"[A-Za-z0-9][A-Za-z0-9_-]{0,14}",
    device_options=DEVICE_OPTIONS | {"loopback_interface", "tunnel_offset", "vdom"},
    config_files=("config.fortios",),
    interface_pattern=INTERFACES, interface_example="port1", owned=OWNED,
    encryption=AES | {"chacha20-poly1305"},
    dh_groups=frozenset({1, 2, 5, 14, 15, 16, 19, 20, 21, 31}),
    driver=f"{__name__}.driver:FortiOsDriver", reader=f"{__name__}.reader:read_fortios",
    variables=f"{__name__}.policy:template_variables",
    simulator=f"{__name__}.sim:FortiOsDevice", sim_seed=SEED)
