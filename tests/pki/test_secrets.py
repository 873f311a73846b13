"""No secret (the CA passphrase, the master secret, a private key) in any PKI command's
output, in the PKI folder, or in an exception's text; every mistake is one clean line."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch import pki
from netorch.errors import UserError
from netorch.keys import SECRET_ENV
from netorch.pki.authority import PASSPHRASE_ENV
from tests.pki.common import PASSPHRASE, SECRET, SECRETS, cli, csr, user_error, view_of


def test_a_whole_life_prints_no_secret(fabric: Path, ca_key: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`cli` fails on a secret or a traceback in any output; the PKI folder holds none."""
    (tmp_path / "nb.csr").write_bytes(csr("nb-r1.cnsa-regional"))
    key = ("--ca-key", ca_key)
    for args in (["init", fabric, *key], ["issue", fabric, *key],
                 ["sign", fabric, "nb-r1", tmp_path / "nb.csr", *key],
                 ["revoke", fabric, "hub-r1", *key], ["issue", fabric, *key],
                 ["status", fabric], ["status", fabric, "-f", "json"]):
        assert cli(capsys, "pki", *args).code in (0, 1)
    for path in fabric.with_name("cnsa-regional.pki").rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert not any(s in text for s in SECRETS), path
    assert PASSPHRASE.encode() not in ca_key.read_bytes()


@pytest.mark.parametrize("passphrase", ["wrong but long passphrase", "x" * 3, ""])
def test_mistakes_with_passphrases_name_no_passphrase(
        with_ca: Path, ca_key: Path, passphrase: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, passphrase)
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key)
    user_error(run)
    assert len(run.err.strip().splitlines()) == 1
    if passphrase:
        assert passphrase not in run.text


def test_exceptions_hold_no_secret(with_ca: Path, ca_key: Path) -> None:
    view = view_of(with_ca)
    wrong = pki.CaKeyFile(ca_key, b"the wrong passphrase, long")
    assert "wrong passphrase" not in repr(wrong) and "redacted" in repr(wrong)
    with pytest.raises(UserError) as caught:
        pki.open_authority(view, wrong)
    assert "the wrong passphrase" not in str(caught.value)
    assert PASSPHRASE not in repr(pki.CaKeyFile(ca_key, PASSPHRASE.encode()))


def test_wrong_master_secret_is_not_echoed(with_ca: Path, ca_key: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "short")
    run = cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key)
    user_error(run, "master secret")
    assert "short" not in run.err.replace("too short", "")
    assert SECRET not in run.text
