"""Junos brownfield: netorch changes only what it named, beside a real operator's SRX.

The operator's config (fixtures/j1/operator-srx.conf, curly format as `show
configuration` prints it) has untrust/trust zones, a route-based VPN to a cloud on
st0.0, a BGP group with the cloud's peers (one deactivated), autonomous-system 65001 and
a router-id on lo0.0. Each defect of issue 13 has a regression test here; the public
corpus (tests/realworld/juniper_junos) is planned against too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from netorch import api
from netorch.deploy import Credentials, DeployOptions, DeviceTarget, Outcome, deploy_fabric
from netorch.keys import Secret
from netorch.platforms.juniper_junos import config as junos
from netorch.platforms.juniper_junos.sim import JunosDevice
from netorch.platforms.juniper_junos.sim_config import display_set, parse
from netorch.sim.server import Simulator
from tests.deploy.conftest import FIXTURES
from tests.realworld import corpus
from tests.render.structure import INVENTORIES, configs

SECRET = Secret(b"brownfield-junos-test-secret-0123456789")
OPERATOR = display_set(parse((FIXTURES / "j1" / "operator-srx.conf").read_text()))
RESOLVED = {"asn": 65001, "router_id": "10.255.2.1", "zone": "untrust"}
CREDS = Credentials("netorch", "lab-pass")
# What netorch renders that is not named by it: shared statements it only adds.
SHARED = re.compile(r"interfaces lo0 unit 0 family inet address \S+/32$"
                    r"|routing-options (router-id|autonomous-system) \S+$"
                    r"|security flow tcp-mss ipsec-vpn mss \d+$"
                    r"|security zones security-zone (trust|inside)$"
                    r"|security zones security-zone untrust interfaces ge-0/0/0.0 "
                    r"host-inbound-traffic system-services ike$")


def _inventory(tmp: Path, asn: int | None = None, router_id: str | None = None,
               zone: str | None = None, lan_zone: str | None = None) -> Path:
    internet: dict[str, Any] = {"underlay": "internet", "interface": "ge-0/0/0.0",
                                "address": "198.51.100.20/29", "next_hop": "198.51.100.17"}
    j1: dict[str, Any] = {"name": "j1", "platform": "juniper_junos", "mgmt": "192.0.2.20",
                          "links": [{"underlay": "private", "interface": "ge-0/0/1.0",
                                     "address": "172.16.2.2/30", "next_hop": "172.16.2.1"},
                                    internet]}
    for key, value in (("asn", asn), ("router_id", router_id), ("lan_zone", lan_zone)):
        if value is not None:
            j1[key] = value
    if zone:
        internet["zone"] = zone
    hub = {"name": "r1", "platform": "cisco_iosxe", "mgmt": "192.0.2.10", "links": [
        {"underlay": "private", "interface": "GigabitEthernet2", "address": "172.16.1.2/30",
         "next_hop": "172.16.1.1"},
        {"underlay": "internet", "interface": "GigabitEthernet1",
         "address": "198.51.100.10/29", "next_hop": "198.51.100.9"}]}
    site = {"organisation": "Agency", "region": "east"}
    doc = {"fabric": {"name": "bf", "topology": {"kind": "hub-and-spoke", "hubs": ["hub"]},
                      "underlays": {"private": {"preference": 10}, "internet": {"preference": 20}},
                      "pools": {"tunnels": "100.64.0.0/24", "loopbacks": "100.65.0.0/26"},
                      "routing": {"protocol": "bgp", "asn_base": 4200000000},
                      "crypto": {"profile": "ncsc-prime", "auth": "psk"}},
           "sites": [{"name": "hub", "id": 1, "zone": "dc", "lan": ["10.1.0.0/16"],
                      "devices": [hub], **site},
                     {"name": "courts", "id": 2, "zone": "courts", "lan": ["10.2.0.0/16"],
                      "devices": [j1], **site}]}
    path = tmp / f"inventory-{len(list(tmp.glob('inventory-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    api.allocate(api.load(path), create=True)
    return path


def _intended(tmp: Path, **settings: Any) -> str:
    plan = api.plan(api.load(_inventory(tmp, **settings)))
    return api.render(plan, SECRET, devices={"j1"})["j1"]["config.set"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("junos-brownfield")
    return {"defaults": _intended(tmp), "resolved": _intended(tmp, **RESOLVED),
            "inside": _intended(tmp, **RESOLVED, lan_zone="inside")}


def _apply(running: str, commands: list[str]) -> str:
    """`running` after the commands, as the simulated SRX commits them."""
    device = JunosDevice("j1")
    device.load_text(running)
    session = device.session()
    session.handle("configure exclusive")
    for command in commands:
        reply = session.handle(command).text
        assert "error" not in reply and "syntax" not in reply, (command, reply)
    assert "commit complete" in session.handle("commit").text, commands
    return device.running_text()


def _operator_lines_changed(before: str, after: str, intended: str) -> set[str]:
    """What rehearse counts: the operator's lines a deploy removed or changed."""
    ours = set(junos.lines(junos.managed(before, intended)))
    return set(junos.lines(before)) - set(junos.lines(after)) - ours


