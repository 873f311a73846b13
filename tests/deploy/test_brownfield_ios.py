"""IOS-XE brownfield: netorch changes only what it named (issue 13), on real-looking configs.

The operator's router (fixtures/iosxe-brownfield/aws-vpn.cfg) is modelled on AWS's IOS
VPN sample: Tunnel1/Tunnel2 with their keyrings, IKEv2 and IPsec profiles and
transform-sets, `router bgp 65000` with the AWS and an iBGP neighbour, and Loopback0
used by OSPF. Each defect of the issue has a regression test here; the deploy tests run
the real driver over SSH against the simulator.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from netorch import api
from netorch.deploy import Credentials, DeployOptions, Outcome, build_targets, deploy_fabric
from netorch.keys import Secret
from netorch.plan.allocate import allocations_path
from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe.sim import IosXeDevice
from netorch.sim.server import Simulator
from tests.deploy.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
AWS = (FIXTURES / "iosxe-brownfield" / "aws-vpn.cfg").read_text()
SECRET = Secret(b"brownfield-test-master-secret-0123")
JOINED = "        asn: 65000\n        router_id: 10.255.0.1\n"
CREDS = Credentials("netorch", "lab-pass")


def _render(tmp: Path, r1: str = JOINED, *, courts: bool = True, port: int = 22) -> str:
    """r1's rendered config.ios in the e2e fabric, with `r1` (device settings) added."""
    text = (FIXTURES / "e2e-fabric.yaml").read_text().replace("{auth}", "psk")
    text = text.replace("{extra}", "").replace(":{r1}\n", f":{port}\n{r1}")
    for name in ("j1", "f1"):
        text = text.replace(":{" + name + "}", ":22")
    if not courts:
        start = text.index("  - name: courts")
        text = text[:start] + text[text.index("  - name: probation"):]
    path = tmp / ("inventory.yaml" if courts else "inventory-small.yaml")
    path.write_text(text)
    first = allocations_path(tmp / "inventory.yaml")
    if not courts and first.is_file():
        shutil.copyfile(first, allocations_path(path))
    api.allocate(api.load(path), create=True)
    return api.render(api.plan(api.load(path)), SECRET)["r1"]["config.ios"]


def _apply(running: str, commands: list[str]) -> str:
    """Type `commands` into a simulated router seeded with `running`: its new config."""
    device = IosXeDevice("r1")
    device.load_text(running)
    session = device.session()
    session.handle("configure terminal")
    for command in commands:
        reply = session.handle(command)
        assert not reply.text.startswith("%"), (command, reply.text)
    session.handle("end")
    return device.running_text()


def _operator_lines_changed(before: str, after: str, intended: str) -> set[str]:
    """What rehearse counts: lines of `before` gone from `after`, minus netorch's own."""
    return set(ios.lines(before)) - set(ios.lines(after)) - set(
        ios.lines(ios.managed(before, intended)))


@pytest.fixture
def intended(tmp_path: Path) -> str:
    return _render(tmp_path)


def test_every_rendered_object_is_recognised_as_netorchs() -> None:
    """The template and the config module spell the reserved names alike: every section
    netorch renders is netorch's by name alone, and so is each of its BGP lines."""
    goldens = sorted((ROOT / "tests" / "golden" / "cisco_iosxe").rglob("config.ios"))
    assert goldens
    for golden in goldens:
        rendered = ios.sections(golden.read_text())
        for section in rendered:
            head = section[0]
            if head.startswith("router bgp "):
                continue
            assert ios.owned(section, set()) or head.startswith(
                ("crypto pki trustpoint netorch-", "crypto pki certificate chain netorch-",
                 "crypto ikev2 nat keepalive")), (golden, head)
        stale = ios.plan_change(golden.read_text(), "").commands
        bgp_lines = [ln for ln in ios.lines(golden.read_text()) if " > neighbor " in ln
                     or " > network " in ln]
        for line in bgp_lines:
            address = line.split(" > ")[-1].split()[1]
            assert f"no neighbor {address}" in stale or f"no {line.split(' > ')[-1]}" in \
                stale, (golden, line)


def test_the_operators_aws_vpn_bgp_and_loopback_are_untouched(intended: str) -> None:
    change = ios.plan_change(AWS, intended)
    assert change.conflicts == ()
    words = {w for c in change.commands for w in c.split()}
    for operator in ("Tunnel1", "Tunnel2", "Loopback0", "keyring-vpn-0a1b2c3d-0",
                     "ipsec-vpn-0a1b2c3d-0", "ipsec-prop-vpn-0a1b2c3d-0", "PROPOSAL1",
                     "POLICY1", "169.254.10.1", "10.255.0.2", "AWS-OUT"):
        assert operator not in words, operator
    assert "interface Loopback1000" in change.commands
    removals = [c for c in change.commands if c.startswith("no ")]
    assert removals == [], removals  # nothing of the operator's, not even a process setting
    after = _apply(AWS, change.commands)
    assert _operator_lines_changed(AWS, after, intended) == set()
    assert not ios.plan_change(after, intended)  # idempotent
    # joining the operator's process: netorch's neighbours and networks inside it
    assert "router bgp 65000 > neighbor 100.64.0.1 remote-as 4200000002" in ios.lines(after)
    assert "router bgp 65000 > address-family ipv4 > network 10.1.0.0 mask 255.255.0.0" in \
        ios.lines(after)


