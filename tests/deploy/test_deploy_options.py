"""Deploy options reach each device's driver when it is made, never through a module
global: two deploys running at once in one process, each with its own options, each
get theirs. And verify reaches devices through `netorch.transport`, not through deploy."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from netorch.deploy import (
    Credentials,
    DeployOptions,
    DeployResult,
    DeviceTarget,
    Outcome,
    UsageError,
    deploy_fabric,
)
from netorch.platforms.juniper_junos.sim import JunosDevice
from netorch.sim import fleet
from netorch.sim.server import Simulator
from tests.deploy.conftest import rendered

ROOT = Path(__file__).resolve().parents[2]


def _junos_pair() -> list[JunosDevice]:
    devices = []
    for name in ("j1", "j2"):
        device = fleet.make("juniper_junos", name, "198.51.100.20")
        assert isinstance(device, JunosDevice)
        device.minute = 0.5
        devices.append(device)
    return devices


def test_two_deploys_at_once_each_commit_with_their_own_confirm_minutes(
        creds: Credentials, tmp_path: Path) -> None:
    minutes = {"j1": 3, "j2": 7}
    results: dict[str, DeployResult] = {}
    with Simulator(_junos_pair()) as sim:
        def deploy(name: str) -> None:
            target = DeviceTarget(name, "juniper_junos", "127.0.0.1", sim.devices[name].port,
                                  "site-" + name, rendered("j1"))
            options = DeployOptions(commit=True, confirm_minutes=minutes[name],
                                    audit_log=tmp_path / f"{name}.jsonl")
            results[name] = deploy_fabric([target], creds, options)

        threads = [threading.Thread(target=deploy, args=(n,)) for n in minutes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name, wanted in minutes.items():
            device = results[name].devices[0]
            assert device.outcome is Outcome.COMMITTED, device.as_dict()
            confirmed = [c for c in sim.devices[name].commands
                         if c.startswith("commit confirmed")]
            assert confirmed == [f"commit confirmed {wanted}"]


@pytest.mark.parametrize("minutes", [0, -1, 65_536])
def test_a_confirm_window_junos_would_refuse_is_refused_before_any_connection(
        creds: Credentials, minutes: int) -> None:
    """Junos's `commit confirmed` takes 1 to 65535 minutes."""
    target = DeviceTarget("j1", "juniper_junos", "127.0.0.1", 9)  # nothing is reached
    with pytest.raises(UsageError, match="confirm_minutes must be 1 to 65535"):
        deploy_fabric([target], creds, DeployOptions(commit=True, confirm_minutes=minutes))


def _netorch_imports(folder: Path) -> dict[str, set[str]]:
    """{file: the netorch modules it imports} for every module under `folder`."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = {n for n in names if n.startswith("netorch.")}
    return found


@pytest.mark.parametrize("package", ["verify", "transport"])
def test_verify_and_the_transport_import_nothing_of_deploy(package: str) -> None:
    imports = _netorch_imports(ROOT / "netorch" / package)
    assert imports
    bad = {f: sorted(n for n in names if n.split(".")[1] in ("deploy", "verify", "lab")
                     and n.split(".")[1] != package)
           for f, names in imports.items()}
    assert {f: names for f, names in bad.items() if names} == {}


def test_the_transport_package_loads_no_ssh_stack() -> None:
    """Credentials and errors are read by commands that never connect."""
    code = ("import sys, netorch.transport; "
            "print(sorted(m for m in ('nornir', 'netmiko', 'paramiko') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
