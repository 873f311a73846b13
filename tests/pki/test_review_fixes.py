"""What a fresh-eyes review of the PKI found, each pinned: concurrent commands, a ledger
that lost or lies about a certificate, keys bound to the CA, `pki sign` on a derived-key
device, a reused key, malformed ledger fields, a linked PKI folder, a PSK fabric, and
`pki request` for an enterprise CA."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from netorch import api
from netorch.keys import Secret
from netorch.pki.issue import ca_id, derived_key
from netorch.pki.profile import P384
from tests.pki.common import (
    CNSA,
    CNSA_DERIVED,
    PASSPHRASE,
    SECRET,
    cli,
    cnsa_fabric,
    csr,
    enterprise_cert,
    load_cert,
    openssl_verify,
    user_error,
)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _folder(inventory: Path) -> Path:
    return inventory.with_name(f"{inventory.stem}.pki")


def _ledger(inventory: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((_folder(inventory) / "index.json").read_text())
    return data


def _issue(args: tuple[str, str, str]) -> int:
    from netorch.cli import main

    inventory, key, pattern = args
    return main(["pki", "issue", inventory, "--ca-key", key, "--limit", pattern])


def test_concurrent_issues_keep_every_record(with_ca: Path, ca_key: Path) -> None:
    patterns = ("hub-*", "na-*", "sb-*")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(3) as pool:
        codes = pool.map(_issue, [(str(with_ca), str(ca_key), p) for p in patterns])
    assert codes == [0, 0, 0]
    recorded = {c["device"] for c in _ledger(with_ca)["certificates"]}  # type: ignore[union-attr,index]
    assert recorded == set(CNSA_DERIVED)


def test_revoke_revokes_the_certificate_on_disk_the_ledger_lost(
        issued: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = _ledger(issued)
    ledger["certificates"] = [c for c in ledger["certificates"]  # type: ignore[attr-defined]
                              if c["device"] != "hub-r1"]
    (_folder(issued) / "index.json").write_text(json.dumps(ledger))
    run = cli(capsys, "pki", "revoke", issued, "hub-r1", "--ca-key", ca_key)
    assert run.code == 0, run
    folder = _folder(issued)
    done = openssl_verify(folder / "ca.crt", folder / "certs" / "hub-r1.crt",
                          folder / "crl.pem")
    assert done.returncode != 0 and "certificate revoked" in done.stdout + done.stderr


def test_a_lying_ledger_serial_still_revokes_the_certificate_on_disk(
        issued: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = _ledger(issued)
    for record in ledger["certificates"]:  # type: ignore[attr-defined]
        if record["device"] == "hub-r1":
            record["serial"] = "01"
    (_folder(issued) / "index.json").write_text(json.dumps(ledger))
    assert cli(capsys, "pki", "revoke", issued, "hub-r1", "--ca-key", ca_key).code == 0
    folder = _folder(issued)
    done = openssl_verify(folder / "ca.crt", folder / "certs" / "hub-r1.crt",
                          folder / "crl.pem")
    assert done.returncode != 0


def test_a_new_ca_never_certifies_a_revoked_key_again(
        issued: Path, ca_key: Path, tmp_path: Path, secret: Secret,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(issued)
    revoked = load_cert(folder / "certs" / "hub-r1.crt").public_key()
    assert cli(capsys, "pki", "revoke", issued, "hub-r1", "--ca-key", ca_key).code == 0
    folder.rename(tmp_path / "old.pki")  # "replacing the CA", docs/pki.md
    new_key = tmp_path / "new" / "ca.key"
    assert cli(capsys, "pki", "init", issued, "--ca-key", new_key).code == 0
    assert cli(capsys, "pki", "issue", issued, "--ca-key", new_key).code == 0
    fresh = load_cert(folder / "certs" / "hub-r1.crt").public_key()
    assert fresh != revoked
    assert fresh == derived_key(secret, "cnsa-regional", "hub-r1", 0, P384,
                                ca=ca_id(load_cert(folder / "ca.crt"))).public_key()


def test_sign_refuses_a_device_whose_key_netorch_derives(
        issued: Path, ca_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "hub.csr"
    request.write_bytes(csr("hub-r1.cnsa-regional"))
    user_error(cli(capsys, "pki", "sign", issued, "hub-r1", request, "--ca-key", ca_key),
               "takes its key from netorch", "pki issue")


def test_sign_refuses_a_key_another_device_holds(
        with_ca: Path, ca_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    first, second = tmp_path / "nb.csr", tmp_path / "sa.csr"
    first.write_bytes(csr("nb-r1.cnsa-regional", key))
    second.write_bytes(csr("sa-r1.cnsa-regional", key))
    assert cli(capsys, "pki", "sign", with_ca, "nb-r1", first, "--ca-key", ca_key).code == 0
    user_error(cli(capsys, "pki", "sign", with_ca, "sa-r1", second, "--ca-key", ca_key),
               "nb-r1's certificate holds")


@pytest.mark.parametrize(("field", "value"), [
    ("not_after", "x"), ("not_after", "2030-01-01T00:00:00"), ("serial", "zz"),
    ("revoked", "yes"), ("generation", -1)])
def test_a_malformed_ledger_field_is_a_clean_error(
        issued: Path, ca_key: Path, field: str, value: object,
        capsys: pytest.CaptureFixture[str]) -> None:
    ledger = _ledger(issued)
    ledger["certificates"][0][field] = value  # type: ignore[index]
    (_folder(issued) / "index.json").write_text(json.dumps(ledger))
    for command in (("issue", issued), ("revoke", issued, "hub-r1")):
        user_error(cli(capsys, "pki", *command, "--ca-key", ca_key), "index.json",
                   "not a netorch PKI index")


def test_a_linked_pki_folder_is_refused(issued: Path, ca_key: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(issued)
    outside = tmp_path / "elsewhere"
    folder.rename(outside)
    folder.symlink_to(outside)
    for args in (("status", issued), ("issue", issued, "--ca-key", ca_key)):
        user_error(cli(capsys, "pki", *args), "symbolic link")


def test_a_certificate_linked_outside_the_folder_is_refused_unopened(
        issued: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = _folder(issued) / "certs" / "hub-r1.crt"
    target.unlink()
    target.symlink_to("/dev/zero")
    user_error(cli(capsys, "pki", "status", issued), "outside the PKI folder")


def test_a_psk_fabric_gets_no_pki(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = tmp_path / "psk.yaml"
    inventory.write_text(CNSA.read_text(encoding="utf-8"), encoding="utf-8")
    user_error(cli(capsys, "pki", "init", inventory, "--ca-key", tmp_path / "k" / "ca.key"),
               "pre-shared keys")
    assert not _folder(inventory).exists()


def test_pki_request_gives_an_enterprise_ca_the_derived_keys_csrs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = cnsa_fabric(tmp_path / "inv")
    ca_key = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "eca.crt").write_bytes(_pem(enterprise_cert(
        "Enterprise CA", ca_key.public_key(), ca_key, "Enterprise CA", ca=True)))
    assert cli(capsys, "pki", "init", inventory, "--ca-cert", tmp_path / "eca.crt").code == 0
    run = cli(capsys, "pki", "request", inventory, "--out", tmp_path / "csr")
    assert run.code == 0, run
    for device in CNSA_DERIVED:  # the enterprise CA signs each request
        request = x509.load_pem_x509_csr((tmp_path / "csr" / f"{device}.csr").read_bytes())
        assert request.is_signature_valid
        signed = _pem(enterprise_cert(f"{device}.cnsa-regional",
                                      request.public_key(),  # type: ignore[arg-type]
                                      ca_key, "Enterprise CA", ca=False))
        (_folder(inventory) / "certs").mkdir(exist_ok=True)
        (_folder(inventory) / "certs" / f"{device}.crt").write_bytes(signed)
    assert "nb-r1: its key is made on the device" in run.out
    plan = api.plan(api.load(inventory))
    files = api.render(plan, Secret(SECRET.encode()),
                       options=api.RenderOptions(pki=api.load_pki(api.load(inventory))),
                       devices=set(CNSA_DERIVED))
    keys = [name for device in CNSA_DERIVED for name, text in files[device].items()
            if "PRIVATE KEY-----" in text]
    assert len(keys) == len(CNSA_DERIVED)  # each derived key delivered, matching its cert
    assert PASSPHRASE not in str(files) and os.environ.get("NETORCH_CA_PASSPHRASE") is not None
