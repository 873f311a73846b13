"""The IOS-XE simulator's zone-based firewall grammar (issue 17): it takes every line
netorch renders for a policy, stores them as IOS shows them (numbered ACL entries, a /32
as `host`, named ports, the inspect policy-map's `class class-default` last), and
refuses what IOS refuses: malformed entries, a line naming an object that is not there,
and removing an object that something still names."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch import api
from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe.sim import INCOMPLETE, INVALID, IosXeDevice, IosXeSession

ROOT = Path(__file__).resolve().parents[2]
BASE = """hostname r
object-group network A
 10.1.0.0 255.255.0.0
!
object-group network B
 host 10.2.0.1
!
object-group service S
 tcp eq 443
!
ip access-list extended L
 10 permit object-group S object-group A object-group B
!
class-map type inspect match-any C
 match access-group name L
!
policy-map type inspect P
 class type inspect C
  inspect
 class class-default
  drop log
!
zone security Z
!
zone-pair security ZP source Z destination self
 service-policy type inspect P
!
interface Tunnel5
 zone-member security Z
!
""".replace("  inspect\n", "  inspect \n")  # IOS prints the action with a trailing space


def _session(text: str = BASE) -> tuple[IosXeDevice, IosXeSession]:
    device = IosXeDevice("r")
    device.load_text(text)
    session = IosXeSession(device)
    session.handle("configure terminal")
    return device, session


def _typed(session: IosXeSession, lines: list[str]) -> list[str]:
    return [session.handle(line).text for line in lines]


def test_a_rendered_policy_is_taken_whole_and_read_back_as_rendered() -> None:
    plan = api.plan(api.load(ROOT / "tests" / "fixtures" / "cnsa-regional.yaml"))
    text = api.render(plan, redact=True, devices={"nb-r1"})["nb-r1"]["config.ios"]
    device, session = _session("hostname r\n")
    change = ios.plan_change(device.running_text(), text)
    replies = _typed(session, change.commands)
    assert [r for r in replies if r.startswith("%")] == []
    shown = device.running_text()
    assert " udp eq domain" in shown and " udp eq ntp" in shown  # IOS's names
    assert " 10 permit object-group netorch-svc-https object-group netorch-zone-police " \
           "object-group netorch-org-courts-b" in shown
    assert " host 100.65.0.1" in shown
    assert " 10 permit tcp host 100.64.0.4 host 100.64.0.5 eq bgp" in shown  # port 179
    assert " 20 permit tcp host 100.64.0.4 eq bgp host 100.64.0.5" in shown
    assert "zone-pair security netorch-fabric-to-self source netorch-fabric destination " \
           "self" in shown
    assert not ios.plan_change(shown, text)


@pytest.mark.parametrize(("enter", "line", "caret"), [
    ("object-group network N", "10.0.0.0/8", 0),
    ("object-group network N", "10.0.0.0 255.0.255.0", 1),
    ("object-group network N", "host 10.0.0", 1),
    ("object-group service V", "tcp eq 70000", 2),
    ("object-group service V", "tcp eq ntp", 2),
    ("object-group service V", "udp eq www", 2),
    ("object-group service V", "tcp neq 5", 1),
    ("object-group service V", "udp range 10 20 30", 4),
    ("object-group service V", "sctp", 0),
    ("policy-map type inspect P", "class type inspect C\ndrop logg", 1),
    ("policy-map type inspect P", "class type inspect C\ninspect a b", 2),
    ("ip access-list extended L", "15 allow ip any any", 1),
])
def test_a_malformed_line_gets_the_caret_where_ios_puts_it(enter: str, line: str,
                                                          caret: int) -> None:
    _, session = _session()
    *setup, last = [enter, *line.split("\n")]
    assert not any(r.startswith("%") for r in _typed(session, setup))
    reply = session.handle(last).text
    assert reply.endswith(INVALID), reply
    marker = reply.splitlines()[0]
    assert marker.index("^") == len(session.prompt()) + len(" ".join(last.split()[:caret])) + \
        (1 if caret else 0)


@pytest.mark.parametrize(("enter", "line"), [
    ("object-group service V", "tcp range 10"),
    ("class-map type inspect match-any K", "match"),
    ("ip access-list extended L", "permit"),
])
def test_an_unfinished_line_is_incomplete(enter: str, line: str) -> None:
    _, session = _session()
    session.handle(enter)
    assert session.handle(line).text == INCOMPLETE


@pytest.mark.parametrize(("lines", "refused"), [
    (["zone-pair security X source NOPE destination self"], "Zone NOPE"),
    (["zone-pair security X source default destination Z"], "Zone default"),
    (["zone-pair security ZP source Z destination self", "service-policy type inspect NOPE"],
     "Policy-map NOPE"),
    (["policy-map type inspect P", "class type inspect NOPE"], "Class-map NOPE"),
    (["interface Tunnel5", "zone-member security NOPE"], "Zone NOPE"),
    (["ip access-list extended L", "permit object-group NOPE object-group A object-group B"],
     "Object-group NOPE"),
    (["ip access-list extended L", "permit object-group S object-group A object-group NOPE"],
     "Object-group NOPE"),
    (["ip access-list extended L", "permit object-group A object-group A object-group B"],
     "Object-group A"),  # a network group where the service group goes
])
def test_a_line_naming_a_missing_object_is_refused(lines: list[str], refused: str) -> None:
    device, session = _session()
    before = device.running_text()
    replies = _typed(session, lines)
    assert replies[-1] == f"% {refused} is not configured\n"
    assert device.running_text() == before


@pytest.mark.parametrize(("removal", "user"), [
    ("no zone security Z", "zone-pair security ZP"),
    ("no policy-map type inspect P", "zone-pair security ZP"),
    ("no class-map type inspect match-any C", "policy-map type inspect P"),
    ("no object-group network A", "ip access-list extended L"),
    ("no object-group service S", "ip access-list extended L"),
])
def test_an_object_still_named_cannot_go(removal: str, user: str) -> None:
    device, session = _session()
    before = device.running_text()
    reply = session.handle(removal).text
    assert reply.startswith("% ") and user in reply, reply
    assert device.running_text() == before


@pytest.mark.parametrize(("lines", "refused"), [
    (["object-group network A", "no 10.1.0.0 255.255.0.0"], "Object-group A"),
    (["object-group network B", "no host 10.2.0.1"], "Object-group B"),
    (["object-group service S", "no tcp eq 443"], "Object-group S"),
])
def test_a_group_an_acl_uses_cannot_be_made_empty(lines: list[str], refused: str) -> None:
    """"You cannot remove an object group or make an object group empty if it is used in
    an ACL" (Cisco IOS XE 17, "Object Groups for ACLs")."""
    device, session = _session()
    before = device.running_text()
    replies = _typed(session, lines)
    assert replies[-1].startswith(f"% {refused} is used by ip access-list extended L"), replies
    assert device.running_text() == before


