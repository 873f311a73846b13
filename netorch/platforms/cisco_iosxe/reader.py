"""Read IOS-XE's live IKEv2 SAs (`show crypto ikev2 sa`) and BGP sessions (ntc-templates)."""

from __future__ import annotations

import re

from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from netorch.verify.model import LiveBgp, LiveSa, LiveState
from netorch.verify.reader import Send, state_or_count


def read_iosxe(send: Send) -> LiveState:
    sas = [LiveSa(m[1], m[2], m[3] == "READY") for m in re.finditer(
        r"^\d+\s+([\d.]+)/\d+\s+([\d.]+)/\d+\s+\S+\s+(\S+)", send("show crypto ikev2 sa"),
        re.M)]
    rows = parse_output(platform="cisco_ios", command="show ip bgp summary",
                        data=send("show ip bgp summary"))
    bgp = [LiveBgp(r["bgp_neighbor"], *state_or_count(r["state_or_prefixes_received"]))
           for r in rows]
    return LiveState(sas, bgp)
