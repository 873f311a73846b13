"""netorch's own rendered configs, end to end: plan → render → diff → deploy → verify.

The inventory (fixtures/e2e-fabric.yaml) puts one site on each CLI platform, its devices'
`mgmt` on the simulator's ports; the simulated devices start with the underlay the
inventory describes. Both authentication modes are run: PSK (keys derived from a test
master secret, which must never show in any output) and certificates.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from netorch import api, cli
from netorch.deploy import (
    Credentials,
    DeployOptions,
    DeployResult,
    DeviceResult,
    DeviceTarget,
    Outcome,
    build_targets,
    deploy_fabric,
    diff_fabric,
)
from netorch.keys import Secret
from netorch.plan.allocate import allocations_path
from netorch.plan.model import FabricPlan
from netorch.platforms.cisco_iosxe.sim import IosXeDevice
from netorch.platforms.fortinet_fortios.sim import FortiOsDevice
from netorch.platforms.juniper_junos.sim import JunosDevice
from netorch.sim.base import SimDevice
from netorch.sim.server import Simulator
from netorch.verify import TunnelStatus
from netorch.verify.live import verify_fabric
from tests.deploy.conftest import FIXTURES

SECRET = b"e2e-test-master-secret-0123456789"
# The underlay each device already has (what the inventory's links say), plus what an
# operator keeps there and netorch must never touch (j1 also keeps a far-end route a
# previous deploy tagged for a tunnel since removed: netorch must delete it).
SEEDS: dict[str, tuple[type[SimDevice], str]] = {
    "r1": (IosXeDevice, """hostname r1
password encryption aes
interface GigabitEthernet1
 description internet
 ip address 198.51.100.10 255.255.255.248
interface GigabitEthernet2
 description private WAN
 ip address 172.16.1.2 255.255.255.252
ip prefix-list MGMT seq 5 permit 192.0.2.0/24
route-map MGMT-ONLY permit 10
 match ip address prefix-list MGMT
ip route 0.0.0.0 0.0.0.0 198.51.100.9
"""),
    "i2": (IosXeDevice, """hostname i2
interface GigabitEthernet1
 ip address 198.51.100.42 255.255.255.248
"""),
    "j1": (JunosDevice, """set system host-name j1
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.20/29
set interfaces ge-0/0/1 unit 0 family inet address 172.16.2.2/30
set security zones security-zone untrust interfaces ge-0/0/0.0
set policy-options policy-statement operator-export then reject
set routing-options static route 0.0.0.0/0 next-hop 198.51.100.17
set security zones security-zone trust interfaces ge-0/0/2.0
set routing-options static route 203.0.113.9/32 next-hop 198.51.100.17
set routing-options static route 203.0.113.9/32 tag 1000000000
"""),
    "f1": (FortiOsDevice, """config system global
    set hostname "f1"
end
config system interface
    edit "port1"
        set ip 198.51.100.30 255.255.255.248
        set allowaccess ping ssh
    next
end
config router prefix-list
    edit "operator-list"
        config rule
            edit 1
                set prefix 192.0.2.0 255.255.255.0
            next
        end
    next
end
config router static
    edit 1
        set gateway 198.51.100.25
        set device "port1"
    next
end
config firewall policy
    edit 1
        set name "operator-outbound"
        set srcintf "port2"
        set dstintf "port1"
        set action accept
    next
end
"""),
}
NEW_SITE = """  - name: courts-north
    id: 4
    organisation: Courts
    zone: courts
    region: east
    lan: [10.4.0.0/16]
    devices:
      - name: i2
        platform: cisco_iosxe
        mgmt: 127.0.0.1:{i2}
        links:
          - {underlay: internet, interface: GigabitEthernet1, address: 198.51.100.42/29,
             next_hop: 198.51.100.41}
