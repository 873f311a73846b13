"""The ledger (`index.json`) and the CRL through the Python API: every certificate
netorch made is listed, and a revoke leaves no certificate of the device in force."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from netorch import pki
from netorch.keys import Secret
from tests.pki.common import authority_of, cli, csr, load_cert, openssl_verify, user_error


def _devices(inventory: Path) -> list[str]:
    ledger = json.loads((inventory.with_name("cnsa-regional.pki") / "index.json").read_text())
    return [c["device"] for c in ledger["certificates"]]


def test_ledger_lists_every_certificate(issued: Path, ca_key: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "nb.csr").write_bytes(csr("nb-r1.cnsa-regional"))
    assert cli(capsys, "pki", "sign", issued, "nb-r1", tmp_path / "nb.csr",
               "--ca-key", ca_key).code == 0
    assert cli(capsys, "pki", "revoke", issued, "na-r1", "--ca-key", ca_key).code == 0
    assert cli(capsys, "pki", "issue", issued, "--ca-key", ca_key).code == 0
    assert _devices(issued) == ["hub-r1", "na-r1", "sb-r1", "nb-r1", "na-r1"]


def test_one_authority_for_several_operations(with_ca: Path, ca_key: Path, tmp_path: Path,
                                              secret: Secret) -> None:
    view, authority = authority_of(with_ca, ca_key)
    pki.issue(view, authority, secret, list(view.members))
    (tmp_path / "nb.csr").write_bytes(csr("nb-r1.cnsa-regional"))
    member = view.member("nb-r1")
    assert member is not None
    pki.sign(view, authority, member, tmp_path / "nb.csr")
    hub = view.member("hub-r1")
    assert hub is not None
    pki.revoke(view, authority, hub)  # the ledger is read afresh: hub-r1's record is there
    assert sorted(_devices(with_ca)) == ["hub-r1", "na-r1", "nb-r1", "sb-r1"]


def test_issue_re_signs_a_crl_that_is_due(with_ca: Path, ca_key: Path) -> None:
    view, authority = authority_of(with_ca, ca_key)
    crl_file = with_ca.with_name("cnsa-regional.pki") / "crl.pem"
    before = x509.load_pem_x509_crl(crl_file.read_bytes())
    assert pki.issue(view, authority, None, []).done == []
    later = datetime.now(UTC) + timedelta(days=340)
    done = pki.issue(view, authority, None, [], now=later).done
    assert done == ["CRL: re-signed (number 2), valid for 365 days"]
    after = x509.load_pem_x509_crl(crl_file.read_bytes())
    assert after.next_update_utc is not None and before.next_update_utc is not None
    assert after.next_update_utc - before.next_update_utc > timedelta(days=339)
    assert after.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2


def test_revoke_leaves_no_certificate_of_the_device_in_force(
        with_ca: Path, ca_key: Path, secret: Secret) -> None:
    view, authority = authority_of(with_ca, ca_key)
    hub = [m for m in view.members if m.name == "hub-r1"]
    pki.issue(view, authority, secret, hub, now=datetime.now(UTC) - timedelta(days=340))
    folder = with_ca.with_name("cnsa-regional.pki")
    (tmp := folder.parent / "old-hub-r1.crt").write_bytes((folder / "certs" / "hub-r1.crt")
                                                          .read_bytes())
    view, authority = authority_of(with_ca, ca_key)
    assert pki.issue(view, authority, secret, hub).done[0].startswith("hub-r1: renewed")
    assert load_cert(tmp).public_key() == load_cert(folder / "certs" / "hub-r1.crt").public_key()
    view, authority = authority_of(with_ca, ca_key)
    pki.revoke(view, authority, hub[0])
    done = openssl_verify(folder / "ca.crt", tmp, folder / "crl.pem")
    assert done.returncode != 0, "the renewed-away certificate (same key, 25 days left) " \
                                 "still verifies against the CRL"


@pytest.mark.parametrize(("file", "needle"), [
    ("index.json", "not a netorch PKI index"), ("ca.crt", "not a PEM certificate"),
    ("certs/hub-r1.crt", "not a PEM certificate"),
    ("crl.pem", "not a PEM certificate revocation list")])
def test_damaged_files_are_clean_errors(issued: Path, ca_key: Path, file: str, needle: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (issued.with_name("cnsa-regional.pki") / file).write_text("{\"damaged\": true}\n")
    user_error(cli(capsys, "pki", "status", issued), Path(file).name, needle)
    run = cli(capsys, "pki", "revoke", issued, "na-r1", "--ca-key", ca_key)
    assert run.code in (0, 1) and "Traceback" not in run.err
