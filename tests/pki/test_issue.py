"""`netorch pki issue` and `revoke`: device certificates as the platforms accept them,
verified by `openssl verify`; idempotent; renewal; re-key after a revoke; the CRL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from netorch import pki
from netorch.keys import SECRET_ENV, Secret
from netorch.pki.issue import ca_id, derived_key
from tests.pki.common import (
    CNSA_DERIVED,
    CNSA_DEVICE,
    authority_of,
    cli,
    cnsa_fabric,
    load_cert,
    openssl_verify,
    user_error,
)

IPSEC_IKE = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.17")
P384 = pki.key_spec("cnsa")


def _folder(inventory: Path) -> Path:
    return inventory.with_name("cnsa-regional.pki")


def _ledger(inventory: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((_folder(inventory) / "index.json").read_text())
    return data


@pytest.mark.parametrize("device", CNSA_DERIVED)
def test_device_certificate(issued: Path, device: str) -> None:
    cert = load_cert(_folder(issued) / "certs" / f"{device}.crt")
    ike_id = f"{device}.cnsa-regional"
    assert [a.value for a in cert.subject] == [ike_id]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [ike_id] and len(list(san)) == 1
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert not (usage.value.key_cert_sign or usage.value.crl_sign or usage.value.key_encipherment)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH,
                        IPSEC_IKE}
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert basic.ca is False
    ca = load_cert(_folder(issued) / "ca.crt")
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert cert.issuer == ca.subject
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA384)
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.key_size == 384
    cert.verify_directly_issued_by(ca)


@pytest.mark.parametrize("device", CNSA_DERIVED)
def test_openssl_verifies_with_the_crl(issued: Path, device: str) -> None:
    folder = _folder(issued)
    cert = folder / "certs" / f"{device}.crt"
    done = openssl_verify(folder / "ca.crt", cert)
    assert done.returncode == 0 and ": OK" in done.stdout, done
    done = openssl_verify(folder / "ca.crt", cert, folder / "crl.pem")
    assert done.returncode == 0 and ": OK" in done.stdout, done


def test_derived_keys_are_the_master_secrets(issued: Path, secret: Secret) -> None:
    for device in CNSA_DERIVED:
        cert = load_cert(_folder(issued) / "certs" / f"{device}.crt")
        ca = ca_id(load_cert(_folder(issued) / "ca.crt"))
        key = derived_key(secret, "cnsa-regional", device, 0, P384, ca=ca)
        assert key.public_key() == cert.public_key()


def test_device_key_platforms_are_skipped_with_a_note(with_ca: Path, ca_key: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key)
    assert run.code == 0, run
    for device, platform in CNSA_DEVICE.items():
        assert f"note: {device}: its key is made on the device ({platform})" in run.out
        assert f"pki sign INVENTORY {device} CSR" in run.out
        assert not (_folder(with_ca) / "certs" / f"{device}.crt").exists()
    for device in CNSA_DERIVED:
        assert f"{device}: issued " in run.out


def test_issue_is_idempotent(issued: Path, ca_key: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(issued)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    run = cli(capsys, "pki", "issue", issued, "--ca-key", ca_key)
    assert run.code == 0 and "nothing to do" in run.out, run
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_renews_within_renew_within_keeping_the_key(with_ca: Path, ca_key: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    secret: Secret) -> None:
    view, authority = authority_of(with_ca, ca_key)
    past = datetime.now(UTC) - timedelta(days=340)  # 25 days left of 365
    pki.issue(view, authority, secret, list(view.members), now=past)
    old = load_cert(_folder(with_ca) / "certs" / "hub-r1.crt")
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--renew-within", "20")
    assert "nothing to do" in run.out, run
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--limit", "hub-r1")
    assert run.code == 0 and "hub-r1: renewed " in run.out, run
    new = load_cert(_folder(with_ca) / "certs" / "hub-r1.crt")
    assert new.serial_number != old.serial_number
    assert new.public_key() == old.public_key()
    assert new.not_valid_after_utc - datetime.now(UTC) > timedelta(days=364)
    records = [c for c in _ledger(with_ca)["certificates"] if c["device"] == "hub-r1"]
    assert [c["generation"] for c in records] == [0, 0]


def test_days(with_ca: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--days", "10").code == 0
    cert = load_cert(_folder(with_ca) / "certs" / "hub-r1.crt")
    left = cert.not_valid_after_utc - datetime.now(UTC)
    assert timedelta(days=9) < left <= timedelta(days=10)


def test_certificate_must_not_outlive_the_ca(fabric: Path, ca_key: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "pki", "init", fabric, "--ca-key", ca_key, "--days", "100").code == 0
    user_error(cli(capsys, "pki", "issue", fabric, "--ca-key", ca_key), "fewer --days")
    assert not (_folder(fabric) / "certs").exists()


def test_limit(with_ca: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--limit", "hub-r1")
    assert run.code == 0, run
    assert sorted(p.name for p in (_folder(with_ca) / "certs").iterdir()) == ["hub-r1.crt"]
    assert "note:" not in run.out
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--limit", "north-*")
    assert "na-r1: issued" in run.out and "note: nb-r1" in run.out and "sb-r1" not in run.out


def test_derived_keys_need_the_master_secret(with_ca: Path, ca_key: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    user_error(cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key), SECRET_ENV)
    assert not (_folder(with_ca) / "certs").exists()
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key, "--limit", "nb-r1")
    assert run.code == 0 and "note: nb-r1" in run.out, run


def test_revoke_lists_it_in_the_crl(issued: Path, ca_key: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(issued)
    old = load_cert(folder / "certs" / "hub-r1.crt")
    kept = folder / "certs" / "hub-r1.revoked.pem"
    kept.write_bytes((folder / "certs" / "hub-r1.crt").read_bytes())
    run = cli(capsys, "pki", "revoke", issued, "hub-r1", "--ca-key", ca_key)
    assert run.code == 0 and "hub-r1: revoked" in run.out and "CRL number 2" in run.out, run
    crl = x509.load_pem_x509_crl((folder / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(old.serial_number) is not None
    assert len(list(crl)) == 1
    assert isinstance(crl.signature_hash_algorithm, hashes.SHA384)
    done = openssl_verify(folder / "ca.crt", kept, folder / "crl.pem")
    assert done.returncode != 0 and "revoked" in done.stdout + done.stderr, done
    for device in ("na-r1", "sb-r1"):
        done = openssl_verify(folder / "ca.crt", folder / "certs" / f"{device}.crt",
                              folder / "crl.pem")
        assert done.returncode == 0, done
    record = next(c for c in _ledger(issued)["certificates"] if c["device"] == "hub-r1")
    assert record["revoked"]


def test_reissue_after_revoke_rekeys(issued: Path, ca_key: Path, secret: Secret,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(issued)
    old = load_cert(folder / "certs" / "hub-r1.crt")
    assert cli(capsys, "pki", "revoke", issued, "hub-r1", "--ca-key", ca_key).code == 0
    run = cli(capsys, "pki", "issue", issued, "--ca-key", ca_key)
    assert run.code == 0 and "hub-r1: re-keyed and issued" in run.out, run
    assert "na-r1" not in run.out and "sb-r1" not in run.out
    new = load_cert(folder / "certs" / "hub-r1.crt")
    assert new.public_key() != old.public_key()
    assert new.public_key() == derived_key(secret, "cnsa-regional", "hub-r1", 1, P384,
                                           ca=ca_id(load_cert(folder / "ca.crt"))).public_key()
    records = [c for c in _ledger(issued)["certificates"] if c["device"] == "hub-r1"]
    assert [(c["generation"], bool(c["revoked"])) for c in records] == [(0, True), (1, False)]
    done = openssl_verify(folder / "ca.crt", folder / "certs" / "hub-r1.crt", folder / "crl.pem")
    assert done.returncode == 0, done
    run = cli(capsys, "pki", "issue", issued, "--ca-key", ca_key)
    assert "nothing to do" in run.out


def test_revoke_mistakes(issued: Path, ca_key: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    user_error(cli(capsys, "pki", "revoke", issued, "nobody", "--ca-key", ca_key),
               "nobody is not a device of fabric cnsa-regional")
    user_error(cli(capsys, "pki", "revoke", issued, "nb-r1", "--ca-key", ca_key),
               "no certificate in force")
    assert cli(capsys, "pki", "revoke", issued, "hub-r1", "--ca-key", ca_key).code == 0
    user_error(cli(capsys, "pki", "revoke", issued, "hub-r1", "--ca-key", ca_key),
               "no certificate in force")


def test_derived_keys_deterministic_per_fabric_device_generation_and_ca(secret: Secret) -> None:
    ca, other_ca = b"\x01" * 20, b"\x02" * 20
    first = derived_key(secret, "fab", "r1", 0, P384, ca=ca).private_numbers().private_value
    assert derived_key(secret, "fab", "r1", 0, P384, ca=ca).private_numbers().private_value \
        == first
    others = [derived_key(secret, "fab2", "r1", 0, P384, ca=ca),
              derived_key(secret, "fab", "r2", 0, P384, ca=ca),
              derived_key(secret, "fab", "r1", 1, P384, ca=ca),
              derived_key(secret, "fab", "r1", 0, P384, ca=other_ca),
              derived_key(Secret(b"another-master-secret-0123"), "fab", "r1", 0, P384, ca=ca)]
    values = {k.private_numbers().private_value for k in others}
    assert first not in values and len(values) == 5
    p256 = derived_key(secret, "fab", "r1", 0, pki.key_spec("ncsc-prime"), ca=ca)
    assert p256.curve.key_size == 256


def test_a_new_ca_means_new_derived_keys(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = {}
    for copy, name in (("a", "cnsa-regional"), ("b", "cnsa-regional"), ("c", "other-fabric")):
        inventory = cnsa_fabric(tmp_path / copy, name=name)
        key = tmp_path / f"key-{copy}" / "ca.key"
        assert cli(capsys, "pki", "init", inventory, "--ca-key", key).code == 0
        assert cli(capsys, "pki", "issue", inventory, "--ca-key", key).code == 0
        keys[copy] = {d: load_cert(_folder(inventory) / "certs" / f"{d}.crt").public_key()
                      .public_numbers().x for d in CNSA_DERIVED}
    # bound to the CA: a new CA (each copy made its own) never re-certifies an old key,
    # a revoked one included
    assert not set(keys["a"].values()) & set(keys["b"].values())
    assert not set(keys["a"].values()) & set(keys["c"].values())
    assert len(set(keys["a"].values())) == len(CNSA_DERIVED)


def test_crl_names_its_ca_by_key_identifier(issued: Path, ca_key: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """RFC 5280 5.2.1 (MUST); strongSwan finds a loaded CRL only by it."""
    assert cli(capsys, "pki", "revoke", issued, "hub-r1", "--ca-key", ca_key).code == 0
    folder = _folder(issued)
    crl = x509.load_pem_x509_crl((folder / "crl.pem").read_bytes())
    ski = load_cert(folder / "ca.crt").extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier).value
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert aki.value.key_identifier == ski.digest and not aki.critical


def test_crl_days(fabric: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "pki", "init", fabric, "--ca-key", ca_key, "--crl-days", "40").code == 0
    crl_file = _folder(fabric) / "crl.pem"
    first = x509.load_pem_x509_crl(crl_file.read_bytes())
    assert first.next_update_utc is not None
    assert timedelta(days=39) < first.next_update_utc - datetime.now(UTC) <= timedelta(days=40)
    run = cli(capsys, "pki", "issue", fabric, "--ca-key", ca_key, "--crl-days", "40")
    assert run.code == 0 and "CRL" not in run.out, run
    run = cli(capsys, "pki", "revoke", fabric, "hub-r1", "--ca-key", ca_key, "--crl-days", "50")
    assert run.code == 0, run
    after = x509.load_pem_x509_crl(crl_file.read_bytes())
    assert after.next_update_utc is not None
    assert timedelta(days=49) < after.next_update_utc - datetime.now(UTC) <= timedelta(days=50)