# --- names: the template and the config module agree ---------------------------------

def test_every_object_the_template_renders_is_owned_by_name(rendered: dict[str, str]) -> None:
    texts = [text for case in INVENTORIES for text in configs(case, "juniper_junos").values()]
    for text in [*texts, *rendered.values()]:
        said = junos.statements(text)
        have = junos.Running.parse(text)
        units = {m[1] for s in said if (m := re.match(r"interfaces st0 unit (\d+)", s))}
        assert have.units == units  # every unit carries the marker
        loose = [s for s in said if have.root(s) is None and not SHARED.match(s)]
        assert loose == [], loose[:5]
        assert junos.managed(text, text).count("\n") == len(said)


# --- issue 13 defects -----------------------------------------------------------------

def test_the_operators_st0_unit_and_vpn_stay(rendered: dict[str, str]) -> None:
    change = junos.plan_change(OPERATOR, rendered["resolved"])
    assert change.conflicts == ()
    assert not [c for c in change.commands if "st0.0" in c or "aws" in c or "st0 unit 0" in c]
    after = _apply(OPERATOR, change.commands)
    assert "set security ipsec vpn aws-vpn-1 bind-interface st0.0" in after
    assert 'set interfaces st0 unit 0 description "AWS VPN tunnel 1"' in after
    assert _operator_lines_changed(OPERATOR, after, rendered["resolved"]) == set()
    assert "set interfaces st0 unit 1000 family inet address" in after
    assert not junos.plan_change(after, rendered["resolved"])


def test_a_unit_netorch_numbers_without_its_marker_is_a_conflict(
        rendered: dict[str, str]) -> None:
    theirs = OPERATOR + "set interfaces st0 unit 1000 family inet address 192.0.2.1/30\n"
    [conflict] = junos.plan_change(theirs, rendered["resolved"]).conflicts
    assert conflict.line.startswith("interfaces st0 unit 1000")
    assert "tunnel_offset:" in conflict.resolve
    referenced = OPERATOR + "set security zones security-zone aws interfaces st0.1001\n"
    [conflict] = junos.plan_change(referenced, rendered["resolved"]).conflicts
    assert "st0.1001" in conflict.line and "tunnel_offset:" in conflict.resolve


def test_a_stale_netorch_unit_goes_with_its_objects(rendered: dict[str, str]) -> None:
    deployed = _apply(OPERATOR, junos.plan_change(OPERATOR, rendered["resolved"]).commands)
    stale = deployed + "\n".join((
        'set interfaces st0 unit 1099 description "netorch: gone (old) over internet, mesh"',
        "set interfaces st0 unit 1099 family inet address 100.64.0.99/31",
        "set security ipsec vpn netorch-st0-1099 bind-interface st0.1099",
        "set security zones security-zone netorch-vpn interfaces st0.1099", ""))
    commands = junos.plan_change(stale, rendered["resolved"]).commands
    assert commands == ["delete security zones security-zone netorch-vpn interfaces st0.1099",
                        "delete security ipsec vpn netorch-st0-1099",
                        "delete interfaces st0 unit 1099"]
    assert _apply(stale, commands) == deployed


