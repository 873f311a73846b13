"""Junos brownfield, review findings on what netorch shares with the operator: statements
inherited from configuration groups, the implicit router-id, and netorch's zones that
the operator's own statements use. (The fixtures and helpers: test_brownfield_junos.py.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netorch.platforms.juniper_junos import config as junos
from tests.deploy.test_brownfield_junos import (
    OPERATOR,
    RESOLVED,
    _apply,
    _intended,
    _operator_lines_changed,
)

# The reviewer's r-junos (/tmp/rv/jun1), on j1's interfaces: AS, router-id and the
# underlay's zone come from group BASE only.
GROUPED = """set version 20.4R3
set groups BASE routing-options autonomous-system 65020
set groups BASE routing-options router-id 10.255.0.2
set groups BASE security zones security-zone untrust interfaces ge-0/0/0.0 \
host-inbound-traffic system-services ping
set apply-groups BASE
set system host-name j1
set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.20/29
set interfaces ge-0/0/2 unit 0 family inet address 10.2.0.1/24
set interfaces lo0 unit 0 family inet address 10.255.0.2/32
set protocols ospf area 0.0.0.0 interface ge-0/0/2.0
set protocols bgp group IBGP type internal
set protocols bgp group IBGP local-address 10.255.0.2
set protocols bgp group IBGP neighbor 10.255.0.9
set routing-options static route 0.0.0.0/0 next-hop 198.51.100.17
set security zones security-zone trust interfaces ge-0/0/2.0
"""
GROUP_RESOLVED = {"asn": 65020, "router_id": "10.255.0.2", "zone": "untrust"}
# The same device with nothing in groups and no router-id: OSPF and BGP run by lo0.0's.
IMPLICIT = "\n".join(ln for ln in GROUPED.splitlines()
                     if "groups" not in ln) + "\nset routing-options autonomous-system 65020\n"


@pytest.fixture(scope="module")
def intended(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("junos-shared")
    cases: dict[str, dict[str, Any]] = {
        "defaults": {}, "grouped": GROUP_RESOLVED, "resolved": RESOLVED,
        "own-zone": {"asn": 65001, "router_id": "10.255.2.1"},
        "as-only": {"asn": 65020, "zone": "untrust"},
        "router-id-lo0": {"asn": 65020, "zone": "untrust", "router_id": "10.255.0.2"},
        "router-id-other": {"asn": 65020, "zone": "untrust", "router_id": "10.9.9.9"}}
    return {name: _intended(Path(tmp), **settings) for name, settings in cases.items()}


def _conflicts(running: str, intended: str) -> dict[str, str]:
    return {c.line: c.resolve for c in junos.plan_change(running, intended).conflicts}


# --- 1. apply-groups --------------------------------------------------------------------

def test_inherited_as_router_id_and_zone_are_conflicts(intended: dict[str, str]) -> None:
    found = _conflicts(GROUPED, intended["defaults"])
    assert found == {
        "groups BASE routing-options autonomous-system 65020":
            "set `asn: 65020` on the device to use it",
        "groups BASE routing-options router-id 10.255.0.2":
            "set `router_id: 10.255.0.2` on the device to use it",
        "groups BASE security zones security-zone untrust interfaces ge-0/0/0.0":
            "set `zone: untrust` on the link with interface ge-0/0/0.0"}


def test_inherited_values_resolved_are_not_set_again(intended: dict[str, str]) -> None:
    change = junos.plan_change(GROUPED, intended["grouped"])
    assert change.conflicts == ()
    assert not [c for c in change.commands if "router-id" in c or "autonomous-system" in c]
    assert not [c for c in change.commands if "netorch-internet" in c]
    after = _apply(GROUPED, change.commands)
    assert _operator_lines_changed(GROUPED, after, intended["grouped"]) == set()
    assert not junos.plan_change(after, intended["grouped"])


@pytest.mark.parametrize(("extra", "asn"), [
    ("set routing-options apply-groups RO\n", "65030"),
    ("set apply-groups RO\nset apply-groups BASE\n", "65030"),
    ("set apply-groups BASE\nset routing-options apply-groups-except BASE\n", None),
    ("set apply-groups BASE\ndeactivate groups BASE\n", None),
    ("set apply-groups BASE\ndeactivate apply-groups BASE\n", None),
    ("set apply-groups BASE\nset routing-options autonomous-system 4200000002\n", None),
])
def test_groups_apply_at_their_level_first_first_and_not_when_excepted(
        intended: dict[str, str], extra: str, asn: str | None) -> None:
    running = ("set groups RO routing-options autonomous-system 65030\n"
               "set groups BASE routing-options autonomous-system 65020\n") + extra
    found = [c for c in junos.plan_change(running, intended["defaults"]).conflicts
             if "asn:" in c.resolve]
    assert [c.resolve for c in found] == ([f"set `asn: {asn}` on the device to use it"]
                                          if asn else [])


def test_an_interface_in_an_operator_zone_through_a_wildcard_group(
        intended: dict[str, str]) -> None:
    running = ("set groups Z security zones security-zone <*> interfaces ge-0/0/0.0\n"
               "set security zones security-zone untrust screen untrust-screen\n"
               "set security zones apply-groups Z\n")
    found = _conflicts(running, intended["own-zone"])
    assert found["groups Z security zones security-zone <*> interfaces ge-0/0/0.0"] == \
        "set `zone: untrust` on the link with interface ge-0/0/0.0"


# --- 2. the implicit router-id ----------------------------------------------------------

def test_an_implicit_router_id_is_pinned_not_replaced(intended: dict[str, str]) -> None:
    found = _conflicts(IMPLICIT, intended["as-only"])
    assert found == {"interfaces lo0 unit 0 family inet address 10.255.0.2/32":
                     "set `router_id: 10.255.0.2` on the device to keep it"}
    [conflict] = junos.plan_change(IMPLICIT, intended["as-only"]).conflicts
    assert "ospf, bgp" in conflict.reason
    assert _conflicts(IMPLICIT, intended["router-id-other"])  # another value: still refused
    change = junos.plan_change(IMPLICIT, intended["router-id-lo0"])
    assert change.conflicts == ()
    assert "set routing-options router-id 10.255.0.2" in change.commands


@pytest.mark.parametrize(("lo0", "now"), [
    (["10.255.0.9/32", "10.255.0.5/32"], "10.255.0.5"),
    (["10.255.0.9/32 primary", "10.255.0.5/32"], "10.255.0.9"),
    (["127.0.0.1/32", "10.255.0.7/32"], "10.255.0.7"),
])
def test_the_implicit_router_id_is_lo0s_primary_else_lowest(
        intended: dict[str, str], lo0: list[str], now: str) -> None:
    running = "".join(f"set interfaces lo0 unit 0 family inet address {a}\n" for a in lo0)
    [conflict] = junos.plan_change(running, intended["as-only"]).conflicts
    assert conflict.resolve == f"set `router_id: {now}` on the device to keep it"


def test_without_lo0_a_protocol_needs_the_router_id_it_uses(intended: dict[str, str]) -> None:
    running = "set protocols ospf area 0.0.0.0 interface ge-0/0/2.0\n"
    [conflict] = junos.plan_change(running, intended["as-only"]).conflicts
    assert conflict.line == "protocols ospf area 0.0.0.0 interface ge-0/0/2.0"
    assert "`router_id:`" in conflict.resolve
    assert junos.plan_change(running, intended["router-id-other"]).conflicts == ()
    inactive = running + "deactivate protocols ospf\n"
    assert junos.plan_change(inactive, intended["as-only"]).conflicts == ()


def test_without_protocols_or_lo0_netorch_sets_its_own(intended: dict[str, str]) -> None:
    running = "set system host-name j1\n"
    change = junos.plan_change(running, intended["as-only"])
    assert change.conflicts == ()
    assert "set routing-options router-id 100.65.0.2" in change.commands


# --- 4. netorch's zones the operator uses -----------------------------------------------

_NO_UNTRUST = "".join(ln + "\n" for ln in OPERATOR.splitlines()
                      if "security-zone untrust interfaces ge-0/0/0.0" not in ln)


@pytest.fixture(scope="module")
def in_own_zone(intended: dict[str, str]) -> str:
    """The operator's SRX after netorch put ge-0/0/0.0 in its zone netorch-internet."""
    deployed = _apply(_NO_UNTRUST, junos.plan_change(_NO_UNTRUST, intended["own-zone"]).commands)
    assert "netorch-internet interfaces ge-0/0/0.0" in deployed
    return deployed


