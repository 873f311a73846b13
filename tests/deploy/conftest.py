"""Fixtures for deploy tests: simulated devices over real SSH, credentials, rendered files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from netorch.deploy import Credentials, DeviceTarget  # noqa: E402
from netorch.platforms.juniper_junos.sim import JunosDevice  # noqa: E402
from netorch.sim import fleet  # noqa: E402
from netorch.sim.base import SimDevice  # noqa: E402
from netorch.sim.server import Simulator  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
DEVICES = {"r1": ("cisco_iosxe", "198.51.100.10"), "j1": ("juniper_junos", "198.51.100.20"),
           "f1": ("fortinet_fortios", "198.51.100.30")}
PSKS = ("Fx7-kq2-Lab-Psk-r1j1", "Fx7-kq2-Lab-Psk-r1f1")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "system: starts real daemons (sshd, charon, FRR) in a "
                                       "network namespace; needs root")
    config.addinivalue_line("filterwarnings", "ignore:Diffie-Hellman over finite fields")


def rendered(name: str) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((FIXTURES / name).iterdir())}


@pytest.fixture(autouse=True)
def _audit_log_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deploy without an explicit audit log writes to $NETORCH_AUDIT_LOG, else ./:
    never let a test leave one in the repository."""
    monkeypatch.setenv("NETORCH_AUDIT_LOG", str(tmp_path / "default-audit.jsonl"))


@pytest.fixture
def sim() -> Iterator[Simulator]:
    devices: list[SimDevice] = [fleet.make(p, n, ip) for n, (p, ip) in DEVICES.items()]
    for device in devices:
        if isinstance(device, JunosDevice):
            device.minute = 0.5
    simulator = Simulator(devices)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def creds() -> Credentials:
    return Credentials("netorch", "lab-pass")


def targets_for(sim: Simulator, names: tuple[str, ...] = ("f1", "j1", "r1"),
                files: dict[str, dict[str, str]] | None = None) -> list[DeviceTarget]:
    out = []
    for name in sorted(names):
        device = sim.devices[name]
        out.append(DeviceTarget(name, device.platform, "127.0.0.1", device.port, "site-" + name,
                                (files or {}).get(name, rendered(name))))
    return out


@pytest.fixture
def audit_file(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"
