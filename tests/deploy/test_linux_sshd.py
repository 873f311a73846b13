"""linux_strongswan over real OpenSSH to a real sshd, charon and FRR in a test namespace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch.deploy import (
    ConfigState,
    Credentials,
    DeployOptions,
    DeviceTarget,
    Outcome,
    deploy_fabric,
    diff_fabric,
)
from tests.deploy.conftest import rendered
from tests.deploy.linux_router import LinuxRouter, available, router

pytestmark = [pytest.mark.system,
              pytest.mark.skipif(available() is not None, reason=str(available()))]
PSK = "Fx7-kq2-Lab-Psk-r1l1"


@pytest.fixture
def box(tmp_path: Path) -> Iterator[LinuxRouter]:
    with router(tmp_path) as linux:
        yield linux


def _target(box: LinuxRouter, files: dict[str, str] | None = None) -> list[DeviceTarget]:
    return [DeviceTarget("l1", "linux_strongswan", box.address, 22, "site-l1",
                         files or rendered("l1"))]


def test_deploy_linux_router(box: LinuxRouter, tmp_path: Path) -> None:
    creds = Credentials("root", key_file=box.key_file)
    opts = DeployOptions(commit=True, timeout=20, audit_log=tmp_path / "audit.jsonl")
    diff = diff_fabric(_target(box), creds).devices[0]
    assert diff.outcome is Outcome.WOULD_CHANGE, diff.as_dict()
    assert "+router bgp 4200000021" in diff.diff and PSK not in diff.diff
    done = deploy_fabric(_target(box), creds, opts).devices[0]
    assert (done.outcome, done.state) == (Outcome.COMMITTED, ConfigState.NEW), done.steps
    assert (box.root / "etc/frr/frr.conf").read_text() == rendered("l1")["frr.conf"]
    assert "l1-r1-internet" in box.run("swanctl", "--list-conns")
    assert "router bgp 4200000021" in box.run("vtysh", "-N", box.ns, "-c", "show running-config")
    assert "100.64.0.5/31" in box.run("ip", "addr", "show", "nt5")
    again = deploy_fabric(_target(box), creds, opts).devices[0]
    assert again.outcome is Outcome.UNCHANGED
    assert PSK not in (tmp_path / "audit.jsonl").read_text()


def test_linux_rejected_config_rolls_back(box: LinuxRouter, tmp_path: Path) -> None:
    creds = Credentials("root", key_file=box.key_file)
    opts = DeployOptions(commit=True, timeout=20, audit_log=tmp_path / "audit.jsonl")
    assert deploy_fabric(_target(box), creds, opts).ok
    good = rendered("l1")
    bad_frr = {**good, "frr.conf": good["frr.conf"].replace("bgp router-id", "bgp rooter-id")}
    failed = deploy_fabric(_target(box, bad_frr), creds, opts).devices[0]
    assert (failed.outcome, failed.state) == (Outcome.FAILED, ConfigState.OLD), failed.as_dict()
    assert "rejected" in (failed.error or "")
    bad_swan = {**good, "swanctl.conf": good["swanctl.conf"].replace("version = 2",
                                                                    "version = 2 {")}
    undone = deploy_fabric(_target(box, bad_swan), creds, opts).devices[0]
    assert (undone.outcome, undone.state) == (Outcome.ROLLED_BACK, ConfigState.OLD), \
        (undone.error, undone.steps)
    assert (box.root / "etc/swanctl/swanctl.conf").read_text() == good["swanctl.conf"]
    assert "l1-r1-internet" in box.run("swanctl", "--list-conns")


def test_an_operator_file_is_a_conflict_and_left_untouched(box: LinuxRouter,
                                                          tmp_path: Path) -> None:
    """netorch owns its three Linux files whole: one it did not write that holds the
    operator's routing is refused, never overwritten; distribution defaults are not."""
    frr = box.root / "etc/frr/frr.conf"
    frr.parent.mkdir(parents=True, exist_ok=True)
    operator = "frr defaults traditional\nhostname edge\nrouter ospf\n network 10.0.0.0/8 area 0\n"
    frr.write_text(operator)
    creds = Credentials("root", key_file=box.key_file)
    opts = DeployOptions(commit=True, timeout=20, audit_log=tmp_path / "audit.jsonl")
    result = deploy_fabric(_target(box), creds, opts)
    (device,) = result.devices
    assert device.outcome is Outcome.CONFLICT and result.exit_code == 1, device.as_dict()
    assert device.conflicts[0]["line"] == "/etc/frr/frr.conf: router ospf"
    assert frr.read_text() == operator
    frr.write_text("frr defaults traditional\nhostname edge\nservice integrated-vtysh-config\n")
    assert deploy_fabric(_target(box), creds, opts).devices[0].outcome is Outcome.COMMITTED


def test_a_redeploy_removes_what_the_new_frr_conf_no_longer_holds(box: LinuxRouter,
                                                                  tmp_path: Path) -> None:
    """`vtysh -f` only adds: a prefix-list, route-map entry or anchor route that the old
    frr.conf had and the new one has not must be gone from the running FRR too."""
    creds = Credentials("root", key_file=box.key_file)
    opts = DeployOptions(commit=True, timeout=20, audit_log=tmp_path / "audit.jsonl")
    good = rendered("l1")
    extra = ("ip prefix-list netorch-gone seq 5 permit 10.99.0.0/16\n"
             "ip route 10.99.0.0/16 blackhole 254\n"
             "route-map netorch-gone-in permit 10\n"
             " match ip address prefix-list netorch-gone\nexit\n")
    old_frr = good["frr.conf"].replace("router bgp", extra + "router bgp", 1)
    # a kept route-map entry whose body changes: `vtysh -f` alone would keep the old set
    old_frr = old_frr.replace("\n match ip address prefix-list",
                              "\n set metric 77\n match ip address prefix-list", 1)
    old = {**good, "frr.conf": old_frr}
    assert deploy_fabric(_target(box, old), creds, opts).ok
    running = box.run("vtysh", "-N", box.ns, "-c", "show running-config")
    assert "netorch-gone" in running and "10.99.0.0/16 blackhole 254" in running
    assert "set metric 77" in running
    done = deploy_fabric(_target(box, good), creds, opts).devices[0]
    assert done.outcome is Outcome.COMMITTED, done.as_dict()
    running = box.run("vtysh", "-N", box.ns, "-c", "show running-config")
    assert "netorch-gone" not in running and "10.99.0.0" not in running
    assert "set metric 77" not in running
    assert "router bgp 4200000021" in running
