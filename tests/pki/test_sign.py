"""`netorch pki sign`: a CSR made on the device is signed once its identity and key type
are the device's and the profile's; anything else is refused with the reason."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from netorch import pki
from tests.pki.common import authority_of, cli, csr, load_cert, openssl_verify, user_error

NB = "nb-r1.cnsa-regional"


def _folder(inventory: Path) -> Path:
    return inventory.with_name("cnsa-regional.pki")


def _write(tmp_path: Path, data: bytes, name: str = "device.csr") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_signs_a_matching_csr(with_ca: Path, ca_key: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    request = _write(tmp_path, csr(NB, key))
    run = cli(capsys, "pki", "sign", with_ca, "nb-r1", request, "--ca-key", ca_key)
    assert run.code == 0 and "nb-r1: signed " in run.out, run
    folder = _folder(with_ca)
    cert = load_cert(folder / "certs" / "nb-r1.crt")
    assert cert.public_key() == key.public_key()
    assert [a.value for a in cert.subject] == [NB]
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA384)
    assert openssl_verify(folder / "ca.crt", folder / "certs" / "nb-r1.crt",
                          folder / "crl.pem").returncode == 0
    record = json.loads((folder / "index.json").read_text())["certificates"][-1]
    assert record["device"] == "nb-r1" and record["key"] == "device"
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--limit", "nb-r1")
    assert "nothing to do" in run.out and "note:" not in run.out, run


def test_signs_an_openssl_csr_in_der(with_ca: Path, ca_key: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-384", "-nodes", "-subj", "/CN=sa-r1.cnsa-regional",
                    "-keyout", str(tmp_path / "sa.key"), "-outform", "DER",
                    "-out", str(tmp_path / "sa.der")], check=True, capture_output=True)
    run = cli(capsys, "pki", "sign", with_ca, "sa-r1", tmp_path / "sa.der", "--ca-key", ca_key)
    assert run.code == 0, run
    folder = _folder(with_ca)
    assert openssl_verify(folder / "ca.crt", folder / "certs" / "sa-r1.crt").returncode == 0
    done = subprocess.run(["openssl", "x509", "-noout", "-pubkey", "-in",
                           str(folder / "certs" / "sa-r1.crt")], capture_output=True, text=True,
                          check=True)
    mine = subprocess.run(["openssl", "pkey", "-pubout", "-in", str(tmp_path / "sa.key")],
                          capture_output=True, text=True, check=True)
    assert done.stdout == mine.stdout


@pytest.mark.parametrize(("make", "needle"), [
    (lambda: csr("na-r1.cnsa-regional"), "it names na-r1.cnsa-regional, but nb-r1's IKE "
                                         "identity is nb-r1.cnsa-regional"),
    (lambda: csr(NB, san="evil.example"), "it names evil.example"),
    (lambda: csr(NB, curve=ec.SECP256R1()), "its key is ecdsa-p256, the fabric's profile "
                                            "needs ecdsa-p384"),
    (lambda: csr(NB, rsa.generate_private_key(65537, 2048)), "its key is rsa-2048"),
])
def test_mismatch_refused(with_ca: Path, ca_key: Path, tmp_path: Path, make: object,
                          needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(make)
    request = _write(tmp_path, make())
    user_error(cli(capsys, "pki", "sign", with_ca, "nb-r1", request, "--ca-key", ca_key),
               "refused", needle)
    assert not (_folder(with_ca) / "certs").exists()


def test_no_identity_refused(with_ca: Path, ca_key: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    data = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "netorch")])).sign(key, hashes.SHA384())
    request = _write(tmp_path, data.public_bytes(serialization.Encoding.PEM))
    user_error(cli(capsys, "pki", "sign", with_ca, "nb-r1", request, "--ca-key", ca_key),
               "no identity")


@pytest.mark.parametrize("data", [b"", b"garbage\n", b"-----BEGIN CERTIFICATE REQUEST-----\n"
                                  b"AAAA\n-----END CERTIFICATE REQUEST-----\n", bytes(range(256))])
def test_garbage_refused(with_ca: Path, ca_key: Path, tmp_path: Path, data: bytes,
                         capsys: pytest.CaptureFixture[str]) -> None:
    request = _write(tmp_path, data)
    user_error(cli(capsys, "pki", "sign", with_ca, "nb-r1", request, "--ca-key", ca_key),
               "not a certificate signing request")


def test_bad_signature_refused(with_ca: Path, ca_key: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    good = x509.load_pem_x509_csr(csr(NB))
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    where = der.find(NB.encode())  # the CN (and SAN) of the signed request: changed after
    der[where:where + 2] = b"sa"   # signing, to another device of the fabric
    request = _write(tmp_path, bytes(der), "forged.der")
    run = cli(capsys, "pki", "sign", with_ca, "sa-r1", request, "--ca-key", ca_key)
    user_error(run, "signature is not valid")


def test_unknown_device(with_ca: Path, ca_key: Path, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    request = _write(tmp_path, csr("nobody.cnsa-regional"))
    user_error(cli(capsys, "pki", "sign", with_ca, "nobody", request, "--ca-key", ca_key),
               "not a device")


def test_device_keys_renew_without_a_new_csr_and_need_one_after_revoke(
        with_ca: Path, ca_key: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    view, authority = authority_of(with_ca, ca_key)
    member = view.member("nb-r1")
    assert member is not None
    key = ec.generate_private_key(ec.SECP384R1())
    pki.sign(view, authority, member, _write(tmp_path, csr(NB, key)),
             now=datetime.now(UTC) - timedelta(days=350))
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--limit", "nb-r1")
    assert "nb-r1: renewed" in run.out, run
    cert = load_cert(_folder(with_ca) / "certs" / "nb-r1.crt")
    assert cert.public_key() == key.public_key()
    assert cli(capsys, "pki", "revoke", with_ca, "nb-r1", "--ca-key", ca_key).code == 0
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--limit", "nb-r1")
    assert "note: nb-r1: its key is made on the device" in run.out, run
