"""Cisco IOS-XE: IKEv2 with static VTIs, BGP, BFD (ISR/ASR/Catalyst 8000).

The plugin: `PLATFORM` below; templates in `templates/cisco_iosxe/`; ownership and
diff logic in `config` (with `bgp`, `routes`, `order`, `refresh`); the deploy driver
in `driver`; the verify reader in `reader`; the SSH simulator in `sim`.
"""

from __future__ import annotations

from netorch.platforms import DEVICE_OPTIONS, Platform

# Underlay interface naming (full match); it leaves out what netorch creates there.
INTERFACES = (
    r"(?:(?:GigabitEthernet|TwoGigabitEthernet|FiveGigabitEthernet|TenGigabitEthernet"
    r"|TwentyFiveGigE|FortyGigabitEthernet|HundredGigE|TwoHundredGigE|FourHundredGigE"
    r"|AppGigabitEthernet|FastEthernet|Ethernet|Serial|Cellular"
    r"|Gi|Tw|Te|Twe|Fo|Hu|Fa|Se)\d{1,3}(?:/\d{1,3}){0,3}(?::\d{1,3})?"
    r"|(?:Port-channel|Po)\d{1,4}"
    r"|(?:Vlan|Vl)\d{1,4}|(?:Dialer|BDI|Virtual-PPP|Multilink)\d{1,5})"
    r"(?:\.\d{1,10})?")

SEED = """hostname {name}
username netorch privilege 15 secret 9 $9$lab
interface GigabitEthernet1
 description internet
 ip address {ip} 255.255.255.248
!
ip route 0.0.0.0 0.0.0.0 198.51.100.9
line vty 0 4
 transport input ssh
!
"""

# Ownership by name, stated once (templates: `owned.prefix`, `owned.marker`): every
# object netorch names starts with the prefix, and its interfaces and BGP neighbours
# carry a description starting with the marker.
OWNED = {"prefix": "netorch-", "marker": "netorch:"}

PLATFORM = Platform(
    "cisco_iosxe", "Cisco IOS-XE (ISR/ASR/Catalyst 8000) with IKEv2 and VTIs",
    napalm_driver="ios", netmiko_device_type="cisco_xe",
    tunnel_interface="Tunnel{index}", config_files=("config.ios",), certificate_keys="device",
    tunnel_offset=1000, loopback_interface="Loopback1000",
    loopback_pattern=r"Loopback\d{1,10}",
    device_options=DEVICE_OPTIONS | {"loopback_interface", "tunnel_offset"},
    interface_pattern=INTERFACES, interface_example="GigabitEthernet0/0/1", owned=OWNED,
    driver=f"{__name__}.driver:IosXeDriver", reader=f"{__name__}.reader:read_iosxe",
    simulator=f"{__name__}.sim:IosXeDevice", sim_seed=SEED)
