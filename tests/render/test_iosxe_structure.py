"""IOS-XE output parsed by ciscoconfparse2 and checked structurally, for every device.

The checker finds dangling references a router would only complain about at the
first tunnel or BGP session: tunnels without IPsec protection, profiles naming
missing keyrings, neighbours without route-maps or with route-maps matching
missing prefix-lists. A test feeds it broken configs to prove it rejects them.
"""

from __future__ import annotations

import ipaddress

import pytest
from ciscoconfparse2 import CiscoConfParse

from tests.render.structure import cases, configs, planned_interfaces, sample

PLATFORM = "cisco_iosxe"


def _children(parse: CiscoConfParse, head: str) -> dict[str, list[str]]:
    """{name: child lines (stripped)} of every top-level `<head>NAME` block."""
    return {obj.text[len(head):].split()[0]: [c.text.strip() for c in obj.all_children]
            for obj in parse.find_objects(rf"^{head}\S+")}


def _value(lines: list[str], prefix: str) -> str | None:
    return next((line[len(prefix):].strip() for line in lines if line.startswith(prefix)), None)


def iosxe_problems(text: str) -> list[str]:
    """Dangling or missing references in one IOS-XE config; empty = structurally sound."""
    parse = CiscoConfParse(text.splitlines(), syntax="ios")
    problems: list[str] = []
    tunnels = _children(parse, "interface Tunnel")
    ipsec = _children(parse, "crypto ipsec profile ")
    ikev2 = _children(parse, "crypto ikev2 profile ")
    keyrings = _children(parse, "crypto ikev2 keyring ")
    trustpoints = _children(parse, "crypto pki trustpoint ")
    transforms = {o.text.split()[3] for o in parse.find_objects(r"^crypto ipsec transform-set ")}
    proposals = _children(parse, "crypto ikev2 proposal ")
    for policy, lines in _children(parse, "crypto ikev2 policy ").items():
        problems += [f"ikev2 policy {policy}: no proposal {p}" for line in lines
                     if line.startswith("proposal ") and (p := line.split()[1]) not in proposals]
    for number, lines in tunnels.items():
        problems += _tunnel_problems(f"Tunnel{number}", lines, ipsec, ikev2, keyrings)
    for name, lines in ipsec.items():
        transform = _value(lines, "set transform-set")
        if transform not in transforms:
            problems.append(f"ipsec profile {name}: no transform-set {transform}")
        if _value(lines, "set ikev2-profile") not in ikev2:
            problems.append(f"ipsec profile {name}: no ikev2 profile")
    for name, lines in ikev2.items():
        identities = ("match identity remote fqdn", "identity local fqdn")
        if not all(_value(lines, identity) for identity in identities):
            problems.append(f"ikev2 profile {name}: remote or local identity missing")
        keyring, trustpoint = _value(lines, "keyring local"), _value(lines, "pki trustpoint")
        if keyring is None and trustpoint is None:
            problems.append(f"ikev2 profile {name}: neither keyring nor trustpoint")
        if keyring is not None and keyring not in keyrings:
            problems.append(f"ikev2 profile {name}: no keyring {keyring}")
        if trustpoint is not None and trustpoint not in trustpoints:
            problems.append(f"ikev2 profile {name}: no trustpoint {trustpoint}")
    return problems + _bgp_problems(parse, tunnels)


def _tunnel_problems(name: str, lines: list[str], ipsec: dict[str, list[str]],
                     ikev2: dict[str, list[str]], keyrings: dict[str, list[str]]) -> list[str]:
    problems = [f"{name}: no '{need}'" for need in
                ("ip address", "tunnel source", "tunnel destination", "tunnel mode ipsec ipv4")
                if _value(lines, need) is None]
    profile = _value(lines, "tunnel protection ipsec profile")
    if profile is None or profile not in ipsec:
        return [*problems, f"{name}: no tunnel protection with an existing ipsec profile"]
    ike = ikev2.get(_value(ipsec[profile], "set ikev2-profile") or "", [])
    keyring = keyrings.get(_value(ike, "keyring local") or "")
    if keyring is not None:
        want = (_value(lines, "tunnel destination"), _value(ike, "match identity remote fqdn"))
        got = (_value(keyring, "address"), _value(keyring, "identity fqdn"))
        if want != got:
            problems.append(f"{name}: keyring peer {got} is not the tunnel's peer {want}")
    return problems


