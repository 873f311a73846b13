"""Injected faults, one test each, on every simulated CLI platform.

After every fault the device must be on its old config (the exact text it had, or
its new one where stated), the result must say what happened, no key may appear in
the result, and the run exits 1.
"""

from __future__ import annotations

import json
import socket

import pytest

from netorch.deploy import (
    ConfigState,
    Credentials,
    DeployOptions,
    DeployResult,
    DeviceResult,
    Outcome,
    deploy_fabric,
)
from netorch.deploy.driver import Driver
from netorch.sim.server import Simulator
from tests.deploy.conftest import PSKS, rendered, targets_for

PLATFORMS = {"r1": "cisco_iosxe", "j1": "juniper_junos", "f1": "fortinet_fortios"}
# a line in the middle of each device's push, after other lines have been applied
MID_PUSH = {"r1": r"^tunnel destination", "j1": r"^set interfaces st0",
            "f1": r"^set remote-ip"}
FAST = {"timeout": 2.0, "connect_timeout": 3.0}


def _deploy(sim: Simulator, creds: Credentials, name: str, **options: object) -> DeviceResult:
    opts = DeployOptions(commit=True, audit_log=None, **{**FAST, **options})  # type: ignore[arg-type]
    result = deploy_fabric(targets_for(sim, (name,)), creds, opts)
    _assert_safe(result)
    assert result.exit_code == 1
    return result.devices[0]


def _assert_safe(result: DeployResult) -> None:
    text = json.dumps(result.as_dict())
    assert all(psk not in text for psk in PSKS), text


