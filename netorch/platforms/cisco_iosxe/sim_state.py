"""A simulated IOS-XE device's live state: `show crypto ikev2 sa` and
`show ip bgp summary`, derived from its config (see `netorch.sim.state`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from netorch.sim.state import Live, apply_faults

if TYPE_CHECKING:
    from netorch.platforms.cisco_iosxe.sim import IosXeDevice


def iosxe_live(device: IosXeDevice) -> Live:
    addresses: dict[str, str] = {}
    tunnels: list[tuple[str, str, str]] = []
    local_as, neighbors = "0", []
    for section in device.root.children:
        lines = [c.text for c in section.children]
        if section.text.startswith("interface "):
            name = section.text.split()[1]
            for text in lines:
                if m := re.match(r"ip address (\S+) \S+", text):
                    addresses[name] = m[1]
            dest = next((t.split()[2] for t in lines if t.startswith("tunnel destination")), None)
            src = next((t.split()[2] for t in lines if t.startswith("tunnel source")), "")
            if dest:
                tunnels.append((name, src, dest))
        if m := re.match(r"router bgp (\d+)", section.text):
            local_as = m[1]
            neighbors = [(t.split()[1], t.split()[3]) for t in lines
                         if re.match(r"neighbor \S+ remote-as \d+", t)]
    sas = [(n, addresses.get(src, src), dest) for n, src, dest in tunnels]
    return apply_faults(device, Live(sas, neighbors, local_as, "10.255.255.1"))


def iosxe_show(device: IosXeDevice, text: str) -> str | None:
    if re.fullmatch(r"show version", text):
        return f"Cisco IOS XE Software, Version 17.09.04a\n{device.hostname} uptime is 1 week\n"
    if re.fullmatch(r"show crypto ikev2 sa", text):
        return _ios_sas(iosxe_live(device))
    if re.fullmatch(r"show (ip bgp|bgp ipv4 unicast) summary", text):
        return _ios_bgp(iosxe_live(device), device.faults.sas_down)
    return None


def _ios_sas(live: Live) -> str:
    out = [" IPv4 Crypto IKEv2  SA \n",
           f"{'Tunnel-id':<10}{'Local':<22}{'Remote':<22}{'fvrf/ivrf':<21}Status "]
    for index, (_, local, remote) in enumerate(live.sas, start=1):
        out.append(f"{index:<10}{local + '/500':<22}{remote + '/500':<22}{'none/none':<21}READY  ")
        out.append("      Encr: AES-GCM, keysize: 256, PRF: SHA384, Hash: None, DH Grp:20, "
                   "Auth sign: PSK, Auth verify: PSK")
        out.append("      Life/Active Time: 86400/42 sec")
    return "\n".join(out) + "\n\n"


def _ios_bgp(live: Live, down: bool) -> str:
    out = [f"BGP router identifier {live.router_id}, local AS number {live.local_as}",
           "BGP table version is 7, main routing table version 7", "",
           "Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  "
           "State/PfxRcd"]
    for address, asn in live.neighbors:
        state = "Active" if down else "1"
        updown = "never" if down else "00:10:42"
        out.append(f"{address:<15} 4 {asn:>12}      20      21        7    0    0 "
                   f"{updown:<8} {state}")
    return "\n".join(out) + "\n"
