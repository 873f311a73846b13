"""Platforms: a registry entry (how to reach it, what it can do) + a template folder.

Built-in platforms live in `BUILTIN`; third-party packages add their own through
the `netorch.platforms` entry-point group, each entry point naming a `Platform`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points

from netorch.inventory.types import INTERFACE_PATTERN

_AES = frozenset({"aes-128-gcm", "aes-256-gcm", "aes-128-cbc", "aes-256-cbc", "3des", "des"})
_SHA = frozenset({"sha256", "sha384", "sha512", "sha1", "md5"})

# Underlay interface naming, one pattern per platform (full match). Each leaves out the
# kinds netorch itself creates there (tunnels, its loopback).
_IOSXE_IFNAME = (
    r"(?:(?:GigabitEthernet|TwoGigabitEthernet|FiveGigabitEthernet|TenGigabitEthernet"
    r"|TwentyFiveGigE|FortyGigabitEthernet|HundredGigE|TwoHundredGigE|FourHundredGigE"
    r"|AppGigabitEthernet|FastEthernet|Ethernet|Serial|Cellular"
    r"|Gi|Tw|Te|Twe|Fo|Hu|Fa|Se)\d{1,3}(?:/\d{1,3}){0,3}(?::\d{1,3})?"
    r"|(?:Port-channel|Po)\d{1,4}"
    r"|(?:Vlan|Vl)\d{1,4}|(?:Dialer|BDI|Virtual-PPP|Multilink)\d{1,5})"
    r"(?:\.\d{1,10})?")
_JUNOS_IFNAME = (
    r"(?:(?:ge|xe|et|mge|fe|xle|fte)-\d{1,2}/\d{1,2}/\d{1,3}(?::\d{1,3}){0,3}"
    r"|ae\d{1,3}|reth\d{1,3}|irb|vlan|fxp[0-2]|em\d|pp0|dl0|cl-\d/\d/\d)"
    r"(?:\.\d{1,5})?")
# FortiOS: at most 15 characters, letters, digits, '-' and '_'.
_FORTIOS_LOOPBACK = "netorch-lo"
_FORTIOS_IFNAME = rf"(?!nt\d+$)(?!{_FORTIOS_LOOPBACK}$)[A-Za-z0-9][A-Za-z0-9_-]{{0,14}}"
# Linux: IFNAMSIZ (at most 15 bytes), no '/', ':' or whitespace; not ".", "..".
_LINUX_IFNAME = r"(?!xfrm\d+$)(?!vx\d+$)(?!lo$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}"
# What ends a statement, or is syntax, in a file when it is not quoted: the renderer
# refuses a value holding one (newlines and control characters, everywhere).
_OPTIONS = frozenset({"asn", "router_id"})
SHELL_METACHARACTERS = " \t|&;<>()$`\\\"'*?[]#~{}"


@dataclass(frozen=True)
class Platform:
    """What netorch needs to know about one kind of device."""

    name: str
    description: str
    napalm_driver: str | None = None
    netmiko_device_type: str | None = None
    template_dir: str = ""
    bfd: bool = True
    encryption: frozenset[str] = _AES
    integrity: frozenset[str] = _SHA
    dh_groups: frozenset[int] = frozenset({1, 2, 5, 14, 15, 16, 19, 20, 21, 24})
    tunnel_interface: str = "tunnel{index}"
    # Brownfield: netorch numbers its tunnels from `tunnel_offset` (a device's own
    # `tunnel_offset:` overrides it) up to `tunnel_max`, and owns `loopback_interface`
    # (a device's `loopback_interface:` must match `loopback_pattern`). `device_options`
    # are the optional device settings the platform understands.
    tunnel_offset: int = 0
    tunnel_max: int = 2_147_483_647
    loopback_interface: str = ""
    loopback_pattern: str = r"$^"
    device_options: frozenset[str] = frozenset({"asn", "router_id"})
    config_files: tuple[str, ...] = ("config.txt",)
    interface_pattern: str = INTERFACE_PATTERN
    interface_example: str = "eth0"
    # {output file: characters a value must not hold there unquoted}; line breaks and
    # control characters are refused in every file.
    separators: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    def tunnel_name(self, number: int) -> str:
        """The tunnel interface with this number (offset + pool index), e.g. Tunnel1012."""
        return self.tunnel_interface.format(index=number)

    def valid_interface(self, name: str) -> bool:
        """Whether `name` follows this platform's interface naming."""
        return re.fullmatch(self.interface_pattern, name) is not None

    @property
    def templates(self) -> str:
        return self.template_dir or self.name


BUILTIN: tuple[Platform, ...] = (
    Platform("cisco_iosxe", "Cisco IOS-XE (ISR/ASR/Catalyst 8000) with IKEv2 and VTIs",
             napalm_driver="ios", netmiko_device_type="cisco_xe",
             tunnel_interface="Tunnel{index}", config_files=("config.ios",),
             tunnel_offset=1000, loopback_interface="Loopback1000",
             loopback_pattern=r"Loopback\d{1,10}",
             device_options=_OPTIONS | {"loopback_interface", "tunnel_offset"},
             interface_pattern=_IOSXE_IFNAME, interface_example="GigabitEthernet0/0/1"),
    Platform("juniper_junos", "Juniper SRX / vSRX (Junos) with st0 route-based VPNs",
             napalm_driver="junos", netmiko_device_type="juniper_junos",
             tunnel_interface="st0.{index}", config_files=("config.set",),
             tunnel_offset=1000, tunnel_max=16_385, loopback_interface="lo0.0",
             device_options=_OPTIONS | {"tunnel_offset", "lan_zone", "link_zone"},
             interface_pattern=_JUNOS_IFNAME, interface_example="ge-0/0/0.0",
             separators={"config.set": ";"}),
    Platform("fortinet_fortios", "Fortinet FortiGate (FortiOS 7.x) interface-mode IPsec",
             netmiko_device_type="fortinet", tunnel_interface="nt{index}",
             tunnel_max=999_999_999_999, loopback_interface=_FORTIOS_LOOPBACK,
             loopback_pattern=r"[A-Za-z0-9][A-Za-z0-9_-]{0,14}",
             device_options=_OPTIONS | {"loopback_interface", "tunnel_offset", "vdom"},
             config_files=("config.fortios",),
             interface_pattern=_FORTIOS_IFNAME, interface_example="port1",
             encryption=_AES | {"chacha20-poly1305"},
             dh_groups=frozenset({1, 2, 5, 14, 15, 16, 19, 20, 21, 31})),
    Platform("linux_strongswan", "Linux with strongSwan (swanctl) and FRR",
             netmiko_device_type="linux", tunnel_interface="xfrm{index}",
             loopback_interface="lo",
             config_files=("swanctl.conf", "frr.conf", "interfaces.sh"),
             interface_pattern=_LINUX_IFNAME, interface_example="eth0",
             separators={"interfaces.sh": SHELL_METACHARACTERS, "swanctl.conf": '{}#"\\'},
             encryption=_AES | {"chacha20-poly1305"},
             dh_groups=frozenset({1, 2, 5, 14, 15, 16, 19, 20, 21, 22, 23, 24, 31})),
)


@cache
def registry() -> dict[str, Platform]:
    """All platforms by name: built-ins, then those of installed plugins."""
    platforms = {p.name: p for p in BUILTIN}
    for ep in entry_points(group="netorch.platforms"):
        plugin = ep.load()
        if isinstance(plugin, Platform):
            platforms[plugin.name] = plugin
    return dict(sorted(platforms.items()))


def known_platforms() -> list[str]:
    return list(registry())
