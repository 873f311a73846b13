"""Platforms: a registry entry (how to reach it, what it can do) + a template folder.

Built-in platforms live in `BUILTIN`; third-party packages add their own through
the `netorch.platforms` entry-point group, each entry point naming a `Platform`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points

_AES = frozenset({"aes-128-gcm", "aes-256-gcm", "aes-128-cbc", "aes-256-cbc", "3des", "des"})
_SHA = frozenset({"sha256", "sha384", "sha512", "sha1", "md5"})


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
    config_files: tuple[str, ...] = ("config.txt",)
    extra: dict[str, str] = field(default_factory=dict)

    def tunnel_name(self, index: int) -> str:
        """The tunnel interface of the tunnel with this pool index, e.g. Tunnel12."""
        return self.tunnel_interface.format(index=index)

    @property
    def templates(self) -> str:
        return self.template_dir or self.name


BUILTIN: tuple[Platform, ...] = (
    Platform("cisco_iosxe", "Cisco IOS-XE (ISR/ASR/Catalyst 8000) with IKEv2 and VTIs",
             napalm_driver="ios", netmiko_device_type="cisco_xe",
             tunnel_interface="Tunnel{index}", config_files=("config.ios",)),
    Platform("juniper_junos", "Juniper SRX / vSRX (Junos) with st0 route-based VPNs",
             napalm_driver="junos", netmiko_device_type="juniper_junos",
             tunnel_interface="st0.{index}", config_files=("config.set",)),
    Platform("fortinet_fortios", "Fortinet FortiGate (FortiOS 7.x) interface-mode IPsec",
             netmiko_device_type="fortinet", tunnel_interface="nt{index}",
             config_files=("config.fortios",),
             encryption=_AES | {"chacha20-poly1305"},
             dh_groups=frozenset({1, 2, 5, 14, 15, 16, 19, 20, 21, 31})),
    Platform("linux_strongswan", "Linux with strongSwan (swanctl) and FRR",
             netmiko_device_type="linux", tunnel_interface="xfrm{index}",
             config_files=("swanctl.conf", "frr.conf", "interfaces.sh"),
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
