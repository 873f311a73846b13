"""Keeping FRR's zebra in step with the kernel after a device's dataplane is (re)built.

Measured here with FRR 8.4: when several VXLAN interfaces are created and
addressed in quick succession, zebra sometimes misses an RTM_NEWADDR (its
dataplane thread handles the address before the main thread knows the link), so
BGP waits for NHT on a /31 the kernel has. Re-adding the missing addresses, with
a bounded number of rounds, makes zebra see them.
"""

from __future__ import annotations

import json
import time

from netorch.lab import sh
from netorch.lab.spec import LabDevice

ROUNDS = 5
PAUSE = 0.3


def kernel_addresses(ns: str) -> dict[str, set[str]]:
    """Addresses of the namespace's VXLAN devices (the tunnels), by interface.

    Only those: re-adding an underlay address would flush the routes via it.
    """
    out = sh.run(["ip", "-n", ns, "-j", "-d", "-4", "addr", "show"], check=False).stdout
    found: dict[str, set[str]] = {}
    for link in json.loads(out or "[]"):
        if link.get("linkinfo", {}).get("info_kind") != "vxlan":
            continue
        addrs = {f"{a['local']}/{a['prefixlen']}" for a in link.get("addr_info", [])}
        if addrs:
            found[str(link["ifname"])] = addrs
    return found


def zebra_addresses(ns: str) -> dict[str, set[str]]:
    out = sh.run(["vtysh", "-N", ns, "-c", "show interface brief json"], check=False).stdout
    try:
        data = json.loads(out or "{}")
    except ValueError:
        return {}
    return {name: set(info.get("addresses", [])) for name, info in data.items()}


def missing(ns: str) -> list[tuple[str, str]]:
    """(interface, address) pairs the kernel has and zebra does not."""
    zebra = zebra_addresses(ns)
    return sorted((ifname, addr) for ifname, addrs in kernel_addresses(ns).items()
                  for addr in addrs - zebra.get(ifname, set()))


def sync(dev: LabDevice) -> int:
    """Re-announce addresses zebra missed; how many needed it (0 when all was well)."""
    fixed: set[tuple[str, str]] = set()
    for _ in range(ROUNDS):
        gaps = missing(dev.ns)
        if not gaps:
            break
        fixed.update(gaps)
        cmds = [c for ifname, addr in gaps
                for c in (f"addr del {addr} dev {ifname}", f"addr add {addr} dev {ifname}")]
        sh.ip_batch(dev.ns, cmds, check=False)
        time.sleep(PAUSE)
    return len(fixed)
