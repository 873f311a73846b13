"""IOS-XE segmentation policy on the simulator: deploy owns exactly netorch's firewall
objects (issue 17). A router carrying the operator's own zone-based firewall keeps it
byte for byte; a re-deploy changes nothing; taking the policy out of the inventory
removes netorch's zones, zone-pairs, policy-maps, class-maps, ACLs and object-groups, and
only them; a site renumbered (every entry of its group replaced) converges without IOS
ever being asked to empty an object-group an ACL uses. The router is r1, the IOS-XE hub
of tests/deploy/fixtures/e2e-fabric.yaml, over the AWS-VPN brownfield config
(tests/deploy/test_brownfield_ios.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch import api
from netorch.deploy import Credentials, DeployOptions, Outcome, build_targets, deploy_fabric
from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe.sim import IosXeDevice
from netorch.sim.server import Simulator
from tests.deploy.test_brownfield_ios import AWS, FIXTURES, JOINED, SECRET

POLICY = """  policy:
    default: deny
    same_organisation: allow
    rules:
      - {from: zone:courts, to: zone:probation, services: [https, tcp/8443-8444, dns]}
      - {from: any, to: zone:dc, services: [ntp, syslog, icmp]}
"""
# The operator's own zone-based firewall, as `show running-config` prints it (an
# `inspect ` action keeps IOS's trailing space): a management class into the router and
# the internet uplink in its own zone.
OPERATOR_ZBF = """object-group network OPS-HOSTS
 host 10.50.0.10
 10.50.1.0 255.255.255.0
!
object-group service OPS-PORTS
 tcp eq 22
 udp eq snmp
!
ip access-list extended OPS-ACL
 10 permit object-group OPS-PORTS object-group OPS-HOSTS any
!
class-map type inspect match-any OPS-CLASS
 match access-group name OPS-ACL
!
policy-map type inspect OUTSIDE-TO-SELF
 class type inspect OPS-CLASS
  inspect
 class class-default
  drop
!
zone security INSIDE
 description LAN users
!
zone security OUTSIDE
!
zone-pair security OUT-SELF source OUTSIDE destination self
 service-policy type inspect OUTSIDE-TO-SELF
!
""".replace("  inspect\n", "  inspect \n")  # IOS prints the action with a trailing space
OPERATOR_HEADS = ("object-group network OPS-HOSTS", "object-group service OPS-PORTS",
                  "ip access-list extended OPS-ACL", "class-map type inspect match-any OPS-CLASS",
                  "policy-map type inspect OUTSIDE-TO-SELF", "zone security INSIDE",
                  "zone security OUTSIDE", "zone-pair security OUT-SELF source OUTSIDE "
                  "destination self", "interface GigabitEthernet1")
OPERATOR = AWS.replace("interface GigabitEthernet1\n", OPERATOR_ZBF + "interface "
                       "GigabitEthernet1\n zone-member security OUTSIDE\n", 1)
OWN_DEFAULT = OPERATOR.replace("zone security OUTSIDE\n", "zone security default\n"
                               " description operator: unzoned LANs\n!\nzone security "
                               "OUTSIDE\n", 1)
OPERATOR_NAMES = {"OPS-HOSTS", "OPS-PORTS", "OPS-ACL", "OPS-CLASS", "OUTSIDE-TO-SELF",
                  "INSIDE", "OUTSIDE", "OUT-SELF"}
NETORCH_FIREWALL = re.compile(r"^(object-group \S+|ip access-list extended|class-map type "
                              r"inspect \S+|policy-map type inspect|zone security|zone-pair "
                              r"security) netorch-")
CREDS = Credentials("netorch", "lab-pass")


def render(folder: Path, policy: str | None = POLICY, *, port: int = 22,
           edits: tuple[tuple[str, str], ...] = ()) -> str:
    """r1's config.ios in the e2e fabric, with `policy` (None: a flat fabric) and the
    inventory `edits` (old, new), its inventory written to `folder`."""
    text = (FIXTURES / "e2e-fabric.yaml").read_text().replace("{auth}", "psk")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    text = text.replace("{extra}", "").replace(":{r1}\n", f":{port}\n{JOINED}")
    text = text.replace(":{j1}", ":22").replace(":{f1}", ":22")
    if policy:
        text = text.replace("  crypto: {profile: ncsc-prime, auth: psk}\n",
                            "  crypto: {profile: ncsc-prime, auth: psk}\n" + policy, 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "inventory.yaml"
    path.write_text(text)
    api.allocate(api.load(path), create=True)
    plan = api.plan(api.load(path))
    return api.render(plan, SECRET, devices={"r1"})["r1"]["config.ios"]


def apply(running: str, commands: list[str]) -> str:
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


def section(text: str, head: str) -> list[str]:
    """The top-level section `head` of a config, its lines exactly as printed."""
    return next((s for s in ios_sections_raw(text) if s[0] == head), [])


def ios_sections_raw(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith(" ") and out:
            out[-1].append(line)
        elif line and not line.startswith(("!", "Building", "Current", "end")):
            out.append([line])
    return out


def operators_view(text: str, heads: tuple[str, ...] = OPERATOR_HEADS) -> dict[str, list[str]]:
    """The operator's firewall sections as printed (its uplink with its zone-member)."""
    return {head: section(text, head) for head in heads}


