"""Read strongSwan's SAs (`swanctl --list-sas`) and own certificates (`--list-certs`), and
FRR's BGP (`show bgp summary json`)."""

from __future__ import annotations

import json
import re

from netorch.verify.model import LiveBgp, LiveCert, LiveSa, LiveState
from netorch.verify.reader import Send, blocks, serial_text, utc_time

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


# `swanctl --list-certs` (strongSwan 5.9; captured from a charon in
# tests/verify_pki/fixtures/strongswan-list-certs*.txt): one block per certificate,
# `subject:`, `issuer:`, `validity:` (`not after  Dec 01 08:21:30 UTC 2026, ok`) with
# --utc, `serial:` colon-separated; "has private key" on the `pubkey:` line marks the
# host's own. --type x509 --flag none lists end-entity certificates only.
CERTS_COMMAND = "swanctl --list-certs --type x509 --flag none --utc"
_FIELD = r"^\s+{}:\s+(.*?)\s*$"
_NOT_AFTER = re.compile(r"not after\s+(.+? UTC \d{4})")


def _linux_cert(block: str) -> LiveCert | None:
    fields = {k: re.search(_FIELD.format(k), block, re.M) for k in ("subject", "issuer", "serial")}
    after = _NOT_AFTER.search(block)
    serial = serial_text(fields["serial"][1]) if fields["serial"] else None
    if "has private key" not in block or serial is None or fields["subject"] is None:
        return None
    issuer = fields["issuer"][1].strip('"') if fields["issuer"] else ""
    return LiveCert(fields["subject"][1].strip('"'), serial,
                    utc_time(after[1], ("%b %d %H:%M:%S UTC %Y",)) if after else None, issuer)


def read_certificates(send: Send) -> list[LiveCert]:
    """The host's own certificates (those charon holds the private key of)."""
    text = send(CERTS_COMMAND)
    return [c for block in blocks(text, r"^\s+subject:") if (c := _linux_cert(block))]
