"""`lab up` / `lab test` / `lab status` / `lab verify` / `lab down` through netorch's own
pipeline: plan, render (dataplane=lab), deploy over SSH to each namespace's sshd, verify
over SSH. One lab for the module; the last test breaks it (a stopped charon), the
module's teardown removes it."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch import cli
from netorch.inventory import load
from netorch.lab import LabUpResult, lab_down, lab_status, runtime
from netorch.lab.names import lab_tag
from netorch.lab.state import load_state
from netorch.lab.teardown import lab_namespaces, lab_root_links

from .conftest import FIXTURES, module_lab

pytestmark = pytest.mark.lab
INVENTORY = FIXTURES / "three-site.yaml"
LAB = "t-pipeline"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabUpResult, Path]]:
    with module_lab(tmp_path_factory, INVENTORY, LAB) as made:
        yield made


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def test_up_deploys_every_device_over_ssh(up: tuple[LabUpResult, Path]) -> None:
    result, _ = up
    assert result.ok, result.deploy.as_dict()
    assert {d.device for d in result.deploy.devices} == {"hub-r1", "spoke-a-r1", "spoke-b-r1"}
    assert all(d.outcome.value == "committed" for d in result.deploy.devices)
    assert result.ssh_config.is_file()


def test_lab_test_cli_passes_every_check(up: tuple[LabUpResult, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _, root = up
    code, out = _cli(capsys, "lab", "test", str(INVENTORY), "--lab", LAB, "--workdir",
                     str(root))
    print(out)
    marks = [line.split()[:2] for line in out.splitlines() if line[:4] in ("PASS", "FAIL")]
    assert marks == [["PASS", c] for c in ("ike", "bgp", "ping", "capture", "symmetry",
                                           "failover")], out
    assert "(netorch verify over SSH)" in out
    assert code == 0 and f"lab {LAB}: all checks passed" in out


def test_status_reports_daemons_and_sessions(up: tuple[LabUpResult, Path]) -> None:
    _, root = up
    status = lab_status(INVENTORY, lab=LAB, root=root)
    assert status.runtime.healthy and status.exit_code == 0
    assert {d.role for d in status.runtime.daemons} == {"charon", "zebra", "bgpd", "bfdd",
                                                        "staticd", "sshd"}
    assert {s.device: s.sas_up for s in status.sessions} == {
        "hub-r1": 4, "spoke-a-r1": 2, "spoke-b-r1": 2}


def test_status_cli(up: tuple[LabUpResult, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, root = up
    code, out = _cli(capsys, "lab", "status", str(INVENTORY), "--lab", LAB, "--workdir",
                     str(root))
    assert code == 0, out
    assert f"lab {LAB}: up" in out and "daemons: 18/18 running" in out
    assert "hub-r1" in out and "BGP 4/4" in out


def test_verify_cli_json_every_tunnel_established(
        up: tuple[LabUpResult, Path], capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    _, root = up
    code, out = _cli(capsys, "lab", "verify", str(INVENTORY), "--lab", LAB, "--workdir",
                     str(root), "--format", "json", "--wait", "10")
    report = json.loads(out)
    assert code == 0 and report["ok"] and not report["errors"], out
    assert len(report["tunnels"]) == 8  # 4 tunnels, both ends
    assert {t["status"] for t in report["tunnels"]} == {"ESTABLISHED"}
    assert all(b["up"] and b["prefixes"] for b in report["bgp"])
    state = tmp_path / "verify.json"
    state.write_text(out)
    code, out = _cli(capsys, "report", str(INVENTORY), "-f", "json", "--state", str(state))
    live = json.loads(out)["state"]
    assert code == 0 and {t["status"] for t in live["tunnels"]} == {"ESTABLISHED"}
    assert len(live["sessions"]) == 8 and all(s["state"] == "up" for s in live["sessions"])


def test_verify_cli_table_as_netorch_verify(up: tuple[LabUpResult, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _, root = up
    code, out = _cli(capsys, "lab", "verify", str(INVENTORY), "--lab", LAB, "--workdir",
                     str(root))
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["DEVICE", "TUNNEL", "IKE/IPSEC", "BGP",
                                                 "PREFIXES"], out
    assert len(lines) == 9 and all("ESTABLISHED  Established" in line for line in lines[1:])


def test_stopped_charon_fails_verify_and_test_naming_its_tunnels(
        up: tuple[LabUpResult, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Destructive, so last: the module's teardown removes the broken lab."""
    _, root = up
    state = load_state(root / LAB)
    assert state is not None
    [charon] = [p for p in state.procs if p.device == "spoke-a-r1" and p.role == "charon"]
    os.kill(charon.pid, signal.SIGTERM)
    broken = {"hub-r1--spoke-a-r1--private", "hub-r1--spoke-a-r1--internet"}
    args = ("--lab", LAB, "--workdir", str(root))
    code, out = _cli(capsys, "lab", "verify", str(INVENTORY), *args, "--format", "json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert {t["tunnel"] for t in report["tunnels"] if t["device"] == "spoke-a-r1"
            and t["status"] == "MISSING"} == broken
    assert {t["tunnel"] for t in report["tunnels"] if t["status"] != "ESTABLISHED"} <= broken
    code, out = _cli(capsys, "lab", "test", str(INVENTORY), *args, "--no-failover",
                     "--wait", "2")
    assert code == 1 and f"lab {LAB}: checks failed" in out, out
    ike = out[out.index("FAIL  ike"):out.index("  bgp")]
    assert all(f"spoke-a-r1: {t} MISSING" in ike for t in broken), out


def test_down_removes_everything_and_is_idempotent(tmp_path: Path) -> None:
    lab = "t-down"
    runtime.start(load(INVENTORY), lab, tmp_path)
    tag = lab_tag(lab)
    assert lab_namespaces(tag)
    removed = lab_down(lab=lab, root=tmp_path).removed
    assert any(r.startswith("netns ") for r in removed)
    assert not lab_namespaces(tag) and not lab_root_links(tag)
    assert not (tmp_path / lab).exists()
    assert lab_down(lab=lab, root=tmp_path).removed == []