@pytest.fixture(autouse=True)
def _audit_in_tmp(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETORCH_AUDIT_LOG", f"{tmp_path}/audit.jsonl")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_unreachable(sim: Simulator, creds: Credentials, name: str) -> None:
    sim.devices[name].port = _free_port()  # nothing listens there
    result = _deploy(sim, creds, name)
    assert (result.outcome, result.state) == (Outcome.FAILED, ConfigState.OLD)
    port = sim.devices[name].port
    assert result.error is not None and f"cannot connect to 127.0.0.1:{port}" in result.error
    assert "mgmt:" in result.error  # says what to check, not just that it failed


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_auth_failure(sim: Simulator, creds: Credentials, name: str) -> None:
    before = sim.devices[name].running_text()
    sim.devices[name].faults.reject_auth = True
    result = _deploy(sim, creds, name)
    assert (result.outcome, result.state) == (Outcome.FAILED, ConfigState.OLD)
    assert result.error is not None and "authentication failed" in result.error
    assert sim.devices[name].running_text() == before


@pytest.mark.parametrize("fault", ["hang_on", "drop_on"])
@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_timeout_or_drop_mid_push(sim: Simulator, creds: Credentials, name: str,
                                  fault: str) -> None:
    device = sim.devices[name]
    before = device.running_text()
    setattr(device.faults, fault, MID_PUSH[name])
    result = _deploy(sim, creds, name)
    assert device.faults.fired, "the fault never fired"
    assert result.state is ConfigState.OLD, result.steps
    assert device.running_text() == before
    word = "timed out" if fault == "hang_on" else "SSH session lost"
    assert result.error is not None and word in result.error
    if name == "j1":  # the candidate never reached the active config
        assert result.outcome is Outcome.FAILED and result.rollback is None
    else:  # lines already applied were undone
        assert result.outcome is Outcome.ROLLED_BACK and result.rollback == "explicit"


BAD_LINE = {"r1": (" group 20", " group 20 99"),
            "j1": ("dh-group group20", "dh-group group99"),
            "f1": ("set dhgrp 20\n        set remote-gw", "set dhgrp 99\n        set remote-gw")}


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_rejected_line(sim: Simulator, creds: Credentials, name: str) -> None:
    device = sim.devices[name]
    before = device.running_text()
    files = rendered(name)
    key = next(iter(files))
    old, new = BAD_LINE[name]
    files[key] = files[key].replace(old, new)
    opts = DeployOptions(commit=True, **FAST)  # type: ignore[arg-type]
    result = deploy_fabric(targets_for(sim, (name,), {name: files}), creds, opts).devices[0]
    assert result.state is ConfigState.OLD, result.steps
    assert device.running_text() == before
    assert result.error is not None and "rejected" in result.error
    expected = Outcome.FAILED if name == "j1" else Outcome.ROLLED_BACK
    assert result.outcome is expected


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_device_fails_check_after_commit(sim: Simulator, creds: Credentials, name: str) -> None:
    device = sim.devices[name]
    before = device.running_text()
    device.faults.ignore_on_commit = {"r1": r"^tunnel protection", "j1": r"bind-interface",
                                      "f1": r"^set remote-gw"}[name]
    result = _deploy(sim, creds, name)
    assert (result.outcome, result.state) == (Outcome.ROLLED_BACK, ConfigState.OLD)
    assert result.rollback == "explicit"
    assert result.error is not None and "missing from the running config" in result.error
    assert device.running_text() == before


def test_failed_post_check_rolls_back_a_committed_change(sim: Simulator,
                                                         creds: Credentials) -> None:
    def tunnels_down(driver: Driver) -> list[str]:
        return [f"{driver.target.name}: tunnel r1--j1--internet DOWN"]

    before = sim.devices["j1"].running_text()
    result = _deploy(sim, creds, "j1", post_check=tunnels_down)
    assert (result.outcome, result.state) == (Outcome.ROLLED_BACK, ConfigState.OLD)
    assert "tunnel r1--j1--internet DOWN" in (result.error or "")
    assert sim.devices["j1"].running_text() == before


def test_max_failures_stops_the_rest(sim: Simulator, creds: Credentials) -> None:
    sim.devices["f1"].faults.reject_auth = True  # f1 sorts first and runs alone (1 worker)
    before = {n: d.running_text() for n, d in sim.devices.items()}
    opts = DeployOptions(commit=True, workers=1, max_failures=1, **FAST)  # type: ignore[arg-type]
    result = deploy_fabric(targets_for(sim), creds, opts)
    assert [(r.device, r.outcome) for r in result.devices] == [
        ("f1", Outcome.FAILED), ("j1", Outcome.SKIPPED), ("r1", Outcome.SKIPPED)]
    assert result.aborted is not None and "max-failures 1" in result.aborted
    assert result.exit_code == 1
    assert {n: d.running_text() for n, d in sim.devices.items()} == before


def test_canary_failure_stops_the_fabric(sim: Simulator, creds: Credentials) -> None:
    sim.devices["f1"].faults.drop_on = MID_PUSH["f1"]
    opts = DeployOptions(commit=True, workers=3, canary=1, **FAST)  # type: ignore[arg-type]
    result = deploy_fabric(targets_for(sim), creds, opts)
    outcomes = {r.device: r.outcome for r in result.devices}
    assert outcomes == {"f1": Outcome.ROLLED_BACK, "j1": Outcome.SKIPPED,
                        "r1": Outcome.SKIPPED}
    assert result.aborted is not None and "canary failed on f1" in result.aborted


def test_canary_success_deploys_the_rest(sim: Simulator, creds: Credentials) -> None:
    opts = DeployOptions(commit=True, workers=3, canary=1, **FAST)  # type: ignore[arg-type]
    result = deploy_fabric(targets_for(sim), creds, opts)
    assert result.exit_code == 0
    assert [r.outcome for r in result.devices] == [Outcome.COMMITTED] * 3


def test_psk_line_timeout_does_not_leak_the_key(sim: Simulator, creds: Credentials) -> None:
    sim.devices["r1"].faults.hang_on = r"pre-shared-key local"
    result = _deploy(sim, creds, "r1")
    assert result.state is ConfigState.OLD