@pytest.fixture
def policy(tmp_path: Path) -> str:
    return render(tmp_path / "policy")


@pytest.fixture
def flat(tmp_path: Path) -> str:
    return render(tmp_path / "flat", None)


def test_the_operators_firewall_is_byte_identical_and_a_redeploy_is_empty(policy: str) -> None:
    change = ios.plan_change(OPERATOR, policy)
    assert change.conflicts == ()
    words = {w for c in change.commands for w in c.split()}
    assert not words & OPERATOR_NAMES
    assert [c for c in change.commands if " self" in c] == [  # netorch's own zone-pair
        "zone-pair security netorch-fabric-to-self source netorch-fabric destination self"]
    assert "interface GigabitEthernet1" not in change.commands
    assert not [c for c in change.commands if c.startswith("no ")]
    after = apply(OPERATOR, change.commands)
    assert operators_view(after) == operators_view(OPERATOR)
    assert all(operators_view(OPERATOR).values())
    assert not ios.plan_change(after, policy)  # idempotent: nothing to send, no diff


def test_taking_the_policy_out_removes_netorchs_firewall_and_only_it(
        policy: str, flat: str) -> None:
    deployed = apply(OPERATOR, ios.plan_change(OPERATOR, policy).commands)
    assert "zone security default" in deployed and "zone-member security netorch-fabric" in \
        deployed
    change = ios.plan_change(deployed, flat)
    firewall = {ln for ln in deployed.splitlines() if NETORCH_FIREWALL.match(ln)}
    removed = {c[3:] for c in change.commands if c.startswith("no ")}
    assert firewall | {"zone security default"} <= removed
    assert not {w for c in removed for w in c.split()} & OPERATOR_NAMES
    assert change.commands.count("no zone-member security netorch-fabric") == \
        deployed.count("zone-member security netorch-fabric")
    after = apply(deployed, change.commands)
    assert operators_view(after) == operators_view(OPERATOR)
    assert not [ln for ln in after.splitlines() if "security netorch-fabric" in ln or
                NETORCH_FIREWALL.match(ln) or ln == "zone security default"]
    assert not ios.plan_change(after, flat)
    assert set(ios.lines(OPERATOR)) - set(ios.lines(after)) == set()


def test_the_operators_default_zone_is_used_as_it_is_and_never_removed(
        policy: str, flat: str) -> None:
    theirs = section(OWN_DEFAULT, "zone security default")
    change = ios.plan_change(OWN_DEFAULT, policy)
    assert not any("zone security default" in c for c in change.commands)
    deployed = apply(OWN_DEFAULT, change.commands)
    assert section(deployed, "zone security default") == theirs
    assert "zone-pair security netorch-lan-to-fabric source default destination " \
           "netorch-fabric" in deployed
    assert not ios.plan_change(deployed, policy)
    after = apply(deployed, ios.plan_change(deployed, flat).commands)
    assert section(after, "zone security default") == theirs
    assert operators_view(after) == operators_view(OWN_DEFAULT)


def test_a_flat_fabric_renders_no_firewall(flat: str) -> None:
    assert not [ln for ln in flat.splitlines() if NETORCH_FIREWALL.match(ln) or "zone" in ln]


