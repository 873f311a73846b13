"""Deploying a segmentation policy to an operator's SRX (the simulator, over SSH, with the
real Junos driver): netorch's security policies, address book entries and applications
go in beside the operator's, which stay byte for byte; a re-deploy sends nothing;
a new rule lands before netorch's final deny; and taking the policy out of the
inventory removes exactly netorch's policy objects and brings back its permit-all
policies.

The fabric is regional: a hub (IOS-XE), the courts site on the SRX `j1` and a police
site in the same region, with a direct tunnel between them. The policy gives courts
and police no flow with each other, so that tunnel exchanges no routes (`fabric-none`, a
prefix set without entries: netorch/platforms/juniper_junos/sim_policy.py refuses a term
naming a route-filter-list that does not exist).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from netorch import api
from netorch.deploy import (
    Credentials,
    DeployOptions,
    DeviceResult,
    DeviceTarget,
    Outcome,
    deploy_fabric,
)
from netorch.keys import Secret
from netorch.platforms.juniper_junos import config as junos
from netorch.platforms.juniper_junos.sim import JunosDevice
from netorch.sim.server import Simulator

SECRET = Secret(b"junos-policy-deploy-test-secret-0123456789")
CREDS = Credentials("netorch", "lab-pass")
FIXTURE = Path(__file__).resolve().parents[1] / "deploy" / "fixtures" / "j1" / "operator-srx.conf"
# The operator's own address book, application and policy, beside netorch's.
_OP_WEB = "set security policies from-zone trust to-zone untrust policy op-web"
THEIRS = f"""set security address-book global address op-dns 192.0.2.53/32
set security address-book global address-set op-servers address op-dns
set applications application op-web protocol tcp
set applications application op-web destination-port 8080
set applications application-set op-apps application op-web
{_OP_WEB} match source-address any
{_OP_WEB} match destination-address op-servers
{_OP_WEB} match application op-apps
{_OP_WEB} then permit
"""
RULES = [{"from": "zone:courts", "to": "zone:dc", "services": ["https", "dns", "tcp/8443-8444"],
          "description": "Court systems in the data centre"},
         {"from": "zone:dc", "to": "any", "services": ["ssh", "icmp"]}]
EXTRA = {"from": "any", "to": "zone:dc", "services": ["any"]}  # rule-3: courts -> dc too
_POLICY_OBJECT = re.compile(r"netorch-(rule-\d|deny|\d+\.\d+\.\d+\.\d+_\d+|zone-|any|https|dns"
                            r"|ssh|icmp|tcp-)")


def _device(name: str, platform: str, n: int) -> dict[str, Any]:
    ifs = {"juniper_junos": ("ge-0/0/1.0", "ge-0/0/0.0"),
           "cisco_iosxe": ("GigabitEthernet2", "GigabitEthernet1")}[platform]
    return {"name": name, "platform": platform, "mgmt": f"192.0.2.{n}", "links": [
        {"underlay": "private", "interface": ifs[0], "address": f"172.16.{n}.2/30",
         "next_hop": f"172.16.{n}.1"},
        {"underlay": "internet", "interface": ifs[1], "address": f"198.51.100.{8 * n + 4}/29",
         "next_hop": f"198.51.100.{8 * n + 1}"}]}


def _inventory(tmp: Path, rules: list[dict[str, Any]] | None) -> Path:
    j1 = _device("j1", "juniper_junos", 2) | {"asn": 65001, "router_id": "10.255.2.1"}
    j1["links"][1]["zone"] = "untrust"
    sites = [("hub", 1, "dc", "core", "Data centre", _device("r1", "cisco_iosxe", 1)),
             ("courts", 2, "courts", "east", "Courts", j1),
             ("police", 3, "police", "east", "Police", _device("r2", "cisco_iosxe", 3))]
    fabric: dict[str, Any] = {
        "name": "pol", "topology": {"kind": "regional", "hubs": ["hub"]},
        "underlays": {"private": {"preference": 10}, "internet": {"preference": 20}},
        "pools": {"tunnels": "100.64.0.0/24", "loopbacks": "100.65.0.0/26"},
        "routing": {"protocol": "bgp", "asn_base": 4200000000},
        "crypto": {"profile": "ncsc-prime", "auth": "psk"}}
    if rules is not None:
        fabric["policy"] = {"default": "deny", "same_organisation": "allow",
                            "rules": copy.deepcopy(rules)}
    doc = {"fabric": fabric, "sites": [
        {"name": name, "id": i, "zone": zone, "region": region, "organisation": org,
         "lan": [f"10.{i}.0.0/16"], "devices": [device]}
        for name, i, zone, region, org, device in sites]}
    path = tmp / f"inventory-{len(list(tmp.glob('inventory-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    api.allocate(api.load(path), create=True)
    return path


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("junos-policy")
    out = {}
    for case, rules in (("policy", RULES), ("more", [*RULES, EXTRA]), ("flat", None)):
        plan = api.plan(api.load(_inventory(tmp, rules)))
        out[case] = api.render(plan, SECRET, devices={"j1"})["j1"]["config.set"]
    return out


def _deploy(sim: Simulator, config: str) -> DeviceResult:
    device = sim.devices["j1"]
    target = DeviceTarget("j1", "juniper_junos", "127.0.0.1", device.port, "courts",
                          {"config.set": config})
    return deploy_fabric([target], CREDS, DeployOptions(commit=True, audit_log=None)).devices[0]


def _theirs(text: str, operator: list[str]) -> list[str]:
    """The operator's statements still in `text`, in its order."""
    mine = set(operator)
    return [line for line in junos.lines(text) if line in mine]


