"""Ready-made simulated devices with realistic underlay configs, for tests and the benchmark."""

from __future__ import annotations

from netorch.sim.base import SimDevice
from netorch.sim.fortios import FortiOsDevice
from netorch.sim.iosxe import IosXeDevice
from netorch.sim.junos import JunosDevice

_IOS = """hostname {name}
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
_JUNOS = """set system host-name {name}
set interfaces ge-0/0/0 unit 0 family inet address {ip}/29
set routing-options static route 0.0.0.0/0 next-hop 198.51.100.9
"""
_FORTI = """config system global
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
KINDS: dict[str, tuple[type[SimDevice], str]] = {
    "cisco_iosxe": (IosXeDevice, _IOS), "juniper_junos": (JunosDevice, _JUNOS),
    "fortinet_fortios": (FortiOsDevice, _FORTI)}


def device_class(platform: str) -> type[SimDevice] | None:
    """The simulator class of `platform`, if netorch has one."""
    kind = KINDS.get(platform)
    return kind[0] if kind else None


def make(platform: str, name: str, ip: str) -> SimDevice:
    """A device of `platform` named `name` with its underlay address `ip`."""
    cls, template = KINDS[platform]
    device = cls(name)
    device.load_text(template.format(name=name, ip=ip))
    return device
