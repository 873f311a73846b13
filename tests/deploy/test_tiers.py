"""Rollout in tiers: hubs first and checked with netorch's verify, then the spokes.

Real parts: netorch's plan and rendered configs of the e2e fabric (hub r1, spokes j1
and f1), deployed over SSH to the simulated devices, checked with `verify_check`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from netorch import api, cli
from netorch.deploy import DeployOptions, DeviceResult, DeviceTarget, Outcome, deploy_fabric
from netorch.deploy.targets import HUBS, MESH, SPOKES, build_targets
from netorch.deploy.tiers import (
    TierCheckResult,
    TierReport,
    inside,
    tier_problems,
    tiers_of,
    verify_check,
)
from netorch.keys import Secret
from netorch.plan.model import FabricPlan
from netorch.verify import BgpCheck, TunnelCheck, TunnelStatus, VerifyReport
from tests.deploy import test_rendered_e2e as e2e
from tests.deploy.test_rendered_e2e import CREDS, SECRET, Fabric

fabric = e2e.fabric  # the e2e fabric fixture: hub r1, spokes j1 and f1 on the simulator

PSK_ONLY = pytest.mark.parametrize("fabric", ["psk"], indirect=True)


class Recorder:
    """A `Reporter` that keeps what happened, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def start(self, total: int, title: str) -> None:
        self.events.append(f"start {title}")

    def tier(self, line: str) -> None:
        self.events.append(line)

    def device_done(self, result: DeviceResult) -> None:
        self.events.append(f"done {result.device} {result.outcome.value}")

    def finish(self) -> None:
        self.events.append("finish")


def _targets(fabric: Fabric, hubs: str = "[hub]") -> tuple[FabricPlan, list[DeviceTarget]]:
    path = fabric.inventory()
    path.write_text(path.read_text().replace("hubs: [hub]", f"hubs: {hubs}"))
    api.allocate(api.load(path), create=True)
    plan = api.plan(api.load(path))
    targets = build_targets(plan.devices, api.render(plan, Secret(SECRET)))
    return plan, [t for t in targets if t.name != "i2"]


def _index(events: list[str], prefix: str) -> int:
    return next(i for i, e in enumerate(events) if e.startswith(prefix))


@PSK_ONLY
def test_hubs_are_deployed_and_checked_before_any_spoke(fabric: Fabric, tmp_path: Path) -> None:
    plan, targets = _targets(fabric)
    check = verify_check(plan, CREDS, wait=5)
    seen: list[list[str]] = []

    def recording(deployed: Sequence[DeviceTarget]) -> TierCheckResult:
        seen.append([t.name for t in deployed])
        return check(deployed)

    recorder = Recorder()
    audit = tmp_path / "audit.jsonl"
    options = DeployOptions(commit=True, workers=3, canary=1, audit_log=audit,
                            tier_check=recording)
    result = deploy_fabric(targets, CREDS, options, recorder)
    assert result.ok, result.as_dict()
    assert seen == [["r1"]]
    events = recorder.events
    assert events[1] == "tier 1/2 hubs: 1 device (r1)"
    assert _index(events, "done r1") < _index(events, "tier 1/2 hubs checked") \
        < _index(events, "tier 2/2 spokes: 2 devices (f1, j1)") < _index(events, "done f1")
    ends = sum("r1" in (t.a.device, t.b.device) for t in plan.tunnels)
    assert result.tiers[0].checked == ("0/0 tunnel ends between deployed devices ESTABLISHED, "
                                       f"{ends}/{ends} BGP neighbours configured")
    doc = json.loads(json.dumps(result.as_dict()))
    assert {d["device"]: d["tier"] for d in doc["devices"]} == {
        "f1": SPOKES, "j1": SPOKES, "r1": HUBS}
    assert [t["tier"] for t in doc["tiers"]] == [HUBS, SPOKES]
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert {r["device"]: r["tier"] for r in records} == {"f1": SPOKES, "j1": SPOKES, "r1": HUBS}


@PSK_ONLY
def test_a_failed_hub_stops_the_rollout_before_the_spokes(fabric: Fabric,
                                                          tmp_path: Path) -> None:
    _, targets = _targets(fabric)
    fabric.sim.devices["r1"].faults.refuse = True
    options = DeployOptions(commit=True, workers=3, connect_timeout=3.0,
                            audit_log=tmp_path / "audit.jsonl")
    result = deploy_fabric(targets, CREDS, options)
    outcomes = {d.device: d.outcome for d in result.devices}
    assert outcomes == {"r1": Outcome.FAILED, "f1": Outcome.SKIPPED, "j1": Outcome.SKIPPED}
    assert result.aborted == "tier hubs failed on r1: the next tier was not touched"
    sent = fabric.sent()
    assert not [c for c in sent["f1"] + sent["j1"] if c.startswith(("conf", "config "))]


