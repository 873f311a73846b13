"""Read strongSwan's SAs (`swanctl --list-sas`) and FRR's BGP (`show bgp summary json`)."""

from __future__ import annotations

import json
import re

from netorch.verify.model import LiveBgp, LiveSa, LiveState
from netorch.verify.reader import Send

_IKE_RE = re.compile(r"^(\S+): #\d+, (\w+)")
_CHILD_RE = re.compile(r"^\s+(\S+): #\d+, (?:reqid \d+, )?(\w+)", re.M)
_HOST_RE = r"^\s+{}\s+.*@ ([\d.]+)\["


def _linux_sa(block: str) -> LiveSa | None:
    """One IKE_SA of `swanctl --list-sas` with its CHILD_SAs; None if it is not one.

    The tunnel is recognised by the IKE_SA's addresses (one IKE_SA per tunnel in both
    dataplanes), never by the CHILD_SA's selectors: 0.0.0.0/0 bound to an XFRM interface
    in production, the two VXLAN endpoint /32s in the lab. It is up only when the IKE_SA
    is ESTABLISHED and one of its CHILD_SAs is INSTALLED.
    """
    ike = _IKE_RE.match(block)
    local = re.search(_HOST_RE.format("local"), block, re.M)
    remote = re.search(_HOST_RE.format("remote"), block, re.M)
    if not (ike and local and remote):
        return None
    children = [(m[1], m[2]) for m in _CHILD_RE.finditer(block)]
    installed = any(state == "INSTALLED" for _, state in children)
    child = ", ".join(f"{n} {s}" for n, s in children) or "none"
    return LiveSa(local[1], remote[1], ike[2] == "ESTABLISHED" and installed, ike[1],
                  f"IKE_SA {ike[2]}, CHILD_SA {child}")


def read_linux(send: Send) -> LiveState:
    text = send("swanctl --list-sas")
    sas = [sa for block in re.split(r"\n(?=\S)", text) if (sa := _linux_sa(block))]
    raw = send("vtysh $NETORCH_VTYSH -c 'show bgp ipv4 unicast summary json'")
    peers = json.loads(raw or "{}").get("peers", {}) if raw.strip().startswith("{") else {}
    bgp = [LiveBgp(address, str(p.get("state", "")), p.get("pfxRcd"))
           for address, p in sorted(peers.items())]
    return LiveState(sas, bgp)
