"""linux_strongswan files over SFTP to a real sshd: atomic, private, cleaned up, or refused
clearly when the box offers no SFTP; and `kick` starts a tunnel its peer refused."""

from __future__ import annotations

import os
import signal
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from netorch.deploy import (
    ConfigState,
    Credentials,
    DeployOptions,
    DeviceTarget,
    Outcome,
    deploy_fabric,
)
from netorch.platforms.linux_strongswan.driver import initiated
from netorch.transport.sftp import _create
from tests.deploy.conftest import rendered
from tests.deploy.linux_router import LinuxRouter, available, router

pytestmark = [pytest.mark.system,
              pytest.mark.skipif(available() is not None, reason=str(available()))]


@pytest.fixture
def box(tmp_path: Path) -> Iterator[LinuxRouter]:
    with router(tmp_path) as linux:
        yield linux


def _deploy(box: LinuxRouter, tmp_path: Path, files: dict[str, str] | None = None
            ) -> tuple[Outcome, ConfigState, str | None, list[str]]:
    target = DeviceTarget("l1", "linux_strongswan", box.address, 22, "site-l1",
                          files or rendered("l1"))
    options = DeployOptions(commit=True, timeout=20, audit_log=tmp_path / "audit.jsonl")
    (result,) = deploy_fabric([target], Credentials("root", key_file=box.key_file),
                              options).devices
    return result.outcome, result.state, result.error, result.steps


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _leftovers(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*.netorch-*"))


def test_files_arrive_private_and_whole(box: LinuxRouter, tmp_path: Path) -> None:
    outcome, state, error, _ = _deploy(box, tmp_path)
    assert (outcome, state) == (Outcome.COMMITTED, ConfigState.NEW), error
    etc = box.root / "etc"
    for name, folder in (("swanctl.conf", "swanctl"), ("frr.conf", "frr"),
                         ("interfaces.sh", "netorch")):
        assert (etc / folder / name).read_text() == rendered("l1")[name]
    assert _mode(etc / "swanctl" / "swanctl.conf") == 0o600  # holds the pre-shared keys
    assert _mode(etc / "frr" / "frr.conf") == 0o644
    assert _mode(etc / "netorch") == 0o700  # a folder netorch created
    assert _leftovers(box.root) == []


def test_a_rejected_file_leaves_no_temporary_file(box: LinuxRouter, tmp_path: Path) -> None:
    assert _deploy(box, tmp_path)[0] is Outcome.COMMITTED
    good = rendered("l1")
    bad = {**good, "frr.conf": good["frr.conf"].replace("bgp router-id", "bgp rooter-id")}
    outcome, state, error, _ = _deploy(box, tmp_path, bad)
    assert (outcome, state) == (Outcome.FAILED, ConfigState.OLD) and "rejected" in (error or "")
    assert (box.root / "etc/swanctl/swanctl.conf").read_text() == good["swanctl.conf"]
    assert _leftovers(box.root) == []


def test_no_sftp_subsystem_is_a_clear_failure(box: LinuxRouter, tmp_path: Path) -> None:
    config = Path(box.key_file).parent / "sshd_config"
    config.write_text(config.read_text().replace("Subsystem sftp internal-sftp\n", ""))
    pid = int((Path(box.key_file).parent / "sshd.pid").read_text())
    os.kill(pid, signal.SIGHUP)  # sshd re-executes itself with the new config
    time.sleep(1.0)
    outcome, state, error, _ = _deploy(box, tmp_path)
    assert (outcome, state) == (Outcome.FAILED, ConfigState.OLD)
    assert "offers no SFTP subsystem" in (error or ""), error
    assert not (box.root / "etc/frr/frr.conf").exists()


def test_initiated_names_the_connections_this_end_starts() -> None:
    conf = rendered("l1")["swanctl.conf"]  # l1 answers: it starts nothing
    assert initiated(conf) == []
    assert initiated(conf.replace("start_action = none", "start_action = start")) == \
        ["l1-r1-internet"]


def test_a_new_file_is_private_from_its_creation(box: LinuxRouter) -> None:
    """The OPEN request itself carries the mode: no moment when the empty file that is
    about to hold the keys is readable by others (sftp-server's umask would give 0644)."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # a test box's fresh key
    client.connect(str(box.address), username="root", key_filename=box.key_file,
                   allow_agent=False, look_for_keys=False)
    try:
        sftp = client.open_sftp()
        target = box.root / "private.tmp"
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = _create(sftp, str(target), 0o600)
        try:
            assert _mode(target) == 0o600  # before any chmod or byte
        finally:
            handle.close()
        with pytest.raises(OSError):  # O_EXCL: never reuses a file someone else made
            _create(sftp, str(target), 0o600)
    finally:
        client.close()
