"""What a template sees of the PKI for one device (`pki`): certificates as the vendor
CLIs take them, and the device's derived key (marked secret) when netorch holds it."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from netorch.errors import UserError
from netorch.keys import REDACTED, Key, Secret
from netorch.pki.issue import ca_id, derived_key, key_pem
from netorch.pki.ops import iso
from netorch.pki.profile import KeySpec
from netorch.pki.state import FabricPki
from netorch.pki.store import common_names, serial_hex


@dataclass(frozen=True)
class CertView:
    """A certificate as templates write it."""

    pem_lines: list[str]
    hex_lines: list[str]  # the DER as IOS shows it in `crypto pki certificate chain`
    serial_hex: str
    subject_cn: str
    not_after: str


@dataclass(frozen=True)
class DevicePki:
    """The template variable `pki` of one device of a certificate fabric."""

    ca_name: str
    key: KeySpec
    key_source: str
    ca: CertView
    cert: CertView | None
    crl_pem_lines: list[str] = field(default_factory=list)
    key_pem_lines: list[str] = field(default_factory=list)


def ios_hex(der: bytes) -> list[str]:
    """DER as IOS prints a certificate: upper-case hex in 8-digit groups, 32 bytes a line.

    >>> ios_hex(bytes(range(36)))
    ['00010203 04050607 08090A0B 0C0D0E0F 10111213 14151617 18191A1B 1C1D1E1F', '20212223']
    """
    lines = []
    for start in range(0, len(der), 32):
        chunk = der[start:start + 32].hex().upper()
        lines.append(" ".join(textwrap.wrap(chunk, 8)))
    return lines


def cert_view(cert: x509.Certificate) -> CertView:
    names = common_names(cert.subject)
    return CertView(
        pem_lines=cert.public_bytes(serialization.Encoding.PEM).decode().splitlines(),
        hex_lines=ios_hex(cert.public_bytes(serialization.Encoding.DER)),
        serial_hex=serial_hex(cert.serial_number),
        subject_cn=names[0] if names else "",
        not_after=iso(cert.not_valid_after_utc))


def device_view(pki: FabricPki, device: str, secret: Secret | None, *,
                redact: bool = False) -> DevicePki:
    """`pki` for `device`: its key only when netorch derives it and has the secret."""
    member = pki.view.member(device)
    if member is None:
        raise UserError(f"{device} is not a device of fabric {pki.view.name}")
    cert = pki.certs.get(device)
    source = pki.key_source(member)
    key_lines: list[str] = []
    if source == "derived" and cert is not None and (redact or secret is not None):
        key_lines = [REDACTED] if redact else _key_lines(pki, device, cert, secret)
    crl_lines = [] if pki.crl is None else pki.crl.public_bytes(
        serialization.Encoding.PEM).decode().splitlines()
    return DevicePki(ca_name=pki.view.name, key=pki.view.spec, key_source=source,
                     ca=cert_view(pki.ca), cert=None if cert is None else cert_view(cert),
                     crl_pem_lines=crl_lines, key_pem_lines=key_lines)


def _key_lines(pki: FabricPki, device: str, cert: x509.Certificate,
               secret: Secret | None) -> list[str]:
    assert secret is not None
    key = derived_key(secret, pki.view.name, device, pki.generation(device), pki.view.spec,
                      ca=ca_id(pki.ca))
    if key.public_key() != cert.public_key():
        imported = pki.ledger is not None and pki.ledger.ca.source == "imported"
        fix = "`netorch pki request` writes the CSR for the derived key; have the " \
            "enterprise CA sign it" if imported else "re-issue: netorch pki revoke, then " \
            "pki issue"
        raise UserError(f"the master secret does not derive the key that "
                        f"{pki.view.paths.cert(device).as_posix()} certifies: a different "
                        f"NETORCH_SECRET than at issue time? ({fix})")
    return [Key(line) for line in key_pem(key).splitlines()]