def test_a_stale_tunnel_goes_referrers_first_and_operator_lines_stay(tmp_path: Path,
                                                                     intended: str) -> None:
    deployed = _apply(AWS, ios.plan_change(AWS, intended).commands)
    smaller = _render(tmp_path, courts=False)
    change = ios.plan_change(deployed, smaller)
    commands = change.commands
    order = ["no neighbor 100.64.0.1", "no interface Tunnel1000",
             "no crypto ipsec profile netorch-Tunnel1000",
             "no crypto ikev2 profile netorch-Tunnel1000",
             "no crypto ikev2 keyring netorch-Tunnel1000",
             "no route-map netorch-Tunnel1000-IN permit 10",
             "no ip prefix-list netorch-site-courts seq 5 permit 10.2.0.0/16"]
    assert [commands.index(c) for c in order] == sorted(commands.index(c) for c in order)
    after = _apply(deployed, commands)
    assert _operator_lines_changed(AWS, after, smaller) == set()
    assert "Tunnel1000" not in after and "netorch-site-courts" not in after
    assert not ios.plan_change(after, smaller)


def test_the_simulator_refuses_the_old_removal_order(intended: str) -> None:
    deployed = _apply(AWS, ios.plan_change(AWS, intended).commands)
    device = IosXeDevice("r1")
    device.load_text(deployed)
    session = device.session()
    session.handle("configure terminal")
    reply = session.handle("no crypto ipsec profile netorch-Tunnel1000")
    assert "is in use by Tunnel1000" in reply.text
    assert "crypto ipsec profile netorch-Tunnel1000" in device.running_text()


def test_another_asn_and_router_id_are_conflicts_with_their_settings(tmp_path: Path) -> None:
    conflicts = ios.plan_change(AWS, _render(tmp_path, "")).conflicts
    assert [(c.line, c.resolve) for c in conflicts] == [
        ("router bgp 65000", "set `asn: 65000` on the device to join its BGP process")]
    rid = ios.plan_change(AWS, _render(tmp_path, "        asn: 65000\n")).conflicts
    assert [c.resolve for c in rid] == ["set `router_id: 10.255.0.1` on the device"]
    assert "bgp router-id 10.255.0.1" in rid[0].line


def test_no_router_id_is_added_to_a_process_netorch_joins(intended: str) -> None:
    running = AWS.replace(" bgp router-id 10.255.0.1\n", "")
    change = ios.plan_change(running, intended)
    assert not change.conflicts
    assert not any(c.startswith("bgp router-id") for c in change.commands), change.commands


def test_an_operator_tunnel_or_loopback_in_netorchs_names_is_a_conflict(
        tmp_path: Path, intended: str) -> None:
    taken = AWS.replace("interface Tunnel1\n", "interface Tunnel1001\n").replace(
        "interface Loopback0\n", "interface Loopback1000\n")
    conflicts = {c.line: c.resolve for c in ios.plan_change(taken, intended).conflicts}
    assert conflicts == {
        "interface Loopback1000": "set `loopback_interface: Loopback2000` on the device",
        "interface Tunnel1001": "set `tunnel_offset: 2000` on the device (netorch numbers "
                                "its tunnels from it)"}
    moved = _render(tmp_path, JOINED + "        tunnel_offset: 2000\n"
                              "        loopback_interface: Loopback2000\n")
    change = ios.plan_change(taken, moved)
    assert change.conflicts == ()
    assert _operator_lines_changed(taken, _apply(taken, change.commands), moved) == set()


def test_an_operator_neighbour_on_a_netorch_address_is_a_conflict(intended: str) -> None:
    running = AWS.replace(" neighbor 10.255.0.2 remote-as 65000\n",
                          " neighbor 10.255.0.2 remote-as 65000\n"
                          " neighbor 100.64.0.1 remote-as 64999\n")
    (conflict,) = ios.plan_change(running, intended).conflicts
    assert conflict.line == "router bgp 65000 > neighbor 100.64.0.1"
    assert "pools.tunnels" in conflict.resolve