def test_a_changed_rule_is_edited_in_place(tmp_path: Path, policy: str) -> None:
    """A service added to a rule: the ACL and a new object-group, nothing removed; the
    ACL's new entry goes in after IOS's numbered ones."""
    deployed = apply(OPERATOR, ios.plan_change(OPERATOR, policy).commands)
    wider = render(tmp_path / "wider", POLICY.replace("[https, tcp/8443-8444, dns]",
                                                      "[https, tcp/8443-8444, dns, ssh]"))
    change = ios.plan_change(deployed, wider)
    removed = [c for c in change.commands if c.startswith("no ")]
    assert removed == ["no description netorch: from zone:courts to zone:probation: https, "
                       "tcp/8443-8444, dns"]  # the class-map's, replaced
    assert "object-group service netorch-svc-ssh" in change.commands
    after = apply(deployed, change.commands)
    assert " 40 permit object-group netorch-svc-ssh object-group netorch-zone-courts " \
           "object-group netorch-zone-probation" in after.splitlines()
    assert not ios.plan_change(after, wider)


# The probation site renumbered (its LAN) and the fabric's loopbacks moved to a new pool:
# every entry of netorch-zone-probation changes, and some of every other group's.
RENUMBERED = (("lan: [10.3.0.0/16]", "lan: [10.30.0.0/16]"),
              ("loopbacks: 100.65.0.0/26", "loopbacks: 100.66.0.0/26"))


def _group(text: str, name: str) -> list[str]:
    return [ln for ln in section(text, f"object-group network {name}")[1:]
            if not ln.startswith(" description")]


def test_a_group_whose_every_entry_changes_is_never_emptied(tmp_path: Path,
                                                            policy: str) -> None:
    """IOS refuses to make an object-group an ACL uses empty: the new entries go in
    before the old go, and the router converges."""
    deployed = apply(OPERATOR, ios.plan_change(OPERATOR, policy).commands)
    renumbered = render(tmp_path / "renumbered", edits=RENUMBERED)
    old, new = (_group(t, "netorch-zone-probation") for t in (deployed, renumbered))
    assert old and new and not set(old) & set(new)
    change = ios.plan_change(deployed, renumbered)
    block = change.commands[change.commands.index(
        "object-group network netorch-zone-probation"):]
    block = block[1:block.index("exit")]
    assert block == [*(e.strip() for e in new), *(f"no {e.strip()}" for e in old)]
    after = apply(deployed, change.commands)  # no line refused
    assert _group(after, "netorch-zone-probation") == new
    assert not ios.plan_change(after, renumbered)


def test_the_simulator_refuses_to_empty_a_group_an_acl_uses(policy: str) -> None:
    """The other order (old entries out first) is what IOS refuses."""
    deployed = apply(OPERATOR, ios.plan_change(OPERATOR, policy).commands)
    device = IosXeDevice("r1")
    device.load_text(deployed)
    session = device.session()
    session.handle("configure terminal")
    session.handle("object-group network netorch-zone-probation")
    old = _group(deployed, "netorch-zone-probation")
    replies = [session.handle(f"no {e.strip()}").text for e in old]
    assert replies[:-1] == [""] * (len(old) - 1)
    assert replies[-1].startswith("% Object-group netorch-zone-probation is used by "
                                  "ip access-list extended netorch-rule-1")
    assert _group(device.running_text(), "netorch-zone-probation") == old[-1:]


@pytest.fixture
def seeded() -> Iterator[tuple[Simulator, IosXeDevice]]:
    device = IosXeDevice("r1")
    device.load_text(OPERATOR)
    with Simulator([device]) as sim:
        yield sim, device


def test_deploy_over_ssh_adds_keeps_and_removes_the_policy(
        seeded: tuple[Simulator, IosXeDevice], tmp_path: Path) -> None:
    sim, device = seeded
    options = DeployOptions(commit=True, audit_log=tmp_path / "audit.jsonl")

    def deploy(with_policy: bool) -> Outcome:
        folder = tmp_path / str(with_policy)
        text = render(folder, POLICY if with_policy else None, port=device.port)
        files = {"r1": {"config.ios": text}}
        plan = api.plan(api.load(folder / "inventory.yaml"))
        targets = build_targets([d for d in plan.devices if d.name == "r1"], files)
        (result,) = deploy_fabric(targets, CREDS, options).devices
        return result.outcome

    assert deploy(True) is Outcome.COMMITTED
    running = sim.call(device.running_text)
    assert "zone-pair security netorch-fabric-transit" in running
    assert "zone-pair security netorch-fabric-to-self source netorch-fabric destination " \
           "self\n service-policy type inspect netorch-to-router" in running
    assert deploy(True) is Outcome.UNCHANGED
    assert deploy(False) is Outcome.COMMITTED
    after = sim.call(device.running_text)
    assert operators_view(after) == operators_view(OPERATOR)
    assert "security netorch-fabric" not in after and "zone security default" not in after
