"""Read Junos's live IKE SAs and BGP sessions (`| display json`) and the local certificates
its IKE policies present (`show security pki local-certificate ... detail`)."""

from __future__ import annotations

import json
import re
from typing import Any

from netorch.verify.model import LiveBgp, LiveCert, LiveSa, LiveState
from netorch.verify.reader import Send, serial_text, utc_time


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


# The local certificate each IKE policy names (`set security ike policy P certificate
# local-certificate ID`), as `show security pki local-certificate certificate-id ID
# detail` shows it (Juniper, "show security pki local-certificate", output fields:
# https://juniper.net/documentation/en_US/junos13.1/topics/reference/command-summary/show-security-pki-local-certificate.html):
# `Certificate identifier: ID`, `Serial number: 4c0b8f6e`, `Issuer:` / `Subject:` then
# their names on the next line (`Common name: x` or `CN=x`), `Subject string:` the DN,
# `Validity:` ... `Not after: 10-30-2008 23:48 UTC`.
CONFIG_COMMAND = "show configuration | display set"
_CERT_ID = re.compile(r"^set security ike policy \S+ certificate local-certificate (\S+)$", re.M)


def _next_line(block: str, label: str) -> str:
    m = re.search(rf"^\s*{label}:\s*\n\s*(.*?)\s*$", block, re.M)
    return m[1] if m else ""


def _junos_cert(cert_id: str, text: str) -> LiveCert | None:
    serial = re.search(r"^\s*Serial number:\s*(\S+)", text, re.M)
    value = serial_text(serial[1]) if serial else None
    if value is None:
        return None  # "error: ... does not exist": no certificate loaded under this id
    after = re.search(r"^\s*Not after:\s*(.+?)\s*$", text, re.M)
    subject = _next_line(text, "Subject string") or _next_line(text, "Subject")
    return LiveCert(subject, value, utc_time(after[1], ("%m-%d-%Y %H:%M UTC",)) if after
                    else None, _next_line(text, "Issuer"), cert_id)


def read_certificates(send: Send) -> list[LiveCert]:
    """The local certificates the IKE policies present."""
    ids = sorted(set(_CERT_ID.findall(send(CONFIG_COMMAND))))
    found = (_junos_cert(i, send(f"show security pki local-certificate certificate-id {i} "
                                 "detail")) for i in ids)
    return [c for c in found if c]
