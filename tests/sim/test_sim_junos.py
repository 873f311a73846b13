"""The simulated SRX reads complete real configs (display set and curly) and checks commits
as Junos does: a line it cannot read is an error naming it, an interface in two zones is
refused at commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch.platforms.juniper_junos.sim import JunosDevice
from netorch.platforms.juniper_junos.sim_config import parse
from netorch.sim.base import ConfigParseError

FIXTURE = Path(__file__).resolve().parents[1] / "deploy" / "fixtures" / "j1" / "operator-srx.conf"
DISPLAY_SET = """## Last commit: 2024-03-11 09:14:02 UTC by opsadmin
set version 21.4R3-S5.4
set system host-name j1
set system login message "Authorised users only; all sessions are logged"
set system ntp server 192.0.2.123
deactivate system ntp
set interfaces  st0 unit 0 description "AWS VPN tunnel 1"
set security ike policy aws pre-shared-key ascii-text "$9$AWSoperatorKey"
set security zones security-zone untrust interfaces ge-0/0/0.0
{primary:node0}
"""


def _device(text: str) -> JunosDevice:
    device = JunosDevice("j1")
    device.load_text(text)
    return device


def test_display_set_with_deactivate_and_quotes_prints_back_the_same() -> None:
    shown = _device(DISPLAY_SET).running_text()
    assert shown.splitlines() == [
        "set version 21.4R3-S5.4", "set system host-name j1",
        'set system login message "Authorised users only; all sessions are logged"',
        "set system ntp server 192.0.2.123", "deactivate system ntp",
        'set interfaces st0 unit 0 description "AWS VPN tunnel 1"',
        'set security ike policy aws pre-shared-key ascii-text "$9$AWSoperatorKey"',
        "set security zones security-zone untrust interfaces ge-0/0/0.0"]
    assert _device(shown).running_text() == shown


def test_curly_format_is_read_completely() -> None:
    entries = parse(FIXTURE.read_text())
    assert entries[:4] == [
        "version 21.4R3-S5.4", "system host-name j1",
        'system root-authentication encrypted-password "$6$Qx1.Zt$abcdefghijklmnopqrstuvwxyz'
        '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd"',
        'system login message "Authorised users only; all sessions are logged"']
    for entry in ("system name-server 192.0.2.53", "system name-server 192.0.2.54",
                  "system services netconf ssh", "deactivate system ntp",
                  "security zones security-zone trust interfaces lo0.0",
                  "routing-options static route 192.0.2.0/24 next-hop 172.16.2.1",
                  "deactivate routing-options static route 192.0.2.0/24 next-hop 172.16.2.1",
                  "deactivate protocols bgp group aws neighbor 169.254.11.1",
                  "security ike gateway aws-gw-1 dead-peer-detection"):
        assert entry in entries, entry
    # the deactivation follows what it deactivates, as display set prints it
    assert entries.index("deactivate system ntp") == entries.index("system ntp server "
                                                                   "192.0.2.123") + 1
    text = FIXTURE.read_text()
    statements = text.count(";") - text.count("; all") + 1  # one quoted ';', one 2-list
    assert len(entries) == statements + text.count("inactive:")


def test_curly_and_its_display_set_load_to_the_same_config() -> None:
    curly = _device(FIXTURE.read_text())
    again = _device(curly.running_text())
    assert again.active == curly.active
    assert again.running_text() == curly.running_text()


def test_curly_details() -> None:
    text = """/* annotation
   over two lines */
