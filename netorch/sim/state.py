"""Live state the simulators report: IKE SAs and BGP sessions derived from the config.

Every configured tunnel shows an established IKE SA and every configured BGP
neighbour is Established with one prefix, unless the device's `sas_down` fault is
set (then SAs are missing and BGP sits in Active). `extra_sas` adds SAs the config
does not explain. Output follows each OS's show command closely enough for the
parsers netorch uses (ntc-templates for BGP, JSON on Junos).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netorch.sim.fortios import FortiOsDevice
    from netorch.sim.iosxe import IosXeDevice
    from netorch.sim.junos import JunosDevice


@dataclass(frozen=True)
class Live:
    sas: list[tuple[str, str, str]]  # (tunnel/gateway name, local, remote)
    neighbors: list[tuple[str, str]]  # (address, remote AS)
    local_as: str
    router_id: str


def _apply_faults(device: Any, live: Live) -> Live:
    sas = [] if device.faults.sas_down else list(live.sas)
    sas += getattr(device, "extra_sas", [])
    return Live(sas, live.neighbors, live.local_as, live.router_id)


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
    return _apply_faults(device, Live(sas, neighbors, local_as, "10.255.255.1"))


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


def junos_live(device: JunosDevice) -> Live:
    lines = device.active
    gateways: dict[str, dict[str, str]] = {}
    for line in lines:
        if m := re.match(r"security ike gateway (\S+) (address|external-interface|local-address)"
                         r" (\S+)", line):
            gateways.setdefault(m[1], {})[m[2]] = m[3]
    sas = [(name, g.get("local-address") or _junos_address(lines, g.get("external-interface")),
            g.get("address", "")) for name, g in sorted(gateways.items())]
    local_as = next((ln.split()[-1] for ln in lines
                     if ln.startswith("routing-options autonomous-system")), "0")
    neighbors: list[tuple[str, str]] = []
    for line in lines:
        if m := re.match(r"protocols bgp group \S+ neighbor (\S+) peer-as (\d+)", line):
            neighbors.append((m[1], m[2]))
    return _apply_faults(device, Live(sas, neighbors, local_as, "10.255.255.2"))


def _junos_address(lines: list[str], interface: str | None) -> str:
    """The address of `ge-0/0/1.0` (the gateway's external interface), as the SA shows."""
    if not interface:
        return ""
    name, _, unit = interface.partition(".")
    prefix = f"interfaces {name} unit {unit or '0'} family inet address "
    return next((ln[len(prefix):].split("/")[0] for ln in lines if ln.startswith(prefix)), "")


def junos_json(device: JunosDevice, what: str) -> str:
    live = junos_live(device)
    data: dict[str, Any]
    if what == "ike":
        data = {"ike-security-associations-information": [{"ike-security-associations": [
            {"ike-sa-remote-address": [{"data": remote}], "ike-sa-local-address": [{"data": local}],
             "ike-sa-state": [{"data": "UP"}], "ike-sa-index": [{"data": str(i)}]}
            for i, (_, local, remote) in enumerate(live.sas, start=1)]}]}
    else:
        down = device.faults.sas_down
        data = {"bgp-information": [{"bgp-peer": [
            {"peer-address": [{"data": address}], "peer-as": [{"data": asn}],
             "peer-state": [{"data": "Active" if down else "Established"}],
             "bgp-rib": [{"received-prefix-count": [{"data": "0" if down else "1"}]}]}
            for address, asn in live.neighbors]}]}
    return json.dumps(data, indent=4) + "\n"


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
    return _apply_faults(device, Live(sas, neighbors, local_as, "10.255.255.3"))


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