"""
CREDS = Credentials("netorch", "lab-pass")


@dataclass
class Fabric:
    sim: Simulator
    dir: Path
    auth: str

    def inventory(self, *, extra_site: bool = False) -> Path:
        text = (FIXTURES / "e2e-fabric.yaml").read_text().replace("{auth}", self.auth)
        text = text.replace("{extra}", NEW_SITE if extra_site else "")
        for name, device in self.sim.devices.items():
            text = text.replace("{" + name + "}", str(device.port))
        path = self.dir / ("inventory-4.yaml" if extra_site else "inventory.yaml")
        path.write_text(text)
        first = allocations_path(self.dir / "inventory.yaml")
        if extra_site and first.is_file():  # the grown fabric keeps the lock file's addresses
            shutil.copyfile(first, allocations_path(path))
        api.allocate(api.load(path), create=True)  # `netorch plan --allocate`
        return path

    def plan(self, *, extra_site: bool = False) -> tuple[FabricPlan, list[DeviceTarget]]:
        plan = api.plan(api.load(self.inventory(extra_site=extra_site)))
        secret = Secret(SECRET) if self.auth == "psk" else None
        return plan, build_targets(plan.devices, api.render(plan, secret))

    def sent(self) -> dict[str, list[str]]:
        """Configuration commands each device received since the last call."""
        out = {n: [c for c in d.commands if not c.startswith(("show", "set cli", "terminal"))]
               for n, d in self.sim.devices.items()}
        for device in self.sim.devices.values():
            device.commands.clear()
        return out


@pytest.fixture(params=["psk", "certificate"])
def fabric(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Fabric]:
    monkeypatch.chdir(tmp_path)  # anything written to ./ would land here, and fail below
    devices = []
    for name, (cls, seed) in SEEDS.items():
        device = cls(name)
        device.load_text(seed)
        devices.append(device)
    with Simulator(devices) as sim:
        yield Fabric(sim, tmp_path, request.param)
    assert not (tmp_path / "netorch-audit.jsonl").exists()


def _psks(plan: FabricPlan) -> list[str]:
    secret = Secret(SECRET)
    return [secret.derive(plan.fabric.name, t.key_ref) for t in plan.tunnels if t.key_ref]


def _outcomes(result: DeployResult) -> dict[str, Outcome]:
    return {d.device: d.outcome for d in result.devices}


def test_rendered_fabric_deploys_verifies_and_grows(fabric: Fabric, tmp_path: Path) -> None:
    plan, targets = fabric.plan()
    targets = [t for t in targets if t.name != "i2"]
    audit = tmp_path / "audit" / "deploy.jsonl"
    options = DeployOptions(commit=True, workers=3, audit_log=audit)

    diff = diff_fabric(targets, CREDS, workers=3)
    assert _outcomes(diff) == dict.fromkeys(("f1", "j1", "r1"), Outcome.WOULD_CHANGE)
    assert "+interface Tunnel1000" in diff.devices[2].diff
    assert "+set security ipsec vpn netorch-st0-1000 bind-interface st0.1000" in \
        diff.devices[1].diff
    assert '+    edit "nt2"' in diff.devices[0].diff
    assert not any(c.startswith(("conf", "config ")) for c in _flat(fabric.sent()))

    first = deploy_fabric(targets, CREDS, options)
    assert _outcomes(first) == dict.fromkeys(("f1", "j1", "r1"), Outcome.COMMITTED), \
        [d.as_dict() for d in first.devices]
    fabric.sent()
    second = deploy_fabric(targets, CREDS, options)
    assert _outcomes(second) == dict.fromkeys(("f1", "j1", "r1"), Outcome.UNCHANGED)
    assert not any(c.startswith(("conf", "config ", "copy ", "set ", "edit "))
                   for c in _flat(fabric.sent()))
    rotated = _keys_shown_encrypted_and_rotated(fabric, targets, options)

    report = verify_fabric(plan, targets, CREDS, workers=3)
    assert report.ok, report.table()
    assert {t.status for t in report.tunnels} == {TunnelStatus.ESTABLISHED}
    assert len(report.tunnels) == 2 * len(plan.tunnels) == 6
    assert all(b.up and b.prefixes == 1 for b in report.bgp)
    _operator_config_untouched(fabric.sim)
    if fabric.auth != "psk":
        return  # growing the fabric takes the same path whatever the auth: once is enough

    grown, targets4 = fabric.plan(extra_site=True)
    third = deploy_fabric(targets4, CREDS, options)
    assert _outcomes(third) == dict.fromkeys(("f1", "i2", "j1", "r1"), Outcome.COMMITTED)
    # the spokes only learn the new site's prefixes in the hub's aggregate (fabric-all)
    spokes = {d.device: _changed(d.diff) for d in third.devices if d.device in ("f1", "j1")}
    assert spokes["j1"] and all("fabric-all" in ln for ln in spokes["j1"]), spokes["j1"]
    assert not any(re.search(r"remote-gw|\bnt\d+\b|neighbor", ln) for ln in spokes["f1"]), \
        spokes["f1"]
    hub = next(d for d in third.devices if d.device == "r1").diff
    added = [ln for ln in hub.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    removed = [ln for ln in hub.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    assert "+interface Tunnel1003" in added and "+ tunnel destination 198.51.100.42" in added
    assert "+ neighbor 100.64.0.7 remote-as 4200000004" in added
    # the aggregate gains the new LAN (the pool entry moves to seq 20); nothing about
    # the existing spokes is removed
    assert removed == ["-ip prefix-list netorch-fabric-all seq 15 permit 100.65.0.0/26 le 32"], \
        removed
    assert "+ip prefix-list netorch-fabric-all seq 15 permit 10.4.0.0/16 le 32" in added
    assert verify_fabric(grown, targets4, CREDS, workers=4).ok
    _operator_config_untouched(fabric.sim)

    # and back: the site leaves, every object netorch made for it goes from the hub
    shrunk = deploy_fabric(targets, CREDS, options)
    assert _outcomes(shrunk) == dict.fromkeys(("f1", "j1", "r1"), Outcome.COMMITTED), \
        [d.as_dict() for d in shrunk.devices]
    hub_now = fabric.sim.devices["r1"].running_text()
    assert "Tunnel1003" not in hub_now and "site-courts-north" not in hub_now
    assert "198.51.100.42" not in hub_now
    assert not any("courts-north" in d.running_text() or "10.4.0.0" in d.running_text()
                   for n, d in fabric.sim.devices.items() if n in ("f1", "j1"))
    assert verify_fabric(plan, targets, CREDS, workers=3).ok
    _operator_config_untouched(fabric.sim)

    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [r["result"] for r in records].count("committed") == 13  # 3, 3 rotated, 4, 3
    if fabric.auth == "psk":
        keys = _psks(grown)
        assert len(keys) == 4
        shown = json.dumps([r.as_dict() for r in (*diff.devices, *first.devices, *rotated,
                                                  *third.devices, *shrunk.devices)])
        for key in keys:
            assert key not in shown and key not in audit.read_text()
        assert "<redacted>" in json.dumps([d.as_dict() for d in diff.devices])


def _keys_shown_encrypted_and_rotated(fabric: Fabric, targets: list[DeviceTarget],
                                      options: DeployOptions) -> list[DeviceResult]:
    """Every device shows its keys encrypted ($9$, ENC, type 6), which the unchanged
    redeploy before this took as equal; --rotate-keys sends them again, then the next
    deploy has nothing to send. (PSK only: certificates have no key to rotate.)"""
    if fabric.auth != "psk":
        return []
    shown = {n: d.running_text() for n, d in fabric.sim.devices.items()}
    assert 'pre-shared-key ascii-text "$9$' in shown["j1"]
    assert "set psksecret ENC " in shown["f1"] and "pre-shared-key 6 " in shown["r1"]
    dry = deploy_fabric(targets, CREDS, replace(options, commit=False, rotate_keys=True))
    assert _outcomes(dry) == dict.fromkeys(("f1", "j1", "r1"), Outcome.WOULD_CHANGE)
    assert not any(c.startswith(("conf", "config ")) for c in _flat(fabric.sent()))
    rotated = deploy_fabric(targets, CREDS, replace(options, rotate_keys=True))
    assert _outcomes(rotated) == dict.fromkeys(("f1", "j1", "r1"), Outcome.COMMITTED)
    sent = fabric.sent()
    assert [c for c in sent["f1"] if c.startswith("set psksecret ")] and \
        [c for c in sent["j1"] if "pre-shared-key ascii-text" in c] and \
        [c for c in sent["r1"] if c.startswith("pre-shared-key ")], sent
    again = deploy_fabric(targets, CREDS, options)
    assert _outcomes(again) == dict.fromkeys(("f1", "j1", "r1"), Outcome.UNCHANGED)
    assert all(k not in t for k in _psks(fabric.plan()[0])
               for t in (json.dumps([d.as_dict() for d in (*dry.devices, *rotated.devices)]),
                         *(d.running_text() for d in fabric.sim.devices.values())))
    return [*dry.devices, *rotated.devices]


def _flat(sent: dict[str, list[str]]) -> list[str]:
    return [command for commands in sent.values() for command in commands]


def _changed(diff: str) -> list[str]:
    return [ln for ln in diff.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]


def _operator_config_untouched(sim: Simulator) -> None:
    r1, j1, f1 = (sim.devices[n].running_text() for n in ("r1", "j1", "f1"))
    assert "route-map MGMT-ONLY permit 10" in r1 and "ip prefix-list MGMT seq 5" in r1
    assert "ip route 0.0.0.0 0.0.0.0 198.51.100.9" in r1
    assert "set policy-options policy-statement operator-export then reject" in j1
    assert "set security zones security-zone untrust interfaces ge-0/0/0.0" in j1
    assert "set routing-options static route 0.0.0.0/0 next-hop 198.51.100.17" in j1
    assert "set security zones security-zone trust interfaces ge-0/0/2.0" in j1
    # a route netorch tagged for a tunnel that no longer exists went with the deploy
    assert "203.0.113.9" not in j1
    assert 'edit "operator-list"' in f1
    # a factory FortiGate's default route and first policy are `edit 1`: netorch numbers
    # its own from a reserved range, so both keep their settings
    static, policy = (_fortios_entry(f1, table, "1") for table in ("router static",
                                                                  "firewall policy"))
    assert static == ["set gateway 198.51.100.25", 'set device "port1"'], static
    assert policy[0] == 'set name "operator-outbound"', policy


def _fortios_entry(text: str, table: str, name: str) -> list[str]:
    """The settings of one entry of a top-level FortiOS table, as `show` prints them."""
    lines = [ln.strip() for ln in text.splitlines()]
    start = lines.index(f"config {table}")
    first = lines.index(f"edit {name}", start) + 1
    return lines[first:lines.index("next", first)]


@pytest.mark.parametrize("fabric", ["psk"], indirect=True)  # PSK also checks redaction
def test_cli_diff_deploy_verify(fabric: Fabric, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    inventory = fabric.inventory()
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    audit = tmp_path / "cli-audit.jsonl"
    monkeypatch.setenv("NETORCH_USERNAME", "netorch")
    monkeypatch.setenv("NETORCH_PASSWORD", "lab-pass")
    monkeypatch.setenv("NETORCH_AUDIT_LOG", str(audit))
    common = [str(inventory)]

    assert cli.main(["diff", *common, "--secret-file", str(secret_file)]) == 0
    out = capsys.readouterr().out
    assert "--- r1 (cisco_iosxe)" in out and "+interface Tunnel1000" in out
    assert _table(out) == {"f1": "would-change", "j1": "would-change", "r1": "would-change"}

    assert cli.main(["deploy", *common, "--commit", "--secret-file", str(secret_file)]) == 0
    out = capsys.readouterr().out
    assert _table(out) == dict.fromkeys(("f1", "j1", "r1"), "committed")
    assert cli.main(["deploy", *common, "--rotate-keys", "--secret-file", str(secret_file)]) == 0
    out = capsys.readouterr().out
    assert _table(out) == dict.fromkeys(("f1", "j1", "r1"), "would-change")
    assert "pre-shared-key <redacted>" in out
    assert cli.main(["verify", *common]) == 0
    out = capsys.readouterr().out
    assert out.count("ESTABLISHED") == 6 and "MISSING" not in out

    fabric.sim.devices["j1"].faults.sas_down = True
    assert cli.main(["verify", *common]) == 1
    assert "MISSING" in capsys.readouterr().out

    plan = api.plan(api.load(inventory))
    everything = out + audit.read_text() + os.environ.get("NETORCH_AUDIT_LOG", "")
    assert all(key not in everything for key in _psks(plan))
    assert len(audit.read_text().splitlines()) == 6  # diff is not logged; both deploys are


def _table(out: str) -> dict[str, str]:
    """DEVICE -> OUTCOME from the result table the CLI prints."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("DEVICE"))
    return {ln.split()[0]: ln.split()[1] for ln in lines[start + 1:]
            if ln.strip() and not ln.startswith(("no change", "aborted"))}