apply-groups [ base site ];
protect: system {
    replace: host-name "r 1";
    inactive: domain-name example.net; ## trailing
}
security { zones { security-zone empty { } security-zone named; } }
"""
    assert parse(text) == [
        "apply-groups base", "apply-groups site", 'system host-name "r 1"',
        "system domain-name example.net", "deactivate system domain-name example.net",
        "protect system", "security zones security-zone empty",
        "security zones security-zone named"]


@pytest.mark.parametrize(("text", "line"), [
    ("system {\n    host-name r1\n}\n", 3),             # a statement without ';'
    ("system {\n    host-name r1;\n", 1),               # a block never closed
    ("system {\n    host-name r1;\n}\n}\n", 4),         # one '}' too many
    ('system {\n    host-name "r1;\n}\n', 2),           # an unterminated string
    ("set system host-name r1\nshow system\n", 2),       # not a set statement
    ('set system host-name r1\nset system login message "x\n', 2),
    ("set system host-name r1\nset system name-server [ 1.1.1.1\n", 2),
    ("set system host-name r1\nset system { host-name r2; }\n", 2),
])
def test_a_line_it_cannot_read_is_an_error_naming_it(text: str, line: int) -> None:
    device = JunosDevice("j1")
    before = list(device.active)
    with pytest.raises(ConfigParseError) as error:
        device.load_text(text)
    assert error.value.line == line and f"line {line}:" in str(error.value)
    assert device.active == before  # nothing loaded in part


def test_commit_refuses_an_interface_in_two_zones() -> None:
    device = _device(DISPLAY_SET)
    session = device.session()
    session.handle("configure exclusive")
    session.handle("set security zones security-zone netorch-internet interfaces ge-0/0/0.0 "
                   "host-inbound-traffic system-services ike")
    for command in ("commit check", "commit", "commit confirmed 2"):
        reply = session.handle(command).text
        assert "Interface ge-0/0/0.0 is already in zone untrust" in reply, reply
        assert "commit complete" not in reply and "error: configuration check-out failed" in reply
    assert "netorch-internet" not in device.running_text()
    # a zone membership that is deactivated does not count
    session.handle("deactivate security zones security-zone untrust interfaces ge-0/0/0.0")
    assert "commit complete" in session.handle("commit").text


_GROUPED = """set groups BASE security zones security-zone untrust interfaces ge-0/0/0.0
set groups ZONES security-zone <*> interfaces ge-0/0/1.0
set apply-groups BASE
set security zones security-zone trust interfaces ge-0/0/2.0
"""


def _commit(device: JunosDevice, *commands: str) -> str:
    session = device.session()
    session.handle("configure exclusive")
    for command in commands:
        session.handle(command)
    reply = session.handle("commit").text
    session.handle("exit")
    session.handle("yes")  # when the commit was refused: discard the candidate
    return reply


@pytest.mark.parametrize(("extra", "refused"), [
    ("", True),                                                     # top-level apply-groups
    ("deactivate apply-groups BASE\n", False),
    ("set security apply-groups-except BASE\n", False),
    ("deactivate groups BASE security zones\n", False),
])
def test_commit_sees_what_groups_give(extra: str, refused: bool) -> None:
    """Review: an interface in an operator zone through a group was not seen."""
    device = _device(_GROUPED + extra)
    reply = _commit(device, "set security zones security-zone netorch-internet interfaces "
                            "ge-0/0/0.0 host-inbound-traffic system-services ike")
    assert ("Interface ge-0/0/0.0 is already in zone" in reply) is refused, reply
    assert ("commit complete" in reply) is not refused


def test_commit_sees_a_wildcard_group_at_its_level() -> None:
    text = _GROUPED.replace("ZONES security-zone", "ZONES security zones security-zone")
    device = _device(text + "set security zones apply-groups ZONES\n")
    reply = _commit(device, "set security zones security-zone dmz interfaces ge-0/0/1.0")
    assert "Interface ge-0/0/1.0 is already in zone" in reply, reply


def test_commit_refuses_a_policy_naming_a_zone_that_does_not_exist() -> None:
    """Review: deleting a zone an operator's policy uses went through the simulator."""
    device = _device(DISPLAY_SET + "set security zones security-zone trust\n"
                     "set security policies from-zone trust to-zone untrust policy p "
                     "then permit\n")
    reply = _commit(device, "delete security zones security-zone untrust")
    assert "Security zone untrust must be defined" in reply, reply
    assert "commit complete" not in reply
    reply = _commit(device, "set security policies from-zone trust to-zone junos-host "
                            "policy q then permit",
                    "set security policies global policy g match from-zone dmz")
    assert "Security zone dmz must be defined" in reply and "junos-host" not in reply
    assert "commit complete" in _commit(device, "delete security policies global",
                                        "set security policies global policy g then permit")


def test_deactivate_activate_and_delete_in_configuration_mode() -> None:
    device = _device(DISPLAY_SET)
    session = device.session()
    session.handle("configure")
    session.handle("deactivate interfaces st0 unit 0")
    session.handle("activate system ntp")
    assert "commit complete" in session.handle("commit").text
    shown = device.running_text()
    assert "deactivate interfaces st0 unit 0" in shown and "deactivate system ntp" not in shown
    session.handle("delete interfaces st0")
    assert "warning: statement not found" in session.handle("activate interfaces st0").text
    session.handle("commit")
    assert "st0" not in device.running_text()
    assert session.handle("show | compare").text == ""
