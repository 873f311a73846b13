"""What a fresh-eyes review of the PKI found, each pinned: concurrent commands, a ledger
that lost or lies about a certificate, keys bound to the CA, `pki sign` on a derived-key
device, a reused key, malformed ledger fields, a linked PKI folder, a PSK fabric, and
`pki request` for an enterprise CA."""

from __future__ import annotations

import json
import multiprocessing
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
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


# -- the second review ------------------------------------------------------------------

def _planted(path: Path, identity: str) -> ec.EllipticCurvePrivateKey:
    """A self-signed certificate for the device's identity put in place of its own."""
    key = ec.generate_private_key(ec.SECP384R1())
    path.write_bytes(_pem(enterprise_cert(identity, key.public_key(), key, identity,
                                          ca=False)))
    return key


def test_renewal_never_certifies_a_key_planted_in_certs(
        issued: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = _folder(issued) / "certs" / "sb-r1.crt"
    planted = _planted(target, "sb-r1.cnsa-regional")
    run = cli(capsys, "pki", "issue", issued, "--ca-key", ca_key, "--renew-within", "400",
              "--limit", "sb-r1")
    assert run.code == 0, run
    assert load_cert(target).public_key() != planted.public_key()
    assert load_cert(target).issuer == load_cert(_folder(issued) / "ca.crt").subject


def test_a_revoked_key_is_never_signed_again(
        with_ca: Path, ca_key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "nb.csr"
    request.write_bytes(csr("nb-r1.cnsa-regional"))
    assert cli(capsys, "pki", "sign", with_ca, "nb-r1", request, "--ca-key", ca_key).code == 0
    assert cli(capsys, "pki", "revoke", with_ca, "nb-r1", "--ca-key", ca_key).code == 0
    user_error(cli(capsys, "pki", "sign", with_ca, "nb-r1", request, "--ca-key", ca_key),
               "its key was revoked")


def test_an_issue_that_fails_writes_nothing(
        with_ca: Path, ca_key: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("NETORCH_SECRET", raising=False)
    before = (_folder(with_ca) / "index.json").read_bytes()
    user_error(cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key), "master secret")
    assert (_folder(with_ca) / "index.json").read_bytes() == before
    assert not (_folder(with_ca) / "certs").exists()


def test_a_removed_device_can_still_be_revoked(
        issued: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = issued.read_text(encoding="utf-8").replace("sb-r1", "sb-r9")
    issued.write_text(text, encoding="utf-8")
    run = cli(capsys, "pki", "revoke", issued, "sb-r1", "--ca-key", ca_key)
    assert run.code == 0 and "sb-r1: revoked" in run.out, run
    folder = _folder(issued)
    done = openssl_verify(folder / "ca.crt", folder / "certs" / "sb-r1.crt", folder / "crl.pem")
    assert done.returncode != 0


def test_a_ledger_listing_a_serial_twice_is_refused(
        issued: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = _ledger(issued)
    first = dict(ledger["certificates"][0])  # type: ignore[index]
    ledger["certificates"].append({**first, "device": "na-r1"})  # type: ignore[attr-defined]
    (_folder(issued) / "index.json").write_text(json.dumps(ledger))
    user_error(cli(capsys, "pki", "revoke", issued, "na-r1", "--ca-key", ca_key),
               "listed twice")


@pytest.mark.parametrize(("field", "value"), [("fabric", "other-fabric"), ("ca", "AB")])
def test_a_ledger_of_another_fabric_or_ca_is_refused(
        issued: Path, ca_key: Path, field: str, value: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    ledger = _ledger(issued)
    if field == "ca":
        ledger["ca"]["serial"] = value  # type: ignore[index]
    else:
        ledger[field] = value
    (_folder(issued) / "index.json").write_text(json.dumps(ledger))
    for args in (("status", issued), ("issue", issued, "--ca-key", ca_key),
                 ("revoke", issued, "hub-r1", "--ca-key", ca_key)):
        user_error(cli(capsys, "pki", *args), "belongs to another fabric or CA")


def test_a_crl_the_ca_did_not_sign_revokes_nothing(
        issued: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(issued)
    ca = load_cert(folder / "ca.crt")
    stranger = ec.generate_private_key(ec.SECP384R1())
    hub = load_cert(folder / "certs" / "hub-r1.crt")
    now = datetime.now(UTC)
    forged = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
              .last_update(now).next_update(now + timedelta(days=9))
              .add_revoked_certificate(x509.RevokedCertificateBuilder()
                                       .serial_number(hub.serial_number)
                                       .revocation_date(now).build())
              .sign(stranger, hashes.SHA384()))
    (folder / "crl.pem").write_bytes(forged.public_bytes(serialization.Encoding.PEM))
    run = cli(capsys, "pki", "status", issued, "--format", "json")
    status = json.loads(run.out)
    assert status["devices"]["hub-r1"]["state"] == "ok"
    assert any("not signed by the fabric CA" in p for p in status["ca"]["problems"])
    assert run.code == 1


def test_a_certificate_of_another_ca_is_not_put_on_this_crl(
        issued: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(issued)
    before = len(_ledger(issued)["certificates"])  # type: ignore[arg-type]
    assert cli(capsys, "pki", "revoke", issued, "sb-r1", "--ca-key", ca_key).code == 0
    _planted(folder / "certs" / "sb-r1.crt", "sb-r1.cnsa-regional")
    user_error(cli(capsys, "pki", "revoke", issued, "sb-r1", "--ca-key", ca_key),
               "no certificate in force")
    assert len(_ledger(issued)["certificates"]) == before  # type: ignore[arg-type]


def test_the_ca_key_path_expands_a_tilde(
        fabric: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NETORCH_CA_KEY", "~/.netorch/ca.key")
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "pki", "init", fabric).code == 0
    assert (tmp_path / "home" / ".netorch" / "ca.key").is_file()
    assert not (tmp_path / "~").exists()


def test_a_passphrase_in_any_encoding(
        fabric: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(os.environb, b"NETORCH_CA_PASSPHRASE", b"\xff\xfe a long passphrase here")
    assert cli(capsys, "pki", "init", fabric, "--ca-key", tmp_path / "k" / "ca.key").code == 0


def test_a_certificate_subject_cannot_write_to_the_terminal(
        fabric: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    hostile = "CA\x1b]0;pwned\x07\n::error::x"
    (tmp_path / "eca.crt").write_bytes(_pem(enterprise_cert(hostile, key.public_key(), key,
                                                            hostile, ca=True)))
    run = cli(capsys, "pki", "init", fabric, "--ca-cert", tmp_path / "eca.crt")
    assert run.code == 0, run
    assert "\x1b" not in run.out and "\x07" not in run.out
    assert not any(line.startswith("::error::") for line in run.out.splitlines())


def _init(args: tuple[str, str]) -> int:
    from netorch.cli import main

    inventory, key = args
    return main(["pki", "init", inventory, "--ca-key", key])


def test_two_inits_at_once_make_one_ca(fabric: Path, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        codes = pool.map(_init, [(str(fabric), str(tmp_path / f"k{i}" / "ca.key"))
                                 for i in range(2)])
    assert sorted(codes) == [0, 1]
    made = [i for i in range(2) if (tmp_path / f"k{i}" / "ca.key").exists()]
    assert len(made) == 1
