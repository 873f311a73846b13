"""A device with a conflict gets nothing, says why and how to resolve it, and fails the
run (exit 1), while every other device deploys as usual."""

from __future__ import annotations

import json
from pathlib import Path

from netorch.deploy import Credentials, DeployOptions, Outcome, deploy_fabric, diff_fabric
from netorch.sim.server import Simulator
from tests.deploy.conftest import targets_for

OPERATOR_BGP = """router bgp 64999
 bgp log-neighbor-changes
 neighbor 192.0.2.77 remote-as 64998
!
"""


def _with_operator_bgp(sim: Simulator) -> str:
    device = sim.devices["r1"]
    text = device.running_text() + OPERATOR_BGP
    sim.call(device.load_text, text)
    return str(sim.call(device.running_text))


def test_a_conflicting_device_gets_nothing_and_the_others_deploy(
        sim: Simulator, creds: Credentials, audit_file: Path) -> None:
    before = _with_operator_bgp(sim)
    options = DeployOptions(commit=True, workers=3, audit_log=audit_file)
    result = deploy_fabric(targets_for(sim), creds, options)
    outcomes = {r.device: r.outcome for r in result.devices}
    assert outcomes == {"f1": Outcome.COMMITTED, "j1": Outcome.COMMITTED,
                        "r1": Outcome.CONFLICT}
    assert result.exit_code == 1
    r1 = next(r for r in result.devices if r.device == "r1")
    assert r1.state.value == "old" and r1.conflicts
    assert any("64999" in c["line"] and "asn: 64999" in c["resolve"] for c in r1.conflicts)
    assert sim.call(sim.devices["r1"].running_text) == before
    assert not any(c.startswith(("configure", "copy ")) for c in sim.devices["r1"].commands)
    records = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert {r["device"]: r["result"] for r in records}["r1"] == "conflict"


def test_diff_shows_the_conflict_with_its_resolution(sim: Simulator,
                                                     creds: Credentials) -> None:
    _with_operator_bgp(sim)
    result = diff_fabric(targets_for(sim, ("r1",)), creds)
    (r1,) = result.devices
    assert r1.outcome is Outcome.CONFLICT and result.exit_code == 1
    assert r1.diff  # what would have been sent is still shown
    assert r1.as_dict()["conflicts"] == r1.conflicts


def test_a_running_config_read_cut_short_is_never_planned_from(sim: Simulator) -> None:
    """Each driver knows what a whole read looks like; a cut one (which would hide the
    operator's BGP process, and so every conflict with it) is refused before planning."""
    from netorch.deploy.driver import driver_for

    for name, device in sim.devices.items():
        driver = driver_for(device.platform)
        assert driver is not None
        whole = str(sim.call(device.running_text))
        assert driver.complete(whole), name
        cut = whole[: len(whole) // 2].rsplit("\n", 2)[0] + "\n"
        assert not driver.complete(cut) or device.platform == "juniper_junos", name
        assert not driver.complete(""), name
