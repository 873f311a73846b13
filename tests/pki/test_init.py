"""`netorch pki init`: the CA's key type and hash follow the crypto profile; its key is
PKCS#8, encrypted, 0600 in a 0700 folder, outside the inventory; nothing is replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from netorch import pki
from netorch.pki.authority import CA_KEY_ENV, PASSPHRASE_ENV
from tests.pki.common import CNSA, PASSPHRASE, cli, cnsa_fabric, example_fabric, user_error


def _ca(folder: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / "ca.crt").read_bytes())


@pytest.mark.parametrize(("profile", "curve", "digest"), [
    ("ncsc-prime", ec.SECP256R1, hashes.SHA256),
    ("cnsa", ec.SECP384R1, hashes.SHA384),
])
def test_ca_key_and_hash_follow_the_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            profile: str, curve: type, digest: type) -> None:
    inventory = example_fabric(tmp_path / "inv")
    fabric_yaml = inventory / "fabric.yaml"
    fabric_yaml.write_text(fabric_yaml.read_text().replace("profile: ncsc-prime",
                                                           f"profile: {profile}"))
    run = cli(capsys, "pki", "init", inventory, "--ca-key", tmp_path / "keys" / "ca.key")
    assert run.code == 0, run
    cert = _ca(inventory / "pki")
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert isinstance(cert.public_key().curve, curve)
    assert isinstance(cert.signature_hash_algorithm, digest)
    key = serialization.load_pem_private_key((tmp_path / "keys" / "ca.key").read_bytes(),
                                             PASSPHRASE.encode())
    assert isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, curve)
    assert key.public_key() == cert.public_key()


def test_ca_certificate_extensions(with_ca: Path) -> None:
    cert = _ca(with_ca.with_name("cnsa-regional.pki"))
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value \
        == "cnsa-regional fabric CA"
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    cert.verify_directly_issued_by(cert)


def test_single_file_inventory_gets_name_pki(with_ca: Path) -> None:
    folder = with_ca.parent / "cnsa-regional.pki"
    assert sorted(p.name for p in folder.iterdir()) == ["ca.crt", "crl.pem", "index.json"]
    assert pki.pki_dir(with_ca) == folder
    crl = x509.load_pem_x509_crl((folder / "crl.pem").read_bytes())
    assert len(list(crl)) == 0 and crl.is_signature_valid(_ca(folder).public_key())


def test_directory_inventory_gets_pki_folder(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    inventory = example_fabric(tmp_path / "inv")
    assert cli(capsys, "pki", "init", inventory, "--ca-key", tmp_path / "ca.key").code == 0
    assert (inventory / "pki" / "ca.crt").is_file()
    assert pki.pki_dir(inventory) == inventory / "pki"


def test_ca_key_is_encrypted_pkcs8_0600_in_0700(with_ca: Path, ca_key: Path) -> None:
    raw = ca_key.read_bytes()
    assert raw.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # no password: refused
        serialization.load_pem_private_key(raw, None)
    assert stat.S_IMODE(ca_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(ca_key.parent.stat().st_mode) == 0o700
    assert not any(p.suffix == ".key" for p in with_ca.parent.rglob("*"))


def test_ca_key_from_the_environment(fabric: Path, ca_key: Path,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CA_KEY_ENV, str(ca_key))
    assert cli(capsys, "pki", "init", fabric).code == 0
    assert ca_key.is_file()


def test_passphrase_from_a_file(fabric: Path, ca_key: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV)
    secret_file = tmp_path / "passphrase"
    secret_file.write_text("another long passphrase\n")
    run = cli(capsys, "pki", "init", fabric, "--ca-key", ca_key,
              "--ca-passphrase-file", secret_file)
    assert run.code == 0, run
    serialization.load_pem_private_key(ca_key.read_bytes(), b"another long passphrase")
    assert "another long passphrase" not in run.text


@pytest.mark.parametrize("where", ["pki-root", "pki-folder", "pki-certs"])
def test_key_refused_inside_the_single_file_pki_folder(
        fabric: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    target = {"pki-root": fabric.parent / "cnsa-regional.pki" / "ca.key",
              "pki-folder": fabric.parent / "cnsa-regional.pki" / "keys" / "ca.key",
              "pki-certs": fabric.parent / "cnsa-regional.pki" / "certs" / "ca.key"}[where]
    user_error(cli(capsys, "pki", "init", fabric, "--ca-key", target), "refused",
               "outside the inventory")
    assert not target.exists()
    assert not (fabric.parent / "cnsa-regional.pki" / "ca.crt").exists()


@pytest.mark.parametrize("relative", ["ca.key", "sites/ca.key", "pki/ca.key", "keys/ca.key",
                                      "../elsewhere/../inv/ca.key"])
def test_key_refused_inside_the_inventory_folder(tmp_path: Path, relative: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    inventory = example_fabric(tmp_path / "inv")
    (tmp_path / "elsewhere").mkdir()
    user_error(cli(capsys, "pki", "init", inventory, "--ca-key", inventory / relative),
               "refused", "outside the inventory")
    assert not (inventory / relative).exists() and not (inventory / "pki").exists()


def test_key_refused_through_a_symlink(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    inventory = example_fabric(tmp_path / "inv")
    (tmp_path / "looks-outside").symlink_to(inventory)
    (tmp_path / "dangling.key").symlink_to(inventory / "ca.key")
    for key in (tmp_path / "looks-outside" / "ca.key", tmp_path / "dangling.key"):
        user_error(cli(capsys, "pki", "init", inventory, "--ca-key", key), "refused")
    assert not (inventory / "ca.key").exists()


def test_key_needed(fabric: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user_error(cli(capsys, "pki", "init", fabric), "--ca-key", CA_KEY_ENV)
    assert not fabric.with_name("cnsa-regional.pki").exists()


@pytest.mark.parametrize(("value", "needle"), [
    (None, PASSPHRASE_ENV), ("", PASSPHRASE_ENV), ("short", "too short")])
def test_passphrase_missing_or_short(fabric: Path, ca_key: Path, value: str | None,
                                     needle: str, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv(PASSPHRASE_ENV)
    else:
        monkeypatch.setenv(PASSPHRASE_ENV, value)
    user_error(cli(capsys, "pki", "init", fabric, "--ca-key", ca_key), needle)
    assert not ca_key.exists()


def test_wrong_passphrase(with_ca: Path, ca_key: Path, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "not the passphrase at all")
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key)
    user_error(run, "wrong passphrase")
    assert "not the passphrase at all" not in run.text


def test_never_overwrites_a_ca_key(fabric: Path, ca_key: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    ca_key.parent.mkdir(mode=0o700)
    ca_key.write_bytes(b"someone's key\n")
    user_error(cli(capsys, "pki", "init", fabric, "--ca-key", ca_key), "already there")
    assert ca_key.read_bytes() == b"someone's key\n"
    assert not fabric.with_name("cnsa-regional.pki").exists()


def test_never_replaces_a_ca(with_ca: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = with_ca.with_name("cnsa-regional.pki")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    other = tmp_path / "other" / "ca.key"
    user_error(cli(capsys, "pki", "init", with_ca, "--ca-key", other), "already has a CA")
    assert not other.exists()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_group_readable_ca_key_refused(with_ca: Path, ca_key: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    os.chmod(ca_key, 0o644)
    user_error(cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key), "chmod 600")


def test_another_ca_key_refused(with_ca: Path, ca_key: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other-inv"
    second = cnsa_fabric(other)
    assert cli(capsys, "pki", "init", second, "--ca-key", tmp_path / "k2" / "ca.key").code == 0
    user_error(cli(capsys, "pki", "issue", with_ca, "--ca-key", tmp_path / "k2" / "ca.key"),
               "does not belong")


def test_no_ca_yet(fabric: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["issue", fabric], ["revoke", fabric, "hub-r1"], ["status", fabric]):
        user_error(cli(capsys, "pki", *command, "--ca-key", ca_key) if command[0] != "status"
                   else cli(capsys, "pki", *command), "pki init")


def test_psk_fabric_has_no_status(capsys: pytest.CaptureFixture[str]) -> None:
    user_error(cli(capsys, "pki", "status", CNSA), "pre-shared keys")
