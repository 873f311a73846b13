"""A certificate fabric deployed over SSH into the simulated FortiGate: the PEM values go
line by line, the device keeps the key encrypted, a redeploy sends nothing, and no line of
the device's key is ever in a diff, a result, an error or the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from netorch.deploy import (
    Credentials,
    DeployOptions,
    DeviceTarget,
    Outcome,
    deploy_fabric,
    diff_fabric,
)
from netorch.keys import SecretText
from netorch.platforms.fortinet_fortios import config as fortios
from netorch.platforms.fortinet_fortios.sim import FortiOsDevice
from netorch.sim.server import Simulator
from tests.platforms.test_fortios_pki import DEVICE, device_pki, make_pki, render

CREDS = Credentials("netorch", "lab-pass")


def _target(device: FortiOsDevice, text: str) -> DeviceTarget:
    return DeviceTarget(DEVICE, "fortinet_fortios", "127.0.0.1", device.port, "essex-basildon",
                        {"config.fortios": text})


def _secret_lines(text: str) -> list[str]:
    body = text.split("-----BEGIN PRIVATE KEY-----\n", 1)[1].split("-----END", 1)[0]
    return [line for line in body.splitlines() if line]


def test_deploy_diff_and_redeploy_never_show_the_key(tmp_path: Path) -> None:
    intended = render(device_pki(make_pki()))
    assert isinstance(intended, SecretText)
    secret = _secret_lines(intended)
    device = FortiOsDevice(DEVICE)
    audit = tmp_path / "audit.jsonl"
    options = DeployOptions(commit=True, workers=1, audit_log=audit)
    with Simulator([device]) as sim:
        dry = diff_fabric([_target(device, intended)], CREDS).devices[0]
        assert dry.outcome is Outcome.WOULD_CHANGE, dry.as_dict()
        first = deploy_fabric([_target(device, intended)], CREDS, options).devices[0]
        assert first.outcome is Outcome.COMMITTED, first.as_dict()
        running = sim.call(device.running_text)
        again = deploy_fabric([_target(device, intended)], CREDS, options).devices[0]
        assert again.outcome is Outcome.UNCHANGED, again.as_dict()
    assert 'edit "netorch-esx-basildon-r1"' in running and fortios.ENCRYPTED_KEY in running
    assert 'set certificate "netorch-esx-basildon-r1"' in running
    assert "+        set private-key <redacted>" in dry.diff
    shown = json.dumps([r.as_dict() for r in (dry, first, again)]) + audit.read_text()
    assert not [line for line in secret if line in shown]
    assert not [line for line in secret if line in running]  # kept encrypted


def test_a_refused_key_fails_the_push_without_quoting_it(tmp_path: Path) -> None:
    """The device refuses the key (its lines echo back in the answer): the deploy reports
    the refusal, takes back what it pushed, and quotes no line of the key."""
    intended = render(device_pki(make_pki()))
    secret = _secret_lines(intended)
    broken = SecretText(intended.replace(secret[-1], secret[-1][:-8] + "AAAAAAAA"))
    device = FortiOsDevice(DEVICE)
    options = DeployOptions(commit=True, workers=1, audit_log=tmp_path / "audit.jsonl")
    with Simulator([device]) as sim:
        result = deploy_fabric([_target(device, broken)], CREDS, options).devices[0]
        running = sim.call(device.running_text)
    assert result.error is not None and "rejected a line" in result.error
    assert result.rollback == "explicit"
    shown = json.dumps(result.as_dict()) + (tmp_path / "audit.jsonl").read_text()
    assert not [line for line in _secret_lines(broken) if line in shown]
    assert "vpn certificate" not in running  # the certificates pushed were taken back