def test_autonomous_system_and_router_id_are_conflicts_never_overwritten(
        rendered: dict[str, str]) -> None:
    change = junos.plan_change(OPERATOR, rendered["defaults"])
    found = {c.line: c.resolve for c in change.conflicts}
    assert found["routing-options autonomous-system 65001"] == \
        "set `asn: 65001` on the device to use it"
    assert found["routing-options router-id 10.255.2.1"] == \
        "set `router_id: 10.255.2.1` on the device to use it"
    resolved = junos.plan_change(OPERATOR, rendered["resolved"]).commands
    assert not [c for c in resolved if "autonomous-system" in c or "router-id" in c]
    gone = junos.plan_change(OPERATOR, "").commands  # netorch never deletes them
    assert not [c for c in gone if "routing-options" in c]


def test_an_underlay_interface_in_an_operator_zone_is_a_conflict(
        rendered: dict[str, str]) -> None:
    [conflict] = [c for c in junos.plan_change(OPERATOR, rendered["defaults"]).conflicts
                  if "zone" in c.reason]
    assert conflict.line.startswith("security zones security-zone untrust interfaces ge-0/0/0.0")
    assert conflict.resolve == "set `zone: untrust` on the link with interface ge-0/0/0.0"
    without_ike = OPERATOR.replace("ge-0/0/0.0 host-inbound-traffic system-services ike\n",
                                   "ge-0/0/0.0 host-inbound-traffic system-services ssh\n")
    commands = junos.plan_change(without_ike, rendered["resolved"]).commands
    assert [c for c in commands if "untrust" in c] == [
        "set security zones security-zone untrust interfaces ge-0/0/0.0 "
        "host-inbound-traffic system-services ike"]
    assert not [c for c in commands if "netorch-internet" in c]
    after = _apply(without_ike, commands)
    assert not [c for c in junos.plan_change(after, "").commands if "untrust" in c]


def test_ike_on_an_interface_would_override_the_zones_services(
        rendered: dict[str, str]) -> None:
    zone_level = OPERATOR.replace(
        "set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic "
        "system-services ike\nset security zones security-zone untrust interfaces ge-0/0/0.0 "
        "host-inbound-traffic system-services ping\n",
        "set security zones security-zone untrust interfaces ge-0/0/0.0\n"
        "set security zones security-zone untrust host-inbound-traffic system-services ping\n")
    assert zone_level != OPERATOR
    [conflict] = junos.plan_change(zone_level, rendered["resolved"]).conflicts
    assert "override zone untrust's system-services" in conflict.reason
    assert "allow `ike` in zone untrust's system-services" in conflict.resolve
    allowed = zone_level + "set security zones security-zone untrust host-inbound-traffic " \
                           "system-services ike\n"
    change = junos.plan_change(allowed, rendered["resolved"])
    assert change.conflicts == () and not [c for c in change.commands if "untrust" in c]


def test_the_lan_zone_is_referenced_not_owned(rendered: dict[str, str]) -> None:
    commands = junos.plan_change(OPERATOR, rendered["inside"]).commands
    assert "set security zones security-zone inside" in commands
    assert any(c.startswith("set security policies from-zone inside to-zone netorch-vpn "
                            "policy netorch-lan-to-fabric") for c in commands)
    after = _apply(OPERATOR, commands)
    # the policies move with the LAN zone; the zones themselves stay the operator's
    moved = junos.plan_change(after, rendered["resolved"]).commands
    assert "delete security policies from-zone inside to-zone netorch-vpn policy " \
           "netorch-lan-to-fabric" in moved
    assert not [c for c in moved if re.match(r"delete security zones security-zone (inside|"
                                             r"trust)( |$)", c)]


def test_an_operators_route_to_a_lan_already_originates_it(rendered: dict[str, str]) -> None:
    """Review: the old advice (tag the operator's route for netorch) had netorch replace
    its next hop with `discard`, blackholing the LAN. The operator's route is kept, and
    netorch anchors no discard for that prefix (its export policy matches their route)."""
    theirs = OPERATOR + "set routing-options static route 10.2.0.0/16 next-hop 10.2.0.254\n"
    change = junos.plan_change(theirs, rendered["resolved"])
    assert change.conflicts == ()
    assert not [c for c in change.commands if "static route 10.2.0.0/16" in c]
    after = _apply(theirs, change.commands)
    assert "set routing-options static route 10.2.0.0/16 next-hop 10.2.0.254" in after
    assert not junos.plan_change(after, rendered["resolved"])
    assert not [c for c in junos.plan_change(after, "").commands if "route 10.2.0.0/16" in c]
    inactive = theirs + "deactivate routing-options static route 10.2.0.0/16\n"
    [conflict] = junos.plan_change(inactive, rendered["resolved"]).conflicts
    assert "inactive" in conflict.reason and "tag" not in conflict.resolve