def test_a_netorch_zone_the_operators_policy_uses_is_not_deleted(
        in_own_zone: str, intended: dict[str, str]) -> None:
    policy = "set security policies from-zone netorch-internet to-zone trust policy ops-allow "
    running = in_own_zone + "".join(policy + s + "\n" for s in (
        "match source-address any", "match destination-address any",
        "match application any", "then permit"))
    change = junos.plan_change(running, intended["resolved"])
    assert "delete security zones security-zone netorch-internet" in change.commands
    [conflict] = change.conflicts
    assert conflict.line == policy[4:] + "match source-address any"
    assert "netorch-internet" in conflict.resolve
    # rehearsal catches it too: Junos refuses the commit
    with pytest.raises(AssertionError, match="Security zone netorch-internet must be defined"):
        _apply(running, change.commands)
    unused = junos.plan_change(in_own_zone, intended["resolved"])
    assert unused.conflicts == ()


def test_the_operators_interface_in_netorch_vpn_is_not_deleted(
        in_own_zone: str, intended: dict[str, str]) -> None:
    running = in_own_zone + "set security zones security-zone netorch-vpn interfaces ge-0/0/3.0\n"
    [conflict] = junos.plan_change(running, intended["own-zone"]).conflicts
    assert conflict.line == "security zones security-zone netorch-vpn interfaces ge-0/0/3.0"
    assert conflict.resolve.startswith("move ge-0/0/3.0 out of netorch-vpn")
    assert junos.plan_change(running, "").conflicts  # nor when netorch goes away
    assert junos.plan_change(in_own_zone, "").conflicts == ()
    ssh = in_own_zone + ("set security zones security-zone netorch-internet "
                         "host-inbound-traffic system-services ssh\n")
    [conflict] = junos.plan_change(ssh, intended["resolved"]).conflicts  # the zone goes
    assert "`host-inbound-traffic system-services ssh` in netorch's zone netorch-internet" \
        in conflict.reason
