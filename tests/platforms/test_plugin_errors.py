"""A broken or hostile platform plugin is a clear error, never a traceback, never a
silent success: at registration (entry point), when its references load, and before a
deploy or verify touches any device."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import netorch.platforms as platforms
from netorch.deploy import Credentials, DeployOptions, DeviceTarget, run_fabric
from netorch.platforms import Platform, PluginError, registry
from netorch.sim.fleet import make

REPO = Path(__file__).resolve().parents[2]
GROUP = "netorch.platforms"


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EntryPoint]]:
    """The entry points the registry sees (the real discovery function is replaced for
    this unit test only; the installed-plugin test is tests/plugin_test)."""
    found: list[EntryPoint] = []
    monkeypatch.setattr(platforms, "entry_points", lambda group: list(found))
    registry.cache_clear()
    yield found
    registry.cache_clear()


def _message(exc: pytest.ExceptionInfo[PluginError]) -> str:
    return str(exc.value)


def test_an_entry_point_that_cannot_load_names_itself(entry_points: list[EntryPoint]) -> None:
    entry_points.append(EntryPoint("ghost", "no_such_module_xyz:PLATFORM", GROUP))
    with pytest.raises(PluginError) as exc:
        registry()
    assert "plugin entry point ghost = no_such_module_xyz:PLATFORM: cannot load it: " \
           "ModuleNotFoundError" in _message(exc)


def test_an_entry_point_naming_something_else_is_refused(
        entry_points: list[EntryPoint]) -> None:
    entry_points.append(EntryPoint("dict", "os:environ", GROUP))
    with pytest.raises(PluginError, match=r"names a _Environ, not a netorch\.platforms\.Platform"):
        registry()


@pytest.mark.parametrize(("name", "value", "why"), [
    ("cisco_iosxe", "netorch.platforms.cisco_iosxe:PLATFORM",
     "platform cisco_iosxe is already registered"),
    ("other", "netorch.platforms.cisco_iosxe:PLATFORM",
     "the entry point's name must be the platform's name"),
])
def test_a_plugin_never_replaces_or_renames_a_platform(
        entry_points: list[EntryPoint], name: str, value: str, why: str) -> None:
    entry_points.append(EntryPoint(name, value, GROUP))
    with pytest.raises(PluginError, match=why):
        registry()


BAD = {"bad_pattern": Platform("bad_pattern", "", interface_pattern="(unclosed"),
       "bad_tunnel": Platform("bad_tunnel", "", tunnel_interface="tun{number}"),
       "no_netmiko": Platform("no_netmiko", "", driver="x:Y")}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_platform_that_would_fail_later_is_refused_at_registration(
        entry_points: list[EntryPoint], name: str) -> None:
    # an entry point names one object: a module attribute holding the Platform
    globals()[f"PLUGIN_{name}"] = BAD[name]
    entry_points.append(EntryPoint(name, f"{__name__}:PLUGIN_{name}", GROUP))
    with pytest.raises(PluginError, match=f"plugin entry point {name} = "):
        registry()


@pytest.mark.parametrize(("field", "ref", "expect"), [
    ("driver", "no_such_module_xyz:Driver", "cannot load its driver"),
    ("driver", "os:path", "is not a Driver"),
    ("driver", "netorch.platforms.cisco_iosxe.driver:IosXeDriver",
     "is the driver of platform 'cisco_iosxe'"),
    ("simulator", "netorch.platforms.juniper_junos.driver:JunosDriver", "is not a SimDevice"),
    ("reader", "os:sep", "is not callable"),
])
def test_a_bad_reference_is_a_plugin_error(field: str, ref: str, expect: str) -> None:
    plugin = Platform("acme", "", netmiko_device_type="cisco_ios", **{field: ref})
    load = {"driver": plugin.deploy_driver, "simulator": plugin.sim_device,
            "reader": plugin.verify_reader}[field]
    with pytest.raises(PluginError, match=expect):
        load()


def test_a_deploy_with_a_broken_driver_stops_before_any_device(
        entry_points: list[EntryPoint]) -> None:
    """Before: the driver failed inside each Nornir task, no result was recorded, and a
    dry run said ok with no device in it."""
    globals()["PLUGIN_acme"] = Platform("acme", "", netmiko_device_type="cisco_ios",
                                        driver="no_such_module_xyz:Driver")
    entry_points.append(EntryPoint("acme", f"{__name__}:PLUGIN_acme", GROUP))
    target = DeviceTarget("r1", "acme", "127.0.0.1", 9, "s1", {"config.txt": "x\n"})
    with pytest.raises(PluginError, match="cannot load its driver"):
        run_fabric([target], Credentials("u", "p"), DeployOptions(commit=False))


def test_the_cli_reports_a_broken_installed_plugin_without_a_traceback(
        tmp_path: Path) -> None:
    """A real installed distribution (a .dist-info on the path) whose entry point
    names a module that is not there: every command says so and exits 1."""
    dist = tmp_path / "broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\n"
                                   "Version: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[netorch.platforms]\nghost = no_such_module_xyz:PLATFORM\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    done = subprocess.run([sys.executable, "-m", "netorch.cli", "validate",
                           str(REPO / "inventories" / "eastern-region")],
                          capture_output=True, text=True, env=env, check=False, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "plugin entry point ghost = no_such_module_xyz:PLATFORM: cannot load it" \
        in done.stderr + done.stdout


CURLY_SEED = """system {
    host-name {name};
}
interfaces {
    ge-0/0/0 {
        unit 0 {
            family inet {
                address {ip}/29;
            }
        }
    }
}
"""


def test_a_seed_config_may_hold_braces(entry_points: list[EntryPoint]) -> None:
    """A seed in a braced syntax (Junos curly, JSON) is not a format string."""
    globals()["PLUGIN_curly"] = Platform(
        "curly", "", simulator="netorch.platforms.juniper_junos.sim:JunosDevice",
        sim_seed=CURLY_SEED)
    entry_points.append(EntryPoint("curly", f"{__name__}:PLUGIN_curly", GROUP))
    device = make("curly", "r1", "198.51.100.10")
    assert "system host-name r1" in device.active  # type: ignore[attr-defined]
    assert "interfaces ge-0/0/0 unit 0 family inet address 198.51.100.10/29" in device.active  # type: ignore[attr-defined]