def _policies(text: str, context: str) -> list[str]:
    """The names of the security policies of one from-zone/to-zone context, in order."""
    names = re.findall(rf"^set security policies {context} policy (\S+) ", text, re.M)
    return list(dict.fromkeys(names))


def test_the_policy_renders_no_term_for_the_tunnel_without_routes(
        configs: dict[str, str]) -> None:
    text = configs["policy"]
    assert "fabric-none" not in text  # no route-filter-list, no term naming one
    bare = re.findall(r"policy-statement (\S+)-in then reject", text)
    termless = {p for p in bare if f"policy-statement {p}-in term " not in text}
    to_police = {f"netorch-st0-{unit}" for unit in re.findall(
        r'^set interfaces st0 unit (\d+) description "netorch: r2 ', text, re.M)}
    assert termless == to_police and len(to_police) == 2  # over both underlays
    assert not [p for p in termless if f"policy-statement {p}-out term" in text]


def _operator_srx() -> JunosDevice:
    device = JunosDevice("j1")
    device.minute = 0.5
    device.load_text(FIXTURE.read_text())
    device.load_text(device.running_text() + THEIRS)
    return device


def test_deploy_keeps_the_operators_objects_and_undoes_cleanly(configs: dict[str, str]) -> None:
    device = _operator_srx()
    operator = junos.lines(device.running_text())
    leaving, arriving = ("from-zone trust to-zone netorch-vpn",
                         "from-zone netorch-vpn to-zone trust")
    with Simulator([device]) as sim:
        first = _deploy(sim, configs["policy"])
        assert first.outcome is Outcome.COMMITTED, first.as_dict()
        after = device.running_text()
        assert _theirs(after, operator) == operator  # byte for byte, in their order
        assert _policies(after, leaving) == ["netorch-rule-1", "netorch-deny"]
        assert _policies(after, arriving) == ["netorch-rule-2", "netorch-deny"]
        assert _policies(after, "from-zone netorch-vpn to-zone netorch-vpn") == [
            "netorch-deny"]
        assert _policies(after, "from-zone trust to-zone untrust") == [
            "trust-to-untrust", "op-web"]
        assert "netorch-lan-to-fabric" not in after
        assert _deploy(sim, configs["policy"]).outcome is Outcome.UNCHANGED

        more = _deploy(sim, configs["more"])  # Junos appends rule-3 after the deny
        assert more.outcome is Outcome.COMMITTED, more.as_dict()
        assert any(c.startswith("insert security policies") for c in device.commands)
        after = device.running_text()
        assert _policies(after, leaving) == ["netorch-rule-1", "netorch-rule-3", "netorch-deny"]
        assert _theirs(after, operator) == operator
        assert _deploy(sim, configs["more"]).outcome is Outcome.UNCHANGED

        flat = _deploy(sim, configs["flat"])
        assert flat.outcome is Outcome.COMMITTED, flat.as_dict()
        text = device.running_text()
        assert _deploy(sim, configs["flat"]).outcome is Outcome.UNCHANGED
    assert _theirs(text, operator) == operator
    assert not _POLICY_OBJECT.search(text), _POLICY_OBJECT.search(text)
    assert "applications application netorch" not in text
    assert _policies(text, leaving) == ["netorch-lan-to-fabric"]
    assert _policies(text, arriving) == ["netorch-fabric-to-lan"]
    # exactly what a flat deploy on the operator's SRX leaves (keys masked)
    direct = _operator_srx()
    with Simulator([direct]) as sim:
        assert _deploy(sim, configs["flat"]).outcome is Outcome.COMMITTED
    assert set(junos.lines(text)) == set(junos.lines(direct.running_text()))
