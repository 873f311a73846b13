"""A device netorch cannot connect to is named with its address and port, the cause
(refused, no answer, authentication, host key) and what to check — over real SSH to
the simulator on 127.0.0.1, and real sockets."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from netorch.deploy import Credentials, DeployOptions, DeviceResult, deploy_fabric
from netorch.sim.server import Simulator
from netorch.transport.credentials import from_env
from tests.deploy.conftest import targets_for

FAST = {"timeout": 2.0, "connect_timeout": 2.0}


def _dry_run(sim: Simulator, creds: Credentials, port: int | None = None) -> DeviceResult:
    [target] = targets_for(sim, ("r1",))
    if port is not None:
        target = type(target)(target.name, target.platform, target.host, port, target.site,
                              target.files)
    options = DeployOptions(commit=False, audit_log=None, **FAST)  # type: ignore[arg-type]
    return deploy_fabric([target], creds, options).devices[0]


def _known_hosts(tmp_path: Path, port: int, key: bytes) -> Path:
    path = tmp_path / "known_hosts"
    path.write_bytes(b"[127.0.0.1]:%d " % port + key.strip() + b"\n")
    return path


def _device_key(port: int) -> bytes:
    """The simulator's host key as an operator would fetch it: `ssh-keyscan`."""
    if shutil.which("ssh-keyscan") is None:
        pytest.skip("ssh-keyscan is not installed")
    out = subprocess.run(["ssh-keyscan", "-t", "ed25519", "-p", str(port), "127.0.0.1"],
                         capture_output=True, check=True, timeout=20).stdout
    return out.split(b" ", 1)[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (no SSH banner)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_refused_names_device_address_port_and_cause(sim: Simulator,
                                                     creds: Credentials) -> None:
    port = _free_port()
    result = _dry_run(sim, creds, port)
    assert result.error == (f"cannot connect to 127.0.0.1:{port} (device r1): connection "
                            "refused: is the device up, and is its `mgmt:` address and port "
                            "right?")


def test_no_answer_is_a_timeout(sim: Simulator, creds: Credentials, silent_port: int) -> None:
    result = _dry_run(sim, creds, silent_port)
    assert result.error is not None
    assert result.error.startswith(f"cannot connect to 127.0.0.1:{silent_port} (device r1): "
                                   "no answer (timed out): ")


def test_wrong_password_is_an_authentication_failure(sim: Simulator) -> None:
    result = _dry_run(sim, Credentials("netorch", "not-the-password"))
    port = sim.devices["r1"].port
    assert result.error == (f"cannot connect to 127.0.0.1:{port} (device r1): authentication "
                            "failed: check NETORCH_USERNAME and NETORCH_PASSWORD (or "
                            "NETORCH_SSH_KEY) for this device")
    assert "not-the-password" not in str(result.as_dict()) if hasattr(result, "as_dict") \
        else True


def test_a_changed_host_key_is_refused(sim: Simulator, creds: Credentials,
                                       tmp_path: Path) -> None:
    port = sim.devices["r1"].port
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh")
    known = _known_hosts(tmp_path, port, other)
    strict = Credentials(creds.username, creds.password, known_hosts=str(known))
    result = _dry_run(sim, strict)
    assert result.error is not None
    assert result.error.startswith(f"cannot connect to 127.0.0.1:{port} (device r1): host "
                                   "key mismatch: ")
    assert sim.devices["r1"].running_text()  # nothing was sent: still its own config


def test_an_unknown_host_key_is_refused_and_the_right_one_accepted(
        sim: Simulator, creds: Credentials, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    port = sim.devices["r1"].port
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    result = _dry_run(sim, Credentials(creds.username, creds.password, known_hosts=str(empty)))
    assert result.error is not None and "unknown host key" in result.error
    known = _known_hosts(tmp_path, port, _device_key(port))
    monkeypatch.setenv("NETORCH_USERNAME", creds.username)
    monkeypatch.setenv("NETORCH_PASSWORD", creds.password or "")
    monkeypatch.setenv("NETORCH_KNOWN_HOSTS", str(known))
    result = _dry_run(sim, from_env())
    assert result.error is None, result.error
