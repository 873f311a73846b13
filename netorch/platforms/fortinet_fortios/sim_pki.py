"""The simulated FortiGate's certificate store: `vpn certificate ca` / `crl` / `local`.

What the FortiOS CLI takes (FortiOS 7.2 CLI Reference, config vpn certificate ca `set
ca`, crl `set crl`, local `set password` / `set private-key` / `set certificate`): PEM
typed as one quoted value over several lines. Like FortiOS, the simulator refuses a value
that is not what the setting holds (a key where a certificate belongs, a truncated PEM),
an encrypted key without its password, and a certificate whose key is not the entry's;
and it keeps a local key the way FortiOS shows it afterwards: encrypted
(`-----BEGIN ENCRYPTED PRIVATE KEY-----`) under a password of its own (`set password
ENC ...`), never as typed. FortiOS's error texts for these cases are not documented
beyond "Command fail. Return code -N"; the first lines here are the simulator's words
(the key's follows ansible-galaxy-fortios-collection issue 395: "Invalid private key,
password may be required", return code -145).
"""

from __future__ import annotations

import base64
import os

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from netorch.platforms.fortinet_fortios.tree import Node

CA, CRL, LOCAL = "vpn certificate ca", "vpn certificate crl", "vpn certificate local"
TABLES = frozenset({CA, CRL, LOCAL})
_BAD_KEY = "Invalid private key, password may be required\nCommand fail. Return code -145\n"
_MISMATCH = "Certificate does not match the private key\nCommand fail. Return code -145\n"


def encrypt(raw: str) -> str:
    """A key as FortiOS stores and shows it: `ENC <base64>`, salted; a value typed in
    that form (a restored backup) is taken as it is.

    >>> encrypt('"s3cret"').startswith("ENC "), "s3cret" in encrypt('"s3cret"')
    (True, False)
    >>> reveal(encrypt('"s3cret"'))
    's3cret'
    """
    if raw.startswith("ENC "):
        return raw
    salt = os.urandom(4)
    hidden = bytes(b ^ salt[i % 4] for i, b in enumerate(raw.strip('"').encode()))
    return "ENC " + base64.b64encode(salt + hidden).decode()


def reveal(stored: str) -> str:
    """The text `encrypt` hid (salt, then XOR): the simulator reads its own passwords."""
    raw = base64.b64decode(stored.removeprefix("ENC "))
    salt, hidden = raw[:4], raw[4:]
    return bytes(b ^ salt[i % 4] for i, b in enumerate(hidden)).decode()


def _certificate(pem: bytes) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        return None


def _crl(pem: bytes) -> x509.CertificateRevocationList | None:
    try:
        return x509.load_pem_x509_crl(pem)
    except ValueError:
        return None


def _key(pem: bytes, password: str | None) -> PrivateKeyTypes | None:
    """The key of a PEM, decrypted with `password` when it is encrypted (a password left
    from an earlier key does not spoil a plain one)."""
    encrypted = b"ENCRYPTED" in pem
    try:
        return serialization.load_pem_private_key(
            pem, password.encode() if encrypted and password else None)
    except (ValueError, TypeError):
        return None


def set_value(table: str, entry: Node, attr: str, value: str) -> str | None:
    """Store `attr` of a certificate entry as FortiOS does: None, or the error reply
    (nothing stored). Any other setting of these tables is stored as typed (None too)."""
    pem = value.strip().strip('"').encode()
    if (table, attr) == (LOCAL, "private-key"):
        return _store_key(entry, pem)
    if (table, attr) == (CRL, "crl"):
        if _crl(pem) is None:
            return _invalid("CRL")
    elif (table, attr) in ((CA, "ca"), (LOCAL, "certificate")):
        cert = _certificate(pem)
        if cert is None:
            return _invalid("certificate")
        key = _stored_key(entry)
        if attr == "certificate" and key is not None and key.public_key() != cert.public_key():
            return _MISMATCH
    entry.put(attr, encrypt(value) if attr == "password" else value)
    return None


def _invalid(what: str) -> str:
    return f"Invalid {what}: the value is not a PEM {what}\nCommand fail. Return code -1\n"


def _password(entry: Node) -> str | None:
    stored = entry.settings.get("password")
    return reveal(stored) if stored else None


def _stored_key(entry: Node) -> PrivateKeyTypes | None:
    pem = entry.settings.get("private-key", "").strip('"').encode()
    return _key(pem, _password(entry)) if pem else None


def _store_key(entry: Node, pem: bytes) -> str | None:
    """A key as FortiOS keeps it: encrypted again under a password of its own (shown
    `set password ENC ...`). The pair is checked when the certificate is set (netorch
    sends the key first, as FortiOS shows them)."""
    key = _key(pem, _password(entry))
    if key is None:
        return _BAD_KEY
    fresh = base64.b64encode(os.urandom(18)).decode()
    hidden = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(fresh.encode()))
    entry.put("password", encrypt(fresh))
    entry.put("private-key", '"' + hidden.decode().strip() + '"')
    return None
