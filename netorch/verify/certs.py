"""On a certificate fabric: the certificate each device presents, held against the
inventory's PKI folder (`pki/certs/DEVICE.crt`, `pki/crl.pem`; `netorch.pki.load_pki`).

Pure, like `netorch.verify.compare`: the platform's `CertReader` lists the certificates
a device holds as its own; the one it presents for this fabric is the one with the
inventory's serial, else one naming the device's IKE identity or issued by the fabric
CA (an old or foreign certificate in its place), else none. Its verdict:

- OK: the inventory's certificate, unexpired and not revoked;
- MISMATCH: another serial (not deployed yet, or an old certificate), or the
  inventory has none for the device;
- EXPIRED / REVOKED: the inventory's certificate, past its not_after (as the device
  shows it, else as the inventory's copy says) or revoked by the fabric CRL;
- MISSING: the device presents no certificate of this fabric;
- UNREAD: its platform has no certificate reader (not a failure).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from netorch.verify.model import CertCheck, CertVerdict, LiveCert

if TYPE_CHECKING:
    from cryptography import x509

    from netorch.pki.state import FabricPki


_CN = re.compile(r"(?:^|[,/\"]|\s)(?:cn|common name)\s*[=:]\s*\"?([^,/\"]+)", re.I)
_ISO = "%Y-%m-%dT%H:%M:%SZ"


def common_name(text: str) -> str | None:
    """The CN of a subject or issuer as any of the four platforms prints it.

    >>> [common_name(t) for t in ('C = US, CN = r1.example', 'cn=r1', 'Common name: r1',
    ...                           '"CN=r1.example"', 'O=x')]
    ['r1.example', 'r1', 'r1', 'r1.example', None]
    """
    m = _CN.search(text)
    return m[1].strip() if m else None


def _serial(cert: x509.Certificate) -> str:
    from netorch.pki.store import serial_hex  # noqa: PLC0415 - lazy: only with a PKI

    return serial_hex(cert.serial_number)


def _cn(name: x509.Name) -> str:
    from netorch.pki.store import common_names  # noqa: PLC0415 - lazy: only with a PKI

    found = common_names(name)
    return found[0] if found else ""


def presented(held: Sequence[LiveCert], serial: str | None, names: set[str]) -> LiveCert | None:
    """The certificate presented for this fabric among those held: the inventory's
    serial, else one whose subject CN or issuer CN is one of `names` (the device's IKE
    identity, the fabric CA's CN)."""
    exact = next((c for c in held if serial is not None and c.serial == serial), None)
    return exact or next((c for c in held if {common_name(c.subject),
                                             common_name(c.issuer)} & names), None)


def check_device(device: str, pki: FabricPki, held: Sequence[LiveCert] | None,
                 now: datetime | None = None) -> CertCheck:
    """The verdict on the certificate `device` presents (`held`: every certificate it
    holds as its own; None: its platform shows none)."""
    expected = pki.certs.get(device)
    want = _serial(expected) if expected is not None else None
    if held is None:
        return CertCheck(device, CertVerdict.UNREAD, want,
                         detail="its platform shows no certificate to verify")
    member = pki.view.member(device)
    names = {_cn(pki.ca.subject)} | ({member.ike_id} if member else set())
    mine = presented(held, want, names)
    if mine is None:
        other = f" (it holds {len(held)} other)" if held else ""
        return CertCheck(device, CertVerdict.MISSING, want,
                         detail=f"presents no certificate of this fabric{other}")
    if expected is None:
        return _seen(device, CertVerdict.MISMATCH, want, mine,
                     "the inventory has no certificate for it (pki issue/sign)")
    if mine.serial != want:
        return _seen(device, CertVerdict.MISMATCH, want, mine,
                     f"presents serial {mine.serial}, the inventory's is {want}: "
                     "not deployed yet, or an old certificate")
    return _standing(device, pki, expected, mine, now or datetime.now(UTC))


def _seen(device: str, verdict: CertVerdict, want: str | None, mine: LiveCert,
          detail: str = "") -> CertCheck:
    return CertCheck(device, verdict, want, mine.serial, mine.subject, mine.issuer or None,
                     mine.not_after, detail)


def _standing(device: str, pki: FabricPki, expected: x509.Certificate, mine: LiveCert,
              now: datetime) -> CertCheck:
    """The inventory's certificate, presented: expired, revoked or OK."""
    want = _serial(expected)
    until = mine.not_after or expected.not_valid_after_utc.strftime(_ISO)
    if datetime.strptime(until, _ISO).replace(tzinfo=UTC) <= now:
        return _seen(device, CertVerdict.EXPIRED, want, mine,
                     f"expired {until} (renew: pki issue, then deploy)")
    if pki.revoked(expected):
        return _seen(device, CertVerdict.REVOKED, want, mine,
                     "revoked by the fabric CRL (pki/crl.pem)")
    return _seen(device, CertVerdict.OK, want, mine)
