"""A simulated FortiOS device's live state: `get vpn ipsec tunnel summary` and
`get router info bgp summary`, derived from its config (see `netorch.sim.state`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from netorch.sim.state import Live, apply_faults

if TYPE_CHECKING:
    from netorch.platforms.fortinet_fortios.sim import FortiOsDevice


def fortios_live(device: FortiOsDevice) -> Live:
    phase1 = device.root.table("vpn ipsec phase1-interface")
    interfaces = device.root.table("system interface")
    sas = []
    for name, entry in phase1.items():
        port = entry.settings.get("interface", "").strip('"')
        local_ip = interfaces[port].settings.get("ip", "") if port in interfaces else ""
        sas.append((name, local_ip.split(" ")[0], entry.settings.get("remote-gw", "")))
    bgp = device.root.children.get("router bgp")
    local_as = bgp.settings.get("as", "0") if bgp else "0"
    neighbors = [(name, e.settings.get("remote-as", "0"))
                 for name, e in (bgp.table("neighbor").items() if bgp else [])]
    return apply_faults(device, Live(sas, neighbors, local_as, "10.255.255.3"))


def fortios_show(device: FortiOsDevice, text: str) -> str | None:
    live = fortios_live(device)
    if re.fullmatch(r"get vpn ipsec tunnel summary", text):
        return "".join(f"'{name}' {remote}:0  selectors(total,up): 1/1  rx(pkt,err): 12/0  "
                       f"tx(pkt,err): 12/0\n" for name, _, remote in live.sas)
    if re.fullmatch(r"get router info bgp summary", text):
        down = device.faults.sas_down
        rows = [f"{a:<15} 4 {asn:>10}      20      21        7    0    0 "
                f"{'never' if down else '00:10:42'} {'Active' if down else '1'}"
                for a, asn in live.neighbors]
        return (f"BGP router identifier {live.router_id}, local AS number {live.local_as}\n"
                "BGP table version is 7\n1 BGP AS-PATH entries\n0 BGP community entries\n\n"
                "Neighbor        V         AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  "
                "State/PfxRcd\n" + "\n".join(rows) +
                f"\n\nTotal number of neighbors {len(rows)}\n")
    return None

