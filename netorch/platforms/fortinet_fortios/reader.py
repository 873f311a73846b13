"""Read FortiOS's live IPsec tunnels (`get vpn ipsec tunnel summary`), BGP (ntc-templates)
and its local certificates (`get vpn certificate local details`)."""

from __future__ import annotations

import re

from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from netorch.verify.model import LiveBgp, LiveCert, LiveSa, LiveState
from netorch.verify.reader import Send, blocks, serial_text, state_or_count, utc_time


def read_fortios(send: Send) -> LiveState:
    sas = [LiveSa("", m[2], int(m[3]) > 0, m[1]) for m in re.finditer(
        r"^'([^']+)'\s+([\d.]+):\d+\s+selectors\(total,up\):\s*\d+/(\d+)",
        send("get vpn ipsec tunnel summary"), re.M)]
    rows = parse_output(platform="fortinet", command="get router info bgp summary",
                        data=send("get router info bgp summary"))
    bgp = [LiveBgp(r["bgp_neigh"], *state_or_count(r["state_pfxrcd"])) for r in rows]
    return LiveState(sas, bgp)


# `get vpn certificate local details` (FortiOS; format as in Fortinet Community,
# "Troubleshooting Tip: The 'Fortinet_Factory' certificate shows 'CN = FortiGate'",
# https://community.fortinet.com/fortigate-3/troubleshooting-tip-the-fortinet-factory-certificate-shows-cn-fortigate-on-fortigate-aws-payg-instances-220961):
# one `== [ NAME ]` block per local certificate (each has its key), with `Subject:`,
# `Issuer:` (`C = US, ..., CN = x`), `Valid to:  2056-05-26 20:48:33  GMT` and
# `Serial Num:  11:55:11:55`. The factory certificates are among them.
CERTS_COMMAND = "get vpn certificate local details"
_LINE = r"^\s*{}:\s*(.*?)\s*$"


def _field(block: str, name: str) -> str:
    m = re.search(_LINE.format(name), block, re.M)
    return m[1] if m else ""


def _forti_cert(block: str) -> LiveCert | None:
    name = re.match(r"== \[ (.*) \]", block)
    serial = serial_text(_field(block, "Serial Num"))
    if name is None or serial is None:
        return None
    valid_to = _field(block, "Valid to")
    return LiveCert(_field(block, "Subject"), serial,
                    utc_time(valid_to, ("%Y-%m-%d %H:%M:%S GMT",)) if valid_to else None,
                    _field(block, "Issuer"), name[1])


def read_certificates(send: Send) -> list[LiveCert]:
    """Every local certificate of the FortiGate (the factory ones included)."""
    return [c for b in blocks(send(CERTS_COMMAND), r"^== \[") if (c := _forti_cert(b))]