def test_an_operators_route_to_a_far_end(rendered: dict[str, str]) -> None:
    same = OPERATOR + "set routing-options static route 198.51.100.10/32 next-hop 198.51.100.17\n"
    change = junos.plan_change(same, rendered["resolved"])
    assert change.conflicts == ()
    assert not [c for c in change.commands if "static route 198.51.100.10" in c]
    other = same.replace("next-hop 198.51.100.17", "next-hop 198.51.100.18")
    [conflict] = junos.plan_change(other, rendered["resolved"]).conflicts
    assert conflict.line == "routing-options static route 198.51.100.10/32 next-hop 198.51.100.18"
    assert "via 198.51.100.18" in conflict.reason and "198.51.100.17" in conflict.reason
    assert "`next_hop:`" in conflict.resolve and "tag" not in conflict.resolve


def test_bgp_netorch_owns_its_group_only(rendered: dict[str, str]) -> None:
    deployed = _apply(OPERATOR, junos.plan_change(OPERATOR, rendered["resolved"]).commands)
    assert "deactivate protocols bgp group aws neighbor 169.254.11.1" in deployed
    stale = deployed + "set protocols bgp group netorch neighbor 100.64.0.99 peer-as 65099\n"
    assert junos.plan_change(stale, rendered["resolved"]).commands == [
        "delete protocols bgp group netorch neighbor 100.64.0.99"]
    gone = junos.plan_change(deployed, "").commands
    assert "delete protocols bgp group netorch" in gone
    assert not [c for c in gone if "group aws" in c]
    peer = next(s.split()[5] for s in junos.statements(rendered["resolved"])
                if s.startswith("protocols bgp group netorch neighbor "))
    clash = OPERATOR + f"set protocols bgp group aws neighbor {peer}\n"
    [conflict] = junos.plan_change(clash, rendered["resolved"]).conflicts
    assert "operator's BGP group aws" in conflict.reason


def test_lo0_is_shared_netorch_adds_only_its_address(rendered: dict[str, str]) -> None:
    commands = junos.plan_change(OPERATOR, rendered["resolved"]).commands
    assert [c for c in commands if "lo0" in c] == [
        "set interfaces lo0 unit 0 family inet address 100.65.0.2/32"]
    after = _apply(OPERATOR, commands)
    assert 'set interfaces lo0 unit 0 description "router-id and BGP source"' in after
    ours = junos.managed(after, rendered["resolved"])
    assert [ln for ln in ours.splitlines() if "lo0" in ln] == [
        "set interfaces lo0 unit 0 family inet address 100.65.0.2/32"]


def test_deactivated_statements_are_kept_and_netorchs_own_reactivated(
        rendered: dict[str, str]) -> None:
    deployed = _apply(OPERATOR, junos.plan_change(OPERATOR, rendered["resolved"]).commands)
    inactive = [ln for ln in OPERATOR.splitlines() if ln.startswith("deactivate ")]
    assert len(inactive) == 3 and all(ln in deployed.splitlines() for ln in inactive)
    paused = deployed + "deactivate security ipsec vpn netorch-st0-1001\n"
    assert junos.plan_change(paused, rendered["resolved"]).commands == [
        "activate security ipsec vpn netorch-st0-1001"]
    assert "deactivate security ipsec vpn netorch-st0-1001" in junos.managed(paused)


def test_lines_are_full_paths_with_deactivations_and_masked_keys() -> None:
    shown = junos.lines(OPERATOR)
    assert "deactivate system ntp" in shown
    assert 'system login message "Authorised users only; all sessions are logged"' in shown
    assert "security ike policy aws-ike-policy pre-shared-key ascii-text <secret>" in shown
    assert not any("AWSoperatorKey" in line for line in shown)
    assert len(shown) == len(parse((FIXTURES / "j1" / "operator-srx.conf").read_text()))


def test_a_key_alone_is_deleted_by_its_path() -> None:
    psk = 'set security ike policy netorch-st0-1000 pre-shared-key ascii-text "$9$abc"\n'
    cert = "set security ike policy netorch-st0-1000 certificate local-certificate j1.bf\n"
    assert junos.plan_change(psk + cert, cert).commands == [
        "delete security ike policy netorch-st0-1000 pre-shared-key"]


