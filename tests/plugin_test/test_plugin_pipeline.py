"""A platform from outside netorch runs the whole pipeline (issue 15, docs/platforms.md).

tests/plugin is a separately packaged plugin, `netorch-flatcli`: pip installs it (no
dependencies, no network, setuptools from netorch's venv) into a temporary folder, and
every netorch command runs as a subprocess with that folder on PYTHONPATH, so the
platform is found only through its `netorch.platforms` entry point and netorch's own
venv never sees it. On one inventory of three flatcli sites and a built-in IOS-XE hub:
validate, plan, render (the plugin's goldens, byte for byte), deploy over SSH to
simulated devices whose class the registry takes from the plugin (a rejected commit
rolled back through the plugin's checkpoint, then committed), a redeploy that sends
nothing, verify through the plugin's reader, and rehearse.

Set NETORCH_UPDATE_PLUGIN_GOLDENS=1 to rewrite tests/plugin/goldens (then read the diff).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from netorch.keys import Secret

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "tests" / "plugin"
GOLDENS = PLUGIN / "goldens"
FLEET = Path(__file__).with_name("fleet.py")
SECRET = b"plugin-test-master-secret-0123456789"
# name -> (platform, its underlay address, as the inventory's link says)
DEVICES = {"hq-r1": ("cisco_iosxe", "198.51.100.10"), "fa-r1": ("flatcli", "198.51.100.11"),
           "fb-r1": ("flatcli", "198.51.100.12"), "fc-r1": ("flatcli", "198.51.100.13")}
FLAT = sorted(n for n, (p, _) in DEVICES.items() if p == "flatcli")
# What the plugin may import of netorch: the public plugin contract, nothing else.
CONTRACT = {"netorch.platforms", "netorch.deploy.driver", "netorch.deploy.change",
            "netorch.sim.base", "netorch.verify.model", "netorch.verify.reader"}


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin, installed for real into a folder of its own (built from a copy, so
    the build leaves nothing in the repository)."""
    tmp = tmp_path_factory.mktemp("plugin")
    source, target = tmp / "source", tmp / "site"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns(
        "goldens", "build", "*.egg-info", "__pycache__", "*.yaml"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--disable-pip-version-check", "--target", str(target),
         str(source)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


@dataclass
class Netorch:
    """netorch's CLI in a subprocess, the plugin on its path, in a folder of its own."""

    site: Path
    dir: Path

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.site), "NETORCH_USERNAME": "netorch",
                "NETORCH_PASSWORD": "lab-pass",
                "NETORCH_AUDIT_LOG": str(self.dir / "audit.jsonl")}

    def __call__(self, *args: str, code: int = 0) -> str:
        done = subprocess.run([sys.executable, "-m", "netorch.cli", *args], cwd=self.dir,
                              env=self.env(), capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == code, f"netorch {' '.join(args)}: exit {done.returncode}" \
            f"\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout

    def inventory(self, ports: dict[str, int]) -> Path:
        text = (PLUGIN / "inventory.yaml").read_text()
        for name, port in ports.items():
            text = text.replace("{" + name + "}", str(port))
        path = self.dir / "inventory.yaml"
        path.write_text(text)
        return path


@pytest.fixture
def netorch(site: Path, tmp_path: Path) -> Netorch:
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    return Netorch(site, tmp_path)


class Fleet:
    """tests/plugin_test/fleet.py: simulated devices in their own process."""

    def __init__(self, site: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(site)}
        specs = [f"{n}={p}@{ip}" for n, (p, ip) in DEVICES.items()]
        self.process = subprocess.Popen([sys.executable, str(FLEET), *specs], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.ports = {name: int(str(port)) for name, port in self._read().items()}

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def _read(self) -> dict[str, object]:
        line = self._pipes()[1].readline()
        assert line, f"the simulator stopped (exit {self.process.poll()})"
        answer: dict[str, object] = json.loads(line)
        return answer

    def ask(self, *request: str) -> dict[str, object]:
        self._pipes()[0].write(" ".join(request) + "\n")
        self._pipes()[0].flush()
        return self._read()

    def running(self) -> dict[str, str]:
        return {name: str(text) for name, text in self.ask("running").items()}

    def stop(self) -> None:
        self._pipes()[0].close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


@pytest.fixture
def fleet(site: Path) -> Iterator[Fleet]:
    running = Fleet(site)
    try:
        yield running
    finally:
        running.stop()


def _table(out: str) -> dict[str, str]:
    """DEVICE -> OUTCOME from the result table deploy prints."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("DEVICE"))
    return {ln.split()[0]: ln.split()[1] for ln in lines[start + 1:]
            if ln.strip() and not ln.startswith(("no change", "aborted"))}


def test_the_plugin_imports_only_the_public_contract() -> None:
    found = set()
    for path in (PLUGIN / "netorch_flatcli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    assert {m for m in found if m.split(".")[0] == "netorch"} <= CONTRACT, found


def test_installed_plugin_is_a_platform_only_where_installed(netorch: Netorch) -> None:
    script = ("from netorch.platforms import registry; p = registry().get('flatcli'); "
              "print(p and (p.templates, p.deploy_driver().__name__, "
              "p.verify_reader().__name__, p.sim_device().__name__))")
    shown = subprocess.run([sys.executable, "-c", script], env=netorch.env(),
                           capture_output=True, text=True, check=True).stdout
    assert shown.strip() == str((netorch.site / "netorch_flatcli" / "templates",
                                 "FlatCliDriver", "read_flatcli", "FlatCliDevice"))
    alone = {**os.environ, "PYTHONPATH": ""}
    assert subprocess.run([sys.executable, "-c", script], env=alone, capture_output=True,
                          text=True, check=True).stdout.strip() == "None"


def test_the_plugin_doctests_pass_installed(netorch: Netorch) -> None:
    script = ("import doctest, importlib\nfor name in ('config', 'reader'):\n"
              "    module = importlib.import_module('netorch_flatcli.' + name)\n"
              "    print(name, *doctest.testmod(module))")
    shown = subprocess.run([sys.executable, "-c", script], env=netorch.env(),
                           capture_output=True, text=True, check=True).stdout
    results = [line.split() for line in shown.splitlines()]
    assert [r[:2] for r in results] == [["config", "0"], ["reader", "0"]], shown  # 0 failed
    assert all(int(r[2]) > 0 for r in results), shown


def test_validate_plan_render_match_the_goldens(netorch: Netorch) -> None:
    inventory = netorch.inventory({n: 2201 + i for i, n in enumerate(DEVICES)})
    netorch("plan", str(inventory), "--allocate")
    netorch("validate", str(inventory))
    plan = json.loads(netorch("plan", str(inventory), "--format", "json"))
    assert sorted(d["name"] for d in plan["devices"] if d["platform"] == "flatcli") == FLAT
    netorch("render", str(inventory), "--redact", "--out", "out")
    rendered = {p.relative_to(netorch.dir / "out").as_posix(): p.read_bytes()
                for p in sorted((netorch.dir / "out").rglob("*")) if p.is_file()}
    ours = {path: text for path, text in rendered.items() if path.split("/")[1] in FLAT}
    assert len(ours) == len(FLAT) and len(rendered) == len(DEVICES)
    if os.environ.get("NETORCH_UPDATE_PLUGIN_GOLDENS"):
        shutil.rmtree(GOLDENS, ignore_errors=True)
        for path, text in ours.items():
            (GOLDENS / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDENS / path).write_bytes(text)
    goldens = {p.relative_to(GOLDENS).as_posix(): p.read_bytes()
               for p in sorted(GOLDENS.rglob("*")) if p.is_file()}
    assert ours == goldens, "the plugin's goldens differ: review, then rerun with " \
        "NETORCH_UPDATE_PLUGIN_GOLDENS=1"


def test_a_plugin_file_holding_a_key_is_written_0600(netorch: Netorch) -> None:
    """flatcli writes its key through `~` (which loses the `Key` type): render's
    key-shape safety net still marks the file, so it is 0600 in a 0700 folder."""
    inventory = netorch.inventory({n: 2201 + i for i, n in enumerate(DEVICES)})
    netorch("plan", str(inventory), "--allocate")
    secret = netorch.dir / "master.secret"
    secret.write_text("plugin-test-master-secret-0123456789\n")
    secret.chmod(0o600)
    netorch("render", str(inventory), "--secret-file", str(secret), "--out", "keyed")
    for name in FLAT:
        [path] = (netorch.dir / "keyed").glob(f"*/{name}/config.flat")
        assert " secret " in path.read_text()
        assert path.stat().st_mode & 0o777 == 0o600, path
        assert path.parent.stat().st_mode & 0o777 == 0o700, path.parent


def test_deploy_redeploy_verify_rehearse_through_the_plugin(netorch: Netorch,
                                                            fleet: Fleet) -> None:
    inventory = str(netorch.inventory(fleet.ports))
    secret = ("--secret-file", str(netorch.dir / "secret"))
    netorch("plan", inventory, "--allocate")
    seeds = fleet.running()

    diff = netorch("diff", inventory, *secret)
    assert _table(diff) == dict.fromkeys(DEVICES, "would-change")
    assert "+tunnel nt-tun100 local 198.51.100.11 remote 198.51.100.10" in diff
    assert fleet.running() == seeds

    # fc-r1 takes its lines but drops its BGP networks: the check after commit finds
    # them missing, and the driver restores its checkpoint
    fleet.ask("fault", "fc-r1", "ignore_on_commit", "^bgp-network")
    first = netorch("deploy", inventory, "--commit", *secret, code=1)
    assert _table(first) == {"hq-r1": "committed", "fa-r1": "committed",
                             "fb-r1": "committed", "fc-r1": "rolled-back"}, first
    assert fleet.running()["fc-r1"] == seeds["fc-r1"]
    fleet.ask("fault", "fc-r1", "ignore_on_commit", "-")
    second = netorch("deploy", inventory, "--commit", *secret)
    assert _table(second) == {"hq-r1": "unchanged", "fa-r1": "unchanged",
                              "fb-r1": "unchanged", "fc-r1": "committed"}, second
    deployed = fleet.running()
    for name in FLAT:
        assert deployed[name].startswith(seeds[name].removesuffix("end\n")), name
        assert f"bgp-neighbor nt-n{100 + FLAT.index(name)} address " in deployed[name]
    again = netorch("deploy", inventory, "--commit", *secret)
    assert _table(again) == dict.fromkeys(DEVICES, "unchanged")
    assert fleet.running() == deployed

    verified = json.loads(netorch("verify", inventory, "--format", "json"))
    flat = [t for t in verified["tunnels"] if t["device"] in FLAT]
    assert len(flat) == 3 and {t["status"] for t in verified["tunnels"]} == {"ESTABLISHED"}
    assert {b["state"] for b in verified["bgp"] if b["device"] in FLAT} == {"Established"}
    fleet.ask("fault", "fb-r1", "sas_down", "true")
    down = netorch("verify", inventory, code=1)
    assert "MISSING" in down

    _rehearse(netorch, inventory, seeds, secret)
    shown = "".join([diff, first, second, again, down, (netorch.dir / "audit.jsonl").read_text()])
    assert " dpd 10 secret <redacted>\n" in diff, diff  # the plugin masks, deploy scrubs
    keys = _psks(json.loads(netorch("plan", inventory, "--format", "json")))
    assert len(keys) == 3 and all(key in deployed["fa-r1"] + deployed["fb-r1"] + deployed["fc-r1"]
                                  for key in keys)
    assert not any(key in shown for key in keys), "a key was shown"


def _psks(plan: dict[str, Any]) -> list[str]:
    """The fabric's pre-shared keys (render derives them so from the master secret)."""
    secret = Secret(SECRET)
    return [secret.derive(plan["fabric"]["name"], t["key_ref"]) for t in plan["tunnels"]]


def _rehearse(netorch: Netorch, inventory: str, seeds: dict[str, str],
              secret: tuple[str, str]) -> None:
    """The rehearsal runs its own simulators, of the plugin's class, in netorch's process:
    an operator's line beside the seed is kept, the redeploy is idempotent."""
    running = netorch.dir / "running"
    running.mkdir()
    for name in FLAT:
        (running / f"{name}.cfg").write_text(seeds[name].replace(
            "end\n", "route office via 198.51.100.14\nend\n"))
    result = json.loads(netorch("rehearse", inventory, "--running", str(running),
                                "--format", "json", *secret))
    assert result["ok"] is True and result["not_rehearsed"] == ["hq-r1"], result
    for name in FLAT:
        device = result["devices"][name]
        assert device["platform"] == "flatcli" and device["outcome"] == "committed", device
        assert device["operator_lines_changed"] == 0 and device["idempotent"] is True, device
        assert device["netorch_lines_added"] > 0 and device["conflicts"] == [], device
