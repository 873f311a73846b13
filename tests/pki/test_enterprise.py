"""`netorch pki init --ca-cert`: an enterprise CA's certificate only; netorch then signs
nothing and reads the certificates the enterprise CA issued."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.pki.common import cli, csr, enterprise_cert, user_error

DEVICES = ["hub-r1", "na-r1", "nb-r1", "sa-r1", "sb-r1"]


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer_key: ec.EllipticCurvePrivateKey,
          issuer: str, *, ca: bool, ski: bool = True) -> x509.Certificate:
    return enterprise_cert(subject, key.public_key(), issuer_key, issuer, ca=ca, ski=ski)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def enterprise(fabric: Path, tmp_path: Path,
               capsys: pytest.CaptureFixture[str]) -> tuple[Path, ec.EllipticCurvePrivateKey]:
    """`fabric` using an enterprise CA (P-384): its certificate imported."""
    key = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "enterprise.crt").write_bytes(_pem(_cert("Enterprise CA", key, key,
                                                         "Enterprise CA", ca=True)))
    run = cli(capsys, "pki", "init", fabric, "--ca-cert", tmp_path / "enterprise.crt")
    assert run.code == 0 and "imported the enterprise CA CN=Enterprise CA" in run.out, run
    return fabric, key


def test_import_copies_only_the_certificate(
        enterprise: tuple[Path, ec.EllipticCurvePrivateKey], tmp_path: Path) -> None:
    fabric, _ = enterprise
    folder = fabric.with_name("cnsa-regional.pki")
    assert sorted(p.name for p in folder.iterdir()) == ["ca.crt", "index.json"]
    assert (folder / "ca.crt").read_bytes() == (tmp_path / "enterprise.crt").read_bytes()
    assert json.loads((folder / "index.json").read_text())["ca"]["source"] == "imported"


@pytest.mark.parametrize("command", ["issue", "revoke", "sign"])
def test_netorch_signs_nothing(enterprise: tuple[Path, ec.EllipticCurvePrivateKey],
                               tmp_path: Path, command: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    fabric, _ = enterprise
    (tmp_path / "nb.csr").write_bytes(csr("nb-r1.cnsa-regional"))
    args = {"issue": [], "revoke": ["hub-r1"], "sign": ["nb-r1", tmp_path / "nb.csr"]}[command]
    some_key = tmp_path / "elsewhere" / "ca.key"
    some_key.parent.mkdir(mode=0o700)
    some_key.write_bytes(b"not a key\n")
    some_key.chmod(0o600)
    user_error(cli(capsys, "pki", command, fabric, *args, "--ca-key", some_key),
               "enterprise CA", "signs nothing")
    assert not (fabric.with_name("cnsa-regional.pki") / "certs").exists()


@pytest.mark.parametrize("command", ["issue", "revoke"])
def test_netorch_signs_nothing_without_a_ca_key(
        enterprise: tuple[Path, ec.EllipticCurvePrivateKey], command: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    fabric, _ = enterprise
    args = [] if command == "issue" else ["hub-r1"]
    user_error(cli(capsys, "pki", command, fabric, *args), "enterprise CA")


def test_status_reads_the_enterprise_certificates(
        enterprise: tuple[Path, ec.EllipticCurvePrivateKey],
        capsys: pytest.CaptureFixture[str]) -> None:
    fabric, ca_key = enterprise
    run = cli(capsys, "pki", "status", fabric, "-f", "json")
    assert run.code == 1
    assert {d["state"] for d in json.loads(run.out)["devices"].values()} == {"missing"}
    certs = fabric.with_name("cnsa-regional.pki") / "certs"
    certs.mkdir()
    for device in DEVICES:
        key = ec.generate_private_key(ec.SECP384R1())
        (certs / f"{device}.crt").write_bytes(_pem(_cert(f"{device}.cnsa-regional", key, ca_key,
                                                         "Enterprise CA", ca=False)))
    run = cli(capsys, "pki", "status", fabric, "-f", "json")
    assert run.code == 0, run
    data = json.loads(run.out)
    assert data["ca"]["subject"] == "CN=Enterprise CA"
    assert {d["state"] for d in data["devices"].values()} == {"ok"}


def test_foreign_certificate_flagged(enterprise: tuple[Path, ec.EllipticCurvePrivateKey],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    fabric, _ = enterprise
    other = ec.generate_private_key(ec.SECP384R1())
    key = ec.generate_private_key(ec.SECP384R1())
    certs = fabric.with_name("cnsa-regional.pki") / "certs"
    certs.mkdir()
    (certs / "hub-r1.crt").write_bytes(_pem(_cert("hub-r1.cnsa-regional", key, other,
                                                  "Enterprise CA", ca=False)))
    run = cli(capsys, "pki", "status", fabric)
    assert run.code == 1
    assert "hub-r1: it is not signed by the fabric CA" in run.out


def test_profile_mismatch_noted(fabric: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "p256.crt").write_bytes(_pem(_cert("P256 CA", key, key, "P256 CA", ca=True)))
    run = cli(capsys, "pki", "init", fabric, "--ca-cert", tmp_path / "p256.crt")
    assert run.code == 0
    assert "its key is ecdsa-p256, the profile asks for ecdsa-p384" in run.out
    run = cli(capsys, "pki", "status", fabric)
    assert run.code == 1 and "CA: its key is ecdsa-p256" in run.out


def test_not_a_ca_refused(fabric: Path, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "leaf.crt").write_bytes(_pem(_cert("leaf", key, key, "leaf", ca=False)))
    (tmp_path / "junk.crt").write_bytes(b"junk\n")
    user_error(cli(capsys, "pki", "init", fabric, "--ca-cert", tmp_path / "leaf.crt"),
               "not a CA certificate")
    user_error(cli(capsys, "pki", "init", fabric, "--ca-cert", tmp_path / "junk.crt"),
               "not a PEM certificate")
    assert not fabric.with_name("cnsa-regional.pki").exists()


def test_import_never_replaces_a_ca(with_ca: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "e.crt").write_bytes(_pem(_cert("E", key, key, "E", ca=True)))
    before = (with_ca.with_name("cnsa-regional.pki") / "ca.crt").read_bytes()
    user_error(cli(capsys, "pki", "init", with_ca, "--ca-cert", tmp_path / "e.crt"),
               "already has a CA")
    assert (with_ca.with_name("cnsa-regional.pki") / "ca.crt").read_bytes() == before