def test_static_routes_are_netorchs_by_name_only(intended: str) -> None:
    running = AWS + ("ip route 203.0.113.7 255.255.255.255 GigabitEthernet1 198.51.100.9 "
                     "name Tunnel1\nip route 203.0.113.8 255.255.255.255 GigabitEthernet1 "
                     "198.51.100.9 name netorch-Tunnel1077\n")
    commands = ios.plan_change(running, intended).commands
    assert "no ip route 203.0.113.8 255.255.255.255 GigabitEthernet1 198.51.100.9 name " \
           "netorch-Tunnel1077" in commands
    assert not any("203.0.113.7" in c for c in commands)


def test_stale_netorch_bgp_lines_go_and_the_operators_stay(intended: str) -> None:
    running = AWS.replace(" neighbor 10.255.0.2 remote-as 65000\n",
                          " neighbor 10.255.0.2 remote-as 65000\n"
                          " neighbor 100.64.0.99 remote-as 4200000009\n"
                          " neighbor 100.64.0.99 description netorch: gone via Tunnel1049\n")
    running = running.replace("  network 10.50.0.0 mask 255.255.0.0\n",
                              "  network 10.50.0.0 mask 255.255.0.0\n"
                              "  network 10.9.0.0 mask 255.255.0.0\n")
    running += "ip route 10.9.0.0 255.255.0.0 Null0 254 name netorch-gone\n"
    commands = ios.plan_change(running, intended).commands
    assert "no neighbor 100.64.0.99" in commands and "no network 10.9.0.0 mask 255.255.0.0" in \
        commands
    assert not any("10.50.0.0" in c or "169.254" in c for c in commands)
    after = _apply(running, commands)
    assert "100.64.0.99" not in after and "10.9.0.0" not in after
    assert _operator_lines_changed(running, after, intended) == set()


def test_lines_gives_full_paths_with_banners_certificates_and_masked_keys() -> None:
    lines = ios.lines(AWS)
    assert "crypto ikev2 keyring keyring-vpn-0a1b2c3d-0 > peer 52.1.1.1 > pre-shared-key " \
           "<secret>" in lines
    assert "banner motd ^C > *  Authorised access only. Disconnect immediately   *" in lines
    assert "banner login # > #" in lines
    assert "crypto pki certificate chain TP-self-signed-2144516896 > certificate self-signed " \
           "01 > quit" in lines
    assert "router bgp 65000 > address-family ipv4 > neighbor 10.255.0.2 next-hop-self" in lines
    assert not any(ln.startswith(("Current configuration", "!", "end")) for ln in lines)


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Simulator, IosXeDevice]]:
    device = IosXeDevice("r1")
    device.load_text(AWS)
    with Simulator([device]) as sim:
        yield sim, device


def test_deploy_over_ssh_joins_and_leaves_the_operators_config(
        seeded: tuple[Simulator, IosXeDevice], tmp_path: Path) -> None:
    sim, device = seeded
    options = DeployOptions(commit=True, audit_log=tmp_path / "audit.jsonl")

    def deploy(courts: bool) -> Outcome:
        files = {"r1": {"config.ios": _render(tmp_path, courts=courts, port=device.port)}}
        plan = api.plan(api.load(tmp_path / ("inventory.yaml" if courts else
                                             "inventory-small.yaml")))
        targets = build_targets([d for d in plan.devices if d.name == "r1"], files)
        (result,) = deploy_fabric(targets, CREDS, options).devices
        return result.outcome

    assert deploy(True) is Outcome.COMMITTED
    assert deploy(True) is Outcome.UNCHANGED
    assert deploy(False) is Outcome.COMMITTED
    after = sim.call(device.running_text)
    assert set(ios.lines(AWS)) - set(ios.lines(after)) == set()
    assert "Tunnel1000" not in after and "Tunnel1002" in after


def _corpus() -> list[dict[str, object]]:
    manifest = ROOT / "tests" / "realworld" / "manifest.yaml"
    if not manifest.is_file():
        return []
    entries = yaml.safe_load(manifest.read_text())
    entries = entries.get("configs", []) if isinstance(entries, dict) else entries
    return [e for e in entries if e["platform"] == "cisco_iosxe"]


@pytest.mark.parametrize("entry", _corpus(), ids=lambda e: Path(str(e["file"])).stem)
def test_a_corpus_config_keeps_every_operator_line(entry: dict[str, object],
                                                   tmp_path: Path) -> None:
    running = (ROOT / "tests" / "realworld" / str(entry["file"])).read_text()
    settings = "".join(f"        {key}: {entry[field]}\n" for key, field in
                       (("asn", "bgp_asn"), ("router_id", "router_id")) if entry.get(field))
    intended = _render(tmp_path, settings)
    change = ios.plan_change(running, intended)
    assert change.conflicts == ()
    after = _apply(running, change.commands)
    assert _operator_lines_changed(running, after, intended) == set()
    assert not ios.plan_change(after, intended)
