"""`netorch.pki.device_view`: what templates get of the PKI (`pki`), the derived key only
with the master secret that certified it, marked secret, and redacted on demand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from netorch import pki
from netorch.errors import UserError
from netorch.keys import REDACTED, Key, Secret
from tests.pki.common import SECRET, load_cert, view_of


def _fabric_pki(inventory: Path) -> pki.FabricPki:
    found = pki.load_pki(view_of(inventory))
    assert found is not None
    return found


def test_derived_key_lines_are_the_certified_key(issued: Path, secret: Secret) -> None:
    view = pki.device_view(_fabric_pki(issued), "hub-r1", secret)
    assert view.key_source == "derived" and view.key.name == "ecdsa-p384"
    assert view.key_pem_lines[0] == "-----BEGIN PRIVATE KEY-----"
    assert all(isinstance(line, Key) for line in view.key_pem_lines)
    key = serialization.load_pem_private_key("\n".join(view.key_pem_lines).encode(), None)
    cert = load_cert(issued.with_name("cnsa-regional.pki") / "certs" / "hub-r1.crt")
    assert key.public_key() == cert.public_key()
    assert view.cert is not None and view.cert.subject_cn == "hub-r1.cnsa-regional"
    assert view.cert.serial_hex == f"{cert.serial_number:X}".zfill(len(view.cert.serial_hex))
    assert view.crl_pem_lines[0] == "-----BEGIN X509 CRL-----"


def test_redacted_and_secretless_views(issued: Path) -> None:
    fabric = _fabric_pki(issued)
    assert pki.device_view(fabric, "hub-r1", None, redact=True).key_pem_lines == [REDACTED]
    assert pki.device_view(fabric, "hub-r1", None).key_pem_lines == []


def test_device_held_keys_have_no_key_lines(issued: Path, secret: Secret) -> None:
    view = pki.device_view(_fabric_pki(issued), "nb-r1", secret)
    assert view.key_source == "device" and view.cert is None and view.key_pem_lines == []
    assert view.ca.subject_cn == "cnsa-regional fabric CA"


def test_ios_hex_lines(issued: Path) -> None:
    view = pki.device_view(_fabric_pki(issued), "hub-r1", None)
    assert view.cert is not None
    lines = view.cert.hex_lines
    assert all(re.fullmatch(r"[0-9A-F]{8}( [0-9A-F]{8}){0,7}|[0-9A-F]{2,8}( [0-9A-F]{1,8})*",
                            line) for line in lines)
    assert all(len(line.replace(" ", "")) == 64 for line in lines[:-1])
    cert = load_cert(issued.with_name("cnsa-regional.pki") / "certs" / "hub-r1.crt")
    der = cert.public_bytes(serialization.Encoding.DER)
    assert bytes.fromhex("".join(lines).replace(" ", "")) == der


def test_another_master_secret_is_refused_without_echoing_either(issued: Path) -> None:
    other = "a-different-master-secret-5e6f"
    with pytest.raises(UserError) as caught:
        pki.device_view(_fabric_pki(issued), "hub-r1", Secret(other.encode()))
    assert "does not derive the key" in str(caught.value)
    assert other not in str(caught.value) and SECRET not in str(caught.value)


def test_unknown_device(issued: Path) -> None:
    with pytest.raises(UserError, match="not a device of fabric cnsa-regional"):
        pki.device_view(_fabric_pki(issued), "nobody", None)
