"""`lab down` after a crash: no state file, or a state file and processes left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch.inventory import load
from netorch.lab import runtime
from netorch.lab.errors import LabError
from netorch.lab.names import lab_tag
from netorch.lab.state import load_state
from netorch.lab.teardown import lab_namespaces, pid_alive

from .conftest import FIXTURES

pytestmark = pytest.mark.lab


def test_down_finds_leftovers_by_prefix_without_state(tmp_path: Path) -> None:
    lab = "t-crash"
    rt = runtime.start(load(FIXTURES / "three-site.yaml"), lab, tmp_path)
    pids = [p.pid for p in rt.state.procs]
    (rt.workdir / "state.json").unlink()          # as if the state were lost
    try:
        assert runtime.status(lab, tmp_path).phase == "leftovers"
        removed = runtime.stop(lab, tmp_path)
        assert any("processes" in r for r in removed)
        assert not lab_namespaces(lab_tag(lab))
        assert not any(pid_alive(p) for p in pids)
    finally:
        runtime.stop(lab, tmp_path)


def test_up_twice_is_refused_and_up_after_crash_recovers(tmp_path: Path) -> None:
    lab = "t-twice"
    inventory = load(FIXTURES / "three-site.yaml")
    runtime.start(inventory, lab, tmp_path)
    try:
        with pytest.raises(LabError, match="already up"):
            runtime.start(inventory, lab, tmp_path)
        state = load_state(tmp_path / lab)
        assert state is not None
        state.phase = "creating"                    # as if `up` had crashed half-way
        state.save()
        again = runtime.start(inventory, lab, tmp_path)
        assert runtime.status(lab, tmp_path).healthy
        assert len(again.state.procs) == 18  # 3 x charon, zebra, bgpd, bfdd, staticd, sshd
    finally:
        runtime.stop(lab, tmp_path)