def test_a_group_keeps_an_entry_or_is_unused_then_its_entries_may_go() -> None:
    device, session = _session(BASE + "object-group network U\n host 10.9.0.1\n!\n")
    replies = _typed(session, [
        "object-group network A", "10.3.0.0 255.255.0.0", "no 10.1.0.0 255.255.0.0",
        "description x", "no description x", "exit",
        "object-group network U", "no host 10.9.0.1"])
    assert [r for r in replies if r] == []
    shown = device.running_text()
    assert "object-group network A\n 10.3.0.0 255.255.0.0\n!" in shown
    assert "object-group network U\n!" in shown


def test_referrers_first_lets_everything_go() -> None:
    device, session = _session()
    replies = _typed(session, [
        "interface Tunnel5", "no zone-member security Z", "exit",
        "no zone-pair security ZP source Z destination self", "no zone security Z",
        "no policy-map type inspect P", "no class-map type inspect match-any C",
        "no ip access-list extended L", "no object-group network A",
        "no object-group network B", "no object-group service S"])
    assert [r for r in replies if r] == []
    assert device.running_text().split("hostname r\n")[1].strip().splitlines() == [
        "!", "interface Tunnel5", "!", "end"]


def test_acl_entries_are_numbered_and_removed_by_text_or_number() -> None:
    device, session = _session()
    replies = _typed(session, ["ip access-list extended L",
                               "permit object-group S object-group B object-group A",
                               "10 permit ip any any"])
    assert replies[1:] == ["", "% Duplicate sequence number\n"]
    assert " 20 permit object-group S object-group B object-group A" in device.running_text()
    _typed(session, ["no permit object-group S object-group A object-group B", "no 20"])
    assert "permit" not in device.running_text().split("ip access-list extended L")[1].split(
        "!")[0]


def test_entries_are_stored_as_ios_shows_them() -> None:
    device, session = _session("hostname r\n")
    _typed(session, ["object-group network N", "10.9.0.1 255.255.255.255", "exit",
                     "object-group service V", "tcp range 20 21", "udp eq 161", "tcp eq 8443",
                     "exit", "class-map type inspect K", "exit",
                     "policy-map type inspect Q"])
    shown = device.running_text()
    assert " host 10.9.0.1" in shown
    assert " tcp range ftp-data ftp\n udp eq snmp\n tcp eq 8443\n" in shown
    assert "class-map type inspect match-all K\n" in shown
    assert "policy-map type inspect Q\n class class-default\n  drop\n" in shown


def test_a_class_goes_before_class_default_and_one_action_replaces_another() -> None:
    device, session = _session()
    _typed(session, ["class-map type inspect match-all D", "match access-group name L",
                     "exit", "policy-map type inspect P", "class type inspect D", "pass log",
                     "drop", "exit", "class class-default", "pass"])
    policy_map = device.running_text().split("policy-map type inspect P\n")[1].split("!")[0]
    assert policy_map.splitlines() == [" class type inspect C", "  inspect ",
                                       " class type inspect D", "  drop",
                                       " class class-default", "  pass"]
