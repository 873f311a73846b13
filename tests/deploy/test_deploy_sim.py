"""Diff, dry run, commit and no-change redeploy against every simulated CLI platform."""

from __future__ import annotations

import json
from pathlib import Path

from netorch.deploy import Credentials, DeployOptions, Outcome, deploy_fabric, diff_fabric
from netorch.sim.server import Simulator
from tests.deploy.conftest import PSKS, targets_for


def test_diff_shows_changes_and_sends_nothing(sim: Simulator, creds: Credentials) -> None:
    before = {n: d.running_text() for n, d in sim.devices.items()}
    result = diff_fabric(targets_for(sim), creds, workers=3)
    assert [r.outcome for r in result.devices] == [Outcome.WOULD_CHANGE] * 3
    assert result.exit_code == 0
    assert "+interface Tunnel1" in result.devices[2].diff
    assert {n: d.running_text() for n, d in sim.devices.items()} == before
    assert not any(c.startswith(("configure", "config ")) for d in sim.devices.values()
                   for c in d.commands)


def test_commit_then_redeploy_pushes_nothing(sim: Simulator, creds: Credentials,
                                             audit_file: Path) -> None:
    options = DeployOptions(commit=True, workers=3, audit_log=audit_file)
    first = deploy_fabric(targets_for(sim), creds, options)
    assert [(r.device, r.outcome, r.state.value) for r in first.devices] == [
        ("f1", Outcome.COMMITTED, "new"), ("j1", Outcome.COMMITTED, "new"),
        ("r1", Outcome.COMMITTED, "new")], [r.as_dict() for r in first.devices]
    assert "interface Tunnel1" in sim.devices["r1"].running_text()
    assert "security ike gateway netorch-st0-1001 address 198.51.100.10" in \
        sim.devices["j1"].running_text()
    for device in sim.devices.values():
        device.commands.clear()
    second = deploy_fabric(targets_for(sim), creds, options)
    assert [r.outcome for r in second.devices] == [Outcome.UNCHANGED] * 3
    sent = [c for d in sim.devices.values() for c in d.commands if not c.startswith("set cli")]
    assert not any(c.startswith(("configure", "config ", "copy ", "set ")) for c in sent), sent
    records = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert len(records) == 6
    assert {r["result"] for r in records} == {"committed", "unchanged"}
    assert all(p not in audit_file.read_text() for p in PSKS)


def test_diff_redacts_keys(sim: Simulator, creds: Credentials) -> None:
    result = diff_fabric(targets_for(sim), creds)
    text = json.dumps(result.as_dict())
    assert "<redacted>" in text
    assert all(p not in text for p in PSKS)
