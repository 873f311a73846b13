"""`netorch pki status` and `netorch.pki.status(..., now=...)`: serial, expiry, days left
and state (ok, renew-due, expired, missing, revoked) of the CA and every device; exit 1
when a certificate in use is expired, missing or revoked, or does not fit."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from netorch import api, pki
from netorch.keys import Secret
from tests.pki.common import (
    CNSA_DEVICE,
    authority_of,
    cli,
    csr,
    load_cert,
    user_error,
    view_of,
)

DEVICES = ["hub-r1", "na-r1", "nb-r1", "sa-r1", "sb-r1"]


def _folder(inventory: Path) -> Path:
    return inventory.with_name("cnsa-regional.pki")


@pytest.fixture
def complete(issued: Path, ca_key: Path, tmp_path: Path,
             capsys: pytest.CaptureFixture[str]) -> Path:
    """Every device certified: derived keys issued, device keys signed from CSRs."""
    for device in CNSA_DEVICE:
        request = tmp_path / f"{device}.csr"
        request.write_bytes(csr(f"{device}.cnsa-regional"))
        assert cli(capsys, "pki", "sign", issued, device, request, "--ca-key", ca_key).code == 0
    return issued


def _states(status: pki.PkiStatus) -> dict[str, str]:
    return {name: cert.state for name, cert in status.devices.items()}


def test_table_with_missing_certificates_exits_1(issued: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "pki", "status", issued)
    assert run.code == 1, run
    lines = run.out.splitlines()
    assert lines[0].split() == ["certificate", "serial", "not", "after", "days", "state"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert sorted(rows) == sorted(["CA", *DEVICES])
    assert rows["nb-r1"][1:] == ["-", "-", "-", "missing"]
    assert rows["hub-r1"][-1] == "ok" and rows["hub-r1"][-2] in ("364", "365")
    cert = load_cert(_folder(issued) / "certs" / "hub-r1.crt")
    assert rows["hub-r1"][1] == f"{cert.serial_number:X}".rjust(len(rows["hub-r1"][1]), "0")
    assert rows["CA"][-1] == "ok"


def test_json(complete: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "pki", "status", complete, "--format", "json")
    assert run.code == 0, run
    data = json.loads(run.out)
    assert data["ca"]["state"] == "ok" and data["ca"]["key"] == "ecdsa-p384"
    assert sorted(data["devices"]) == DEVICES
    for device in DEVICES:
        entry = data["devices"][device]
        assert entry["state"] == "ok" and entry["days_left"] in (364, 365)
        assert entry["subject"] == f"CN={device}.cnsa-regional"
        assert entry["key"] == "ecdsa-p384" and entry["problems"] == []
        assert {"serial", "not_after"} <= set(entry)


def test_out_file(complete: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "status.json"
    assert cli(capsys, "pki", "status", complete, "-f", "json", "--out", out).code == 0
    assert sorted(json.loads(out.read_text())["devices"]) == DEVICES


@pytest.mark.parametrize(("days", "device_state", "ca_state", "failed"), [
    (0, "ok", "ok", False),
    (340, "renew-due", "ok", False),
    (366, "expired", "ok", True),
    (3640, "expired", "renew-due", True),
    (3651, "expired", "expired", True),
])
def test_states_at_an_injected_now(complete: Path, days: int, device_state: str,
                                   ca_state: str, failed: bool) -> None:
    found = pki.load_pki(view_of(complete))
    assert found is not None
    status = pki.status(found, now=datetime.now(UTC) + timedelta(days=days))
    assert status.ca.state == ca_state
    assert set(_states(status).values()) == {device_state}
    assert status.failed() is failed
    via_api = api.pki_status(complete, now=datetime.now(UTC) + timedelta(days=days))
    assert via_api == status


def test_renew_within(complete: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "pki", "status", complete, "--renew-within", "400", "-f", "json")
    assert run.code == 0, run
    assert {d["state"] for d in json.loads(run.out)["devices"].values()} == {"renew-due"}


def test_certificates_issued_in_the_past_are_expired(
        with_ca: Path, ca_key: Path, secret: Secret, capsys: pytest.CaptureFixture[str]) -> None:
    view, authority = authority_of(with_ca, ca_key)
    pki.issue(view, authority, secret, [m for m in view.members if m.name == "hub-r1"],
              days=30, now=datetime.now(UTC) - timedelta(days=31))
    pki.issue(view, authority, secret, [m for m in view.members if m.name == "na-r1"],
              days=40, now=datetime.now(UTC) - timedelta(days=31))
    run = cli(capsys, "pki", "status", with_ca, "-f", "json")
    assert run.code == 1
    devices = json.loads(run.out)["devices"]
    assert devices["hub-r1"]["state"] == "expired" and devices["hub-r1"]["days_left"] < 0
    assert devices["na-r1"]["state"] == "renew-due" and devices["na-r1"]["days_left"] in (8, 9)


def test_revoked(complete: Path, ca_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "pki", "revoke", complete, "sb-r1", "--ca-key", ca_key).code == 0
    run = cli(capsys, "pki", "status", complete, "-f", "json")
    assert run.code == 1
    states = {n: d["state"] for n, d in json.loads(run.out)["devices"].items()}
    assert states == {**dict.fromkeys(DEVICES, "ok"), "sb-r1": "revoked"}
    assert cli(capsys, "pki", "issue", complete, "--ca-key", ca_key).code == 0
    assert cli(capsys, "pki", "status", complete).code == 0


def test_a_certificate_that_does_not_fit(complete: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    certs = _folder(complete) / "certs"
    shutil.copy(certs / "hub-r1.crt", certs / "na-r1.crt")
    run = cli(capsys, "pki", "status", complete)
    assert run.code == 1
    assert "na-r1: its subject CN is hub-r1.cnsa-regional, not the IKE identity " \
           "na-r1.cnsa-regional" in run.out
    assert "na-r1: its SAN does not hold the IKE identity" in run.out


def test_status_needs_a_ca(fabric: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user_error(cli(capsys, "pki", "status", fabric), "no CA yet")
