"""Deterministic, short, per-lab names for namespaces and interfaces.

Every name starts with the lab's tag `nl` + 5 hex digits of a hash of the lab
name, so two labs and the host never clash and leftovers can be found by prefix.
Interface names stay within Linux's 15 characters.

>>> lab_tag("eastern-region")
'nl85c44'
"""

from __future__ import annotations

import hashlib
import re

IFNAMSIZ = 15
_IFNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
RESERVED_IFNAMES = frozenset({"lo", "mgmt0", "lan0", "ipsec0"})


def lab_tag(lab: str) -> str:
    return "nl" + hashlib.sha256(lab.encode()).hexdigest()[:5]


def device_ns(tag: str, device: str) -> str:
    return f"{tag}-d-{device}"


def host_ns(tag: str, site: str) -> str:
    return f"{tag}-h-{site}"


def underlay_ns(tag: str) -> str:
    return f"{tag}-ul"


def mgmt_ifname(tag: str, index: int) -> str:
    """The root-namespace end of a device's management veth."""
    return f"{tag}m{index}"


def bridge_name(index: int, underlay: str) -> str:
    return f"br{index}-{underlay}"[:IFNAMSIZ]


def uplink_ifname(device_index: int, underlay_index: int) -> str:
    """The underlay-namespace end of a device's link."""
    return f"d{device_index}u{underlay_index}"


def lan_port_ifname(device_index: int) -> str:
    """The test-host end of a device's LAN veth."""
    return f"d{device_index}"


def device_ifname(wanted: str, position: int, taken: set[str]) -> str:
    """The inventory's interface name when Linux accepts it, else `wanN`."""
    if _IFNAME_RE.fullmatch(wanted) and wanted not in RESERVED_IFNAMES and wanted not in taken:
        return wanted
    return f"wan{position}"


def vxlan_ifname(peer_index: int, underlay_index: int) -> str:
    return f"vx{peer_index}u{underlay_index}"
