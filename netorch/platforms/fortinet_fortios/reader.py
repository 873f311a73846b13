"""Read FortiOS's live IPsec tunnels (`get vpn ipsec tunnel summary`) and BGP (ntc-templates)."""

from __future__ import annotations

import re

from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from netorch.verify.model import LiveBgp, LiveSa, LiveState
from netorch.verify.reader import Send, state_or_count


def read_fortios(send: Send) -> LiveState:
    sas = [LiveSa("", m[2], int(m[3]) > 0, m[1]) for m in re.finditer(
        r"^'([^']+)'\s+([\d.]+):\d+\s+selectors\(total,up\):\s*\d+/(\d+)",
        send("get vpn ipsec tunnel summary"), re.M)]
    rows = parse_output(platform="fortinet", command="get router info bgp summary",
                        data=send("get router info bgp summary"))
    bgp = [LiveBgp(r["bgp_neigh"], *state_or_count(r["state_pfxrcd"])) for r in rows]
    return LiveState(sas, bgp)
