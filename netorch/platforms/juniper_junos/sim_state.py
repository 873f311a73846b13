"""A simulated Junos device's live state: the IKE SA and BGP tables in
`| display json`, derived from its config (see `netorch.sim.state`)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from netorch.sim.state import Live, apply_faults

if TYPE_CHECKING:
    from netorch.platforms.juniper_junos.sim import JunosDevice


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
    return apply_faults(device, Live(sas, neighbors, local_as, "10.255.255.2"))


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
