"""Verify against simulated devices: live SAs and BGP sessions versus a small plan."""

from __future__ import annotations

from netorch.deploy import Credentials, DeployOptions, deploy_fabric
from netorch.sim.server import Simulator
from netorch.verify import TunnelStatus
from netorch.verify.live import verify_fabric
from tests.deploy.conftest import targets_for
from tests.deploy.planstub import End, Plan, Tunnel

R1 = End("r1", "100.64.0.0/31", "198.51.100.10", "198.51.100.10", 4200000011)
PLAN = Plan([
    Tunnel("r1--j1--internet", R1,
           End("j1", "100.64.0.1/31", "198.51.100.20", "198.51.100.20", 4200000012)),
    Tunnel("r1--f1--internet", End("r1", "100.64.0.2/31", "198.51.100.10", "198.51.100.10",
                                   4200000011),
           End("f1", "100.64.0.3/31", "198.51.100.30", "198.51.100.30", 4200000013)),
])


def _deployed(sim: Simulator, creds: Credentials) -> None:
    result = deploy_fabric(targets_for(sim), creds, DeployOptions(commit=True, audit_log=None))
    assert result.ok, result.as_dict()


def test_verify_reports_every_tunnel_end(sim: Simulator, creds: Credentials,
                                         monkeypatch: object) -> None:
    _deployed(sim, creds)
    sim.devices["j1"].extra_sas = [("stray", "198.51.100.20", "203.0.113.99")]  # type: ignore[attr-defined]
    report = verify_fabric(PLAN, targets_for(sim), creds, workers=3)
    got = {(t.device, t.tunnel): t.status for t in report.tunnels}
    assert got == {
        ("f1", "r1--f1--internet"): TunnelStatus.ESTABLISHED,
        ("j1", "r1--j1--internet"): TunnelStatus.ESTABLISHED,
        ("j1", "-"): TunnelStatus.UNEXPECTED,
        ("r1", "r1--f1--internet"): TunnelStatus.MISSING,  # r1's fixture has no f1 tunnel
        ("r1", "r1--j1--internet"): TunnelStatus.ESTABLISHED,
    }
    sessions = {(b.device, b.tunnel): (b.up, b.prefixes) for b in report.bgp}
    assert sessions[("j1", "r1--j1--internet")] == (True, 1)
    assert sessions[("r1", "r1--j1--internet")] == (True, 1)
    assert sessions[("f1", "r1--f1--internet")] == (True, 1)
    assert sessions[("r1", "r1--f1--internet")] == (False, None)
    assert report.exit_code == 1
    assert "UNEXPECTED" in report.table()


def test_verify_ok_and_down(sim: Simulator, creds: Credentials) -> None:
    _deployed(sim, creds)
    plan = Plan(PLAN.tunnels[:1])
    targets = targets_for(sim, ("j1", "r1"))
    assert verify_fabric(plan, targets, creds).exit_code == 0
    sim.devices["j1"].faults.sas_down = True
    report = verify_fabric(plan, targets, creds)
    assert {(t.device, t.status) for t in report.tunnels} == {
        ("j1", TunnelStatus.MISSING), ("r1", TunnelStatus.ESTABLISHED)}
    assert [b.state for b in report.bgp if b.device == "j1"] == ["Active"]
    assert report.exit_code == 1


def test_verify_unreachable_device_is_an_error(sim: Simulator, creds: Credentials) -> None:
    sim.devices["r1"].faults.reject_auth = True
    report = verify_fabric(Plan(PLAN.tunnels[:1]), targets_for(sim, ("j1", "r1")), creds)
    assert "authentication failed" in report.errors["r1"]
    assert report.exit_code == 1