def _bgp_problems(parse: CiscoConfParse, tunnels: dict[str, list[str]]) -> list[str]:
    bgp = parse.find_objects(r"^router bgp ")
    if not bgp:
        return ["no router bgp"] if tunnels else []
    lines = [c.text.strip() for c in bgp[0].all_children]
    routemaps = _route_maps(parse)
    prefix_lists = {o.text.split()[2] for o in parse.find_objects(r"^ip prefix-list \S+ seq ")}
    subnets = [ipaddress.ip_interface("/".join(address.split()[:2])).network
               for t in tunnels.values() if (address := _value(t, "ip address"))]
    problems: list[str] = []
    peers = {line.split()[1] for line in lines
             if line.startswith("neighbor ") and line.split()[2] == "remote-as"}
    for peer in sorted(peers):
        if not any(ipaddress.ip_address(peer) in net for net in subnets):
            problems.append(f"neighbor {peer}: not on any tunnel")
        if f"neighbor {peer} activate" not in lines:
            problems.append(f"neighbor {peer}: not activated")
        for direction in ("in", "out"):
            name = next((line.split()[3] for line in lines
                         if line.startswith(f"neighbor {peer} route-map ")
                         and line.endswith(f" {direction}")), None)
            if name not in routemaps:
                problems.append(f"neighbor {peer}: no existing route-map {direction}")
                continue
            missing = [p for p in routemaps[name] if p not in prefix_lists]
            if not routemaps[name] or missing:
                problems.append(f"route-map {name}: matches no prefix-list or missing {missing}")
    return problems


def _route_maps(parse: CiscoConfParse) -> dict[str, list[str]]:
    """{route-map: prefix-lists its entries match}."""
    maps: dict[str, list[str]] = {}
    for obj in parse.find_objects(r"^route-map \S+ "):
        matched = maps.setdefault(obj.text.split()[1], [])
        for child in obj.children:
            words = child.text.split()
            if words[:4] == ["match", "ip", "address", "prefix-list"]:
                matched += words[4:]
    return maps


@pytest.mark.parametrize(("case", "device"), cases(PLATFORM))
def test_rendered_iosxe_is_structurally_sound(case: str, device: str) -> None:
    text = configs(case, PLATFORM)[device]
    assert iosxe_problems(text) == []
    parse = CiscoConfParse(text.splitlines(), syntax="ios")
    planned = planned_interfaces(case, device)
    rendered = {o.text.split()[1] for o in parse.find_objects(r"^interface Tunnel")}
    assert rendered == planned


@pytest.mark.parametrize(("drop", "expect"), [
    (" tunnel protection ipsec profile netorch-Tunnel1000\n",
     "Tunnel1000: no tunnel protection"),
    ("  neighbor 100.64.0.0 route-map netorch-Tunnel1000-IN in\n", "no existing route-map in"),
    (" keyring local netorch-Tunnel1000\n", "neither keyring nor trustpoint"),
    (" match ip address prefix-list netorch-site-mesh-linux\n", "matches no prefix-list"),
])
def test_checker_rejects_broken_config(drop: str, expect: str) -> None:
    text = sample(PLATFORM)
    assert drop in text
    problems = iosxe_problems(text.replace(drop, "", 1))
    assert any(expect in p for p in problems), problems


def test_checker_rejects_keyring_for_another_peer() -> None:
    text = sample(PLATFORM)
    broken = text.replace("  address 172.16.1.2\n", "  address 192.0.2.99\n", 1)
    assert broken != text
    assert any("keyring peer" in p for p in iosxe_problems(broken))
