"""`lab up` / `lab test` / `lab status` / `lab down` through netorch's own pipeline:
plan, render (dataplane=lab), deploy over SSH to each namespace's sshd."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch.inventory import load
from netorch.lab import LabUpResult, lab_down, lab_status, lab_test, lab_up, runtime
from netorch.lab.names import lab_tag
from netorch.lab.teardown import lab_namespaces, lab_root_links

from .conftest import FIXTURES

pytestmark = pytest.mark.lab
INVENTORY = FIXTURES / "three-site.yaml"
LAB = "t-pipeline"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabUpResult, Path]]:
    root = tmp_path_factory.mktemp("labs")
    try:
        yield lab_up(INVENTORY, lab=LAB, root=root), root
    finally:
        runtime.stop(LAB, root)


def test_up_deploys_every_device_over_ssh(up: tuple[LabUpResult, Path]) -> None:
    result, _ = up
    assert result.ok, result.deploy.as_dict()
    assert {d.device for d in result.deploy.devices} == {"hub-r1", "spoke-a-r1", "spoke-b-r1"}
    assert all(d.outcome.value == "committed" for d in result.deploy.devices)
    assert result.ssh_config.is_file()


def test_lab_test_passes_every_check(up: tuple[LabUpResult, Path]) -> None:
    _, root = up
    result = lab_test(INVENTORY, lab=LAB, root=root)
    report = {c.name: (c.ok, c.summary, c.details) for c in result.checks}
    print(report)
    assert [c.name for c in result.checks] == ["ike", "bgp", "ping", "capture", "failover"]
    assert result.ok and result.exit_code == 0, report


def test_status_reports_daemons_and_sessions(up: tuple[LabUpResult, Path]) -> None:
    _, root = up
    status = lab_status(INVENTORY, lab=LAB, root=root)
    assert status.runtime.healthy and status.exit_code == 0
    assert {d.role for d in status.runtime.daemons} == {"charon", "zebra", "bgpd", "bfdd",
                                                        "sshd"}
    assert {s.device: s.sas_up for s in status.sessions} == {
        "hub-r1": 4, "spoke-a-r1": 2, "spoke-b-r1": 2}


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
