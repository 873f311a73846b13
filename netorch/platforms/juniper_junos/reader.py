"""Read Junos's live IKE SAs and BGP sessions (`| display json`)."""

from __future__ import annotations

import json
from typing import Any

from netorch.verify.model import LiveBgp, LiveSa, LiveState
from netorch.verify.reader import Send


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
