"""Read live IKE/IPsec SAs and BGP sessions, one reader per platform.

Structured output where the platform has it (Junos `| display json`, FRR
`show bgp summary json`), ntc-templates (TextFSM) for IOS-XE and FortiOS BGP, and
small regular expressions for the SA tables ntc-templates does not cover.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from netorch.verify.model import LiveBgp, LiveSa, LiveState

Send = Callable[[str], str]


def _count(text: str) -> tuple[str, int | None]:
    return ("Established", int(text)) if text.isdigit() else (text, None)


def read_iosxe(send: Send) -> LiveState:
    sas = [LiveSa(m[1], m[2], m[3] == "READY") for m in re.finditer(
        r"^\d+\s+([\d.]+)/\d+\s+([\d.]+)/\d+\s+\S+\s+(\S+)", send("show crypto ikev2 sa"),
        re.M)]
    rows = parse_output(platform="cisco_ios", command="show ip bgp summary",
                        data=send("show ip bgp summary"))
    bgp = [LiveBgp(r["bgp_neighbor"], *_count(r["state_or_prefixes_received"])) for r in rows]
    return LiveState(sas, bgp)


def _data(node: dict[str, Any], key: str, default: str = "") -> str:
    value = node.get(key, [{}])[0].get("data", default)
    return str(value)


def read_junos(send: Send) -> LiveState:
    ike = json.loads(send("show security ike security-associations | display json") or "{}")
    info = ike.get("ike-security-associations-information", [{}])[0]
    sas = [LiveSa(_data(sa, "ike-sa-local-address"), _data(sa, "ike-sa-remote-address"),
                  _data(sa, "ike-sa-state") == "UP")
           for sa in info.get("ike-security-associations", [])]
    bgp_json = json.loads(send("show bgp summary | display json") or "{}")
    peers = bgp_json.get("bgp-information", [{}])[0].get("bgp-peer", [])
    bgp = []
    for peer in peers:
        rib = peer.get("bgp-rib", [{}])[0]
        count = _data(rib, "received-prefix-count", "")
        bgp.append(LiveBgp(_data(peer, "peer-address").split("+")[0], _data(peer, "peer-state"),
                           int(count) if count.isdigit() else None))
    return LiveState(sas, bgp)


def read_fortios(send: Send) -> LiveState:
    sas = [LiveSa("", m[2], int(m[3]) > 0, m[1]) for m in re.finditer(
        r"^'([^']+)'\s+([\d.]+):\d+\s+selectors\(total,up\):\s*\d+/(\d+)",
        send("get vpn ipsec tunnel summary"), re.M)]
    rows = parse_output(platform="fortinet", command="get router info bgp summary",
                        data=send("get router info bgp summary"))
    bgp = [LiveBgp(r["bgp_neigh"], *_count(r["state_pfxrcd"])) for r in rows]
    return LiveState(sas, bgp)


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


READERS: dict[str, Callable[[Send], LiveState]] = {
    "cisco_iosxe": read_iosxe, "juniper_junos": read_junos,
    "fortinet_fortios": read_fortios, "linux_strongswan": read_linux}