def test_everything_netorch_made_goes_referrers_first(rendered: dict[str, str]) -> None:
    deployed = _apply(OPERATOR, junos.plan_change(OPERATOR, rendered["resolved"]).commands)
    commands = junos.plan_change(deployed, "").commands
    order = ["security policies", "protocols bgp", "policy-options policy-statement",
             "policy-options route-filter-list", "security address-book global address-set",
             "security address-book", "security zones", "security ipsec vpn",
             "security ike gateway", "security ike policy", "security ipsec policy",
             "security (ike|ipsec) proposal", "security pki", "interfaces st0",
             "routing-options static"]
    ranks = [next(i for i, k in enumerate(order) if re.match(f"delete {k}", c))
             for c in commands]
    assert ranks == sorted(ranks), commands
    assert commands.index("delete security ipsec vpn netorch-st0-1000") < \
        commands.index("delete security ike gateway netorch-st0-1000") < \
        commands.index("delete security ike policy netorch-st0-1000")
    after = _apply(deployed, commands)
    assert set(junos.lines(after)) == set(junos.lines(OPERATOR)) | {
        "interfaces lo0 unit 0 family inet address 100.65.0.2/32"}


# --- over SSH, the real driver against the simulated SRX ------------------------------

def _deploy(sim: Simulator, config: str) -> Any:
    device = sim.devices["j1"]
    target = DeviceTarget("j1", "juniper_junos", "127.0.0.1", device.port, "courts",
                          {"config.set": config})
    return deploy_fabric([target], CREDS, DeployOptions(commit=True, audit_log=None)).devices[0]


def test_brownfield_deploy_over_ssh(rendered: dict[str, str]) -> None:
    device = JunosDevice("j1")
    device.minute = 0.5
    device.load_text((FIXTURES / "j1" / "operator-srx.conf").read_text())
    with Simulator([device]) as sim:
        refused = _deploy(sim, rendered["defaults"])
        assert refused.outcome is Outcome.CONFLICT and len(refused.conflicts) == 3
        assert not [c for c in device.commands if c.startswith("configure")]
        assert device.running_text() == OPERATOR
        first = _deploy(sim, rendered["resolved"])
        assert first.outcome is Outcome.COMMITTED, first.as_dict()
        after = device.running_text()
        assert _operator_lines_changed(OPERATOR, after, rendered["resolved"]) == set()
        assert _deploy(sim, rendered["resolved"]).outcome is Outcome.UNCHANGED
        removed = _deploy(sim, "")
        assert removed.outcome is Outcome.COMMITTED, removed.as_dict()
        assert "netorch" not in device.running_text()
        assert _operator_lines_changed(OPERATOR, device.running_text(), "") == set()


# --- the public corpus ----------------------------------------------------------------

CORPUS = [c for c in corpus.configs() if c.platform == "juniper_junos"]


@pytest.fixture(scope="module")
def corpus_intended(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, dict[str, str]]:
    out: dict[bool, dict[str, str]] = {}
    for resolved in (False, True):
        folder = tmp_path_factory.mktemp(f"corpus-{resolved}")
        path = corpus.inventory(folder, resolved=resolved)
        api.allocate(api.load(path), create=True)
        plan = api.plan(api.load(path))
        names = {c.name for c in CORPUS}
        out[resolved] = {n: f["config.set"] for n, f in
                         api.render(plan, SECRET, devices=names).items()}
    return out


@pytest.mark.parametrize("config", CORPUS, ids=[c.name for c in CORPUS])
def test_a_corpus_config_keeps_every_operator_line(
        config: corpus.Config, corpus_intended: dict[bool, dict[str, str]]) -> None:
    before = display_set(parse(config.text))
    intended = corpus_intended[True][config.name]
    change = junos.plan_change(before, intended)
    assert change.conflicts == (), [str(c) for c in change.conflicts]
    after = _apply(before, change.commands)
    assert _operator_lines_changed(before, after, intended) == set()
    assert not junos.plan_change(after, intended)
    if config.entry.get("bgp_asn"):
        defaults = junos.plan_change(before, corpus_intended[False][config.name])
        assert any("asn:" in c.resolve for c in defaults.conflicts), config.name
