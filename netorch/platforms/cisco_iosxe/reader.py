"""Read IOS-XE's live IKEv2 SAs (`show crypto ikev2 sa`), BGP sessions (ntc-templates) and
its own certificates (`show crypto pki certificates`)."""

from __future__ import annotations

import re

from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from netorch.verify.model import LiveBgp, LiveCert, LiveSa, LiveState
from netorch.verify.reader import Send, blocks, serial_text, state_or_count, utc_time


def read_iosxe(send: Send) -> LiveState:
    sas = [LiveSa(m[1], m[2], m[3] == "READY") for m in re.finditer(
        r"^\d+\s+([\d.]+)/\d+\s+([\d.]+)/\d+\s+\S+\s+(\S+)", send("show crypto ikev2 sa"),
        re.M)]
    rows = parse_output(platform="cisco_ios", command="show ip bgp summary",
                        data=send("show ip bgp summary"))
    bgp = [LiveBgp(r["bgp_neighbor"], *state_or_count(r["state_or_prefixes_received"]))
           for r in rows]
    return LiveState(sas, bgp)


# `show crypto pki certificates` (IOS-XE; format as in ntc-templates'
# tests/cisco_ios/show_crypto_pki_certificates/*.raw, networktocode/ntc-templates): one
# block per certificate, `Certificate` (the router's own) or `CA Certificate`, with
# `Certificate Serial Number (hex):`, `Issuer:` / `Subject:` lines (`cn=...`),
# `end   date: 09:17:52 UTC Jun 22 2023` and `Associated Trustpoints: NAME`.
CERTS_COMMAND = "show crypto pki certificates"
_SERIAL = re.compile(r"^\s*Certificate Serial Number \(hex\):\s*(\S+)", re.M)
_END = re.compile(r"^\s*end\s+date:\s*(.+?)\s*$", re.M)
_TRUSTPOINT = re.compile(r"^\s*Associated Trustpoints:\s*(.*?)\s*$", re.M)


def _names(block: str, heading: str) -> str:
    """The `key=value` lines under `Issuer:` or `Subject:`, joined as one DN."""
    body = re.search(rf"^\s*{heading}:\s*\n((?:\s{{4,}}.*\n?)*)", block, re.M)
    lines = [ln.strip() for ln in body[1].splitlines()] if body else []
    return ", ".join(ln for ln in lines if "=" in ln and not ln.startswith("serialNumber="))


def _ios_cert(block: str) -> LiveCert | None:
    serial = _SERIAL.search(block)
    value = serial_text(serial[1]) if serial else None
    if not block.startswith("Certificate") or value is None:
        return None  # a CA certificate, or a block IOS printed otherwise
    end = _END.search(block)
    trustpoint = _TRUSTPOINT.search(block)
    return LiveCert(_names(block, "Subject"), value,
                    utc_time(end[1], ("%H:%M:%S UTC %b %d %Y",)) if end else None,
                    _names(block, "Issuer"), trustpoint[1] if trustpoint else "")


def read_certificates(send: Send) -> list[LiveCert]:
    """The router's own certificates, every trustpoint's (CA certificates left out)."""
    text = send(CERTS_COMMAND)
    return [c for b in blocks(text, r"^(?:CA )?Certificate\s*$") if (c := _ios_cert(b))]
