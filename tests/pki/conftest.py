"""Fixtures of the PKI tests: a single-file CNSA certificate fabric in a temporary
folder, its CA key outside it, the passphrase and master secret in the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch.keys import SECRET_ENV, Secret
from netorch.pki.authority import CA_KEY_ENV, PASSPHRASE_ENV
from tests.pki.common import PASSPHRASE, SECRET, cli, cnsa_fabric


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.delenv(CA_KEY_ENV, raising=False)


@pytest.fixture
def fabric(tmp_path: Path) -> Path:
    """cnsa-regional (certificates) at tmp_path/inv/cnsa-regional.yaml; no PKI yet."""
    return cnsa_fabric(tmp_path / "inv")


@pytest.fixture
def ca_key(tmp_path: Path) -> Path:
    """Where the CA key goes: tmp_path/keys/ca.key (outside the inventory)."""
    return tmp_path / "keys" / "ca.key"


@pytest.fixture
def with_ca(fabric: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """`fabric` after `netorch pki init`."""
    assert cli(capsys, "pki", "init", fabric, "--ca-key", ca_key).code == 0
    return fabric


@pytest.fixture
def issued(with_ca: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """`fabric` after `pki init` and `pki issue` (derived-key devices certified)."""
    assert cli(capsys, "pki", "issue", with_ca, "--ca-key", ca_key).code == 0
    return with_ca


@pytest.fixture
def secret() -> Secret:
    return Secret(SECRET.encode())