@PSK_ONLY
def test_an_unhealthy_hub_tier_stops_the_rollout(fabric: Fabric, tmp_path: Path) -> None:
    """Two hubs: their tunnel must come up before a spoke is touched; j1 never shows an SA."""
    plan, targets = _targets(fabric, "[hub, courts]")
    assert {t.name: t.tier for t in targets} == {"f1": SPOKES, "j1": HUBS, "r1": HUBS}
    fabric.sim.devices["j1"].faults.sas_down = True
    options = DeployOptions(commit=True, workers=3, audit_log=tmp_path / "audit.jsonl",
                            tier_check=verify_check(plan, CREDS, wait=1))
    result = deploy_fabric(targets, CREDS, options)
    outcomes = {d.device: d.outcome for d in result.devices}
    assert outcomes == {"r1": Outcome.COMMITTED, "j1": Outcome.COMMITTED,
                        "f1": Outcome.SKIPPED}, result.as_dict()
    assert result.aborted is not None and result.aborted.startswith(
        "tier hubs is not healthy after commit: j1: tunnel r1--j1--")
    assert result.aborted.endswith(": the next tier was not touched")
    assert result.tiers[0].problems and result.exit_code == 1


@PSK_ONLY
def test_dry_run_prints_the_tiers(fabric: Fabric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    monkeypatch.setenv("NETORCH_USERNAME", "netorch")
    monkeypatch.setenv("NETORCH_PASSWORD", "lab-pass")
    code = cli.main(["deploy", str(fabric.inventory()), "--secret-file", str(secret),
                     "--limit", "r1", "--limit", "j1", "--limit", "f1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "tier 1/2 hubs: 1 device (r1)\ntier 2/2 spokes: 2 devices (f1, j1)\nDEVICE" in out


class _Device:
    def __init__(self, name: str, hub: bool) -> None:
        self.name, self.platform, self.mgmt, self.site, self.hub = name, "p", "h", name, hub


def test_a_fabric_without_hubs_is_one_tier_and_limit_keeps_tiers() -> None:
    mesh = build_targets([_Device("b", False), _Device("a", False)], {})
    assert [(t.name, t.devices) for t in tiers_of(mesh)] == [(MESH, ("a", "b"))]
    star = build_targets([_Device("s", False), _Device("h", True)], {}, ("s",))
    assert [(t.name, t.devices) for t in tiers_of(star)] == [(SPOKES, ("s",))]


def test_tier_line_shortens_long_lists() -> None:
    names = [f"h{i}" for i in range(8)]
    assert TierReport(1, 2, HUBS, names).line() == \
        "tier 1/2 hubs: 8 devices (h0, h1, h2, h3, h4, h5, ...)"


def test_tier_problems_judge_only_the_deployed_devices() -> None:
    report = VerifyReport(
        tunnels=[TunnelCheck("h1", "h1--h2--private", TunnelStatus.DOWN, "a", "b", "no CHILD_SA"),
                 TunnelCheck("h1", "h1--s1--private", TunnelStatus.MISSING, "a", "c")],
        bgp=[BgpCheck("h1", "h1--h2--private", "100.64.0.1", "Established", 1),
             BgpCheck("h1", "h1--s1--private", "100.64.0.3", "Active", None),
             BgpCheck("h2", "h1--h2--private", "100.64.0.0", "missing", None)],
        errors={"h3": "timed out"})
    assert tier_problems(report, {"h1", "h2", "h3"}, {"h1--h2--private"}) == [
        "h3: not read: timed out",
        "h2: BGP neighbour 100.64.0.0 (h1--h2--private) not configured: the routing config "
        "is not loaded",
        "h1: tunnel h1--h2--private DOWN (no CHILD_SA)"]


@PSK_ONLY
def test_inside_names_only_tunnels_with_both_ends_deployed(fabric: Fabric) -> None:
    plan, _ = _targets(fabric, "[hub, courts]")
    ids = inside(plan, {"r1", "j1"})
    assert ids and all(i.startswith("r1--j1--") for i in ids)


class _End:
    def __init__(self, device: str) -> None:
        self.device = device


class _Tunnel:
    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = _End(a), _End(b)


def test_only_devices_with_a_peer_in_their_tier_are_kicked() -> None:
    from netorch.deploy.runner import _peers_in

    devices = [_Device("h1", True), _Device("h2", True), _Device("s1", False)]
    tunnels = [_Tunnel("h1", "h2"), _Tunnel("h1", "s1"), _Tunnel("h2", "s1")]
    by_name = {t.name: t for t in build_targets(devices, {}, tunnels=tunnels)}
    assert by_name["s1"].peers == frozenset({"h1", "h2"})
    assert _peers_in(by_name["h1"], {"h1", "h2"}) and not _peers_in(by_name["s1"], {"s1"})
    unknown = build_targets(devices, {})[0]
    assert unknown.peers is None and _peers_in(unknown, {unknown.name})
