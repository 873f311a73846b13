"""Live state the simulators report: IKE SAs and BGP sessions derived from the config.

Every configured tunnel shows an established IKE SA and every configured BGP
neighbour is Established with one prefix, unless the device's `sas_down` fault is
set (then SAs are missing and BGP sits in Active). `extra_sas` adds SAs the config
does not explain. Output follows each OS's show command closely enough for the
parsers netorch uses (ntc-templates for BGP, JSON on Junos); each platform's
simulator renders its own show commands from a `Live` (its plugin's `sim_state`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Live:
    sas: list[tuple[str, str, str]]  # (tunnel/gateway name, local, remote)
    neighbors: list[tuple[str, str]]  # (address, remote AS)
    local_as: str
    router_id: str


def apply_faults(device: Any, live: Live) -> Live:
    sas = [] if device.faults.sas_down else list(live.sas)
    sas += getattr(device, "extra_sas", [])
    return Live(sas, live.neighbors, live.local_as, live.router_id)
