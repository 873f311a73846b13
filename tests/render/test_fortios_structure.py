"""FortiOS output parsed into its config tree and checked structurally, for every device.

Every phase2 names an existing phase1, every phase1 has its interface addresses and
authentication, every tunnel interface is covered by firewall policies both ways
(directly or through its zone), the LAN zone lets its interfaces talk (traffic that
crosses no tunnel is not netorch's) and the tunnels' zone does not (a hub's transit
goes through netorch's policies), every BGP neighbour's route-maps exist and match
existing prefix-lists. A test feeds the checker broken configs to prove it rejects them.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

import pytest

from tests.render.structure import cases, configs, planned_interfaces, sample

PLATFORM = "fortinet_fortios"


@dataclass
class Node:
    """A `config` block or an `edit` entry: its settings, sub-blocks and entries."""

    settings: dict[str, list[str]] = field(default_factory=dict)
    blocks: dict[str, Node] = field(default_factory=dict)
    entries: dict[str, Node] = field(default_factory=dict)

    def table(self, name: str) -> dict[str, Node]:
        block = self.blocks.get(name)
        return block.entries if block else {}


def parse(text: str) -> Node:
    """The config tree; raises ValueError on unknown statements or unbalanced blocks."""
    root = Node()
    stack: list[tuple[str, Node]] = [("root", root)]
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        words = shlex.split(line)
        kind, node = stack[-1]
        if words[0] == "config":
            stack.append(("config", node.blocks.setdefault(" ".join(words[1:]), Node())))
        elif words[0] == "edit" and kind == "config":
            stack.append(("edit", node.entries.setdefault(words[1], Node())))
        elif (words[0], kind) in (("next", "edit"), ("end", "config")):
            stack.pop()
        elif words[0] == "set" and len(words) > 2:
            node.settings[words[1]] = words[2:]
        elif words[0] == "unset":
            node.settings.pop(words[1], None)
        else:
            raise ValueError(f"unexpected statement in {kind}: {line.strip()}")
    if len(stack) != 1:
        raise ValueError("unbalanced config/edit blocks")
    return root


def fortios_problems(text: str) -> list[str]:
    """Dangling or missing references in one FortiOS config; empty = structurally sound."""
    root = parse(text)
    return _vpn_problems(root) + _policy_problems(root) + _bgp_problems(root)


def _vpn_problems(root: Node) -> list[str]:
    problems: list[str] = []
    phase1 = root.table("vpn ipsec phase1-interface")
    interfaces = root.table("system interface")
    peers = root.table("user peer")
    for name, p2 in root.table("vpn ipsec phase2-interface").items():
        if p2.settings.get("phase1name", [""])[0] not in phase1:
            problems.append(f"phase2 {name}: no existing phase1")
    for name, p1 in phase1.items():
        s = p1.settings
        for need in ("interface", "remote-gw", "proposal", "localid", "authmethod"):
            if need not in s:
                problems.append(f"phase1 {name}: no {need}")
        if s.get("ike-version") != ["2"]:
            problems.append(f"phase1 {name}: not ike-version 2")
        if s.get("authmethod") == ["psk"] and not ("psksecret" in s and "peerid" in s):
            problems.append(f"phase1 {name}: psk without psksecret and peerid")
        if s.get("authmethod") == ["signature"] and (
                "certificate" not in s or s.get("peer", [""])[0] not in peers):
            problems.append(f"phase1 {name}: signature without certificate or existing peer")
        tunnel = interfaces.get(name)
        if tunnel is None or "ip" not in tunnel.settings or "remote-ip" not in tunnel.settings:
            problems.append(f"phase1 {name}: tunnel interface has no ip/remote-ip")
    return problems


def _policy_problems(root: Node) -> list[str]:
    problems: list[str] = []
    zones = {name: set(z.settings.get("interface", []))
             for name, z in root.table("system zone").items()}
    addresses = set(root.table("firewall address")) | set(root.table("firewall addrgrp")) \
        | {"all"}
    for name, group in root.table("firewall addrgrp").items():
        missing = set(group.settings.get("member", [])) - addresses
        if missing:
            problems.append(f"addrgrp {name}: members {sorted(missing)} missing")
    for zone, want in (("netorch-lan", ["allow"]), ("netorch-vpn", ["deny"])):
        got = root.table("system zone").get(zone, Node()).settings.get("intrazone")
        if got != want:
            problems.append(f"zone {zone}: intrazone {got}, not {want}")
    policies = root.table("firewall policy").values()
    for policy in policies:
        for key in ("srcaddr", "dstaddr"):
            missing = set(policy.settings.get(key, [])) - addresses
            if missing:
                problems.append(f"policy {policy.settings.get('name')}: {key} {missing} missing")
    for tunnel in root.table("vpn ipsec phase1-interface"):
        names = {tunnel} | {z for z, members in zones.items() if tunnel in members}
        for key in ("srcintf", "dstintf"):
            if not any(names & set(p.settings.get(key, [])) for p in policies):
                problems.append(f"tunnel {tunnel}: no firewall policy with it as {key}")
    return problems


def _bgp_problems(root: Node) -> list[str]:
    problems: list[str] = []
    bgp = root.blocks.get("router bgp")
    neighbors = bgp.table("neighbor") if bgp else {}
    routemaps = root.table("router route-map")
    prefix_lists = set(root.table("router prefix-list"))
    for peer, neighbor in neighbors.items():
        if "remote-as" not in neighbor.settings:
            problems.append(f"neighbor {peer}: no remote-as")
        for key in ("route-map-in", "route-map-out"):
            name = neighbor.settings.get(key, [""])[0]
            if name not in routemaps:
                problems.append(f"neighbor {peer}: no existing {key}")
                continue
            matched = [r.settings.get("match-ip-address", [""])[0]
                       for r in routemaps[name].table("rule").values()]
            if not matched or not set(matched) <= prefix_lists:
                problems.append(f"route-map {name}: prefix-lists {matched} missing")
    return problems


@pytest.mark.parametrize(("case", "device"), cases(PLATFORM))
def test_rendered_fortios_is_structurally_sound(case: str, device: str) -> None:
    text = configs(case, PLATFORM)[device]
    assert fortios_problems(text) == []
    planned = planned_interfaces(case, device)
    assert set(parse(text).table("vpn ipsec phase1-interface")) == planned
    assert all(len(name) <= 15 for name in planned)


@pytest.mark.parametrize(("drop", "expect"), [
    ('        set phase1name "', "no existing phase1"),
    ('            set route-map-out "', "no existing route-map-out"),
    ('                set match-ip-address "', "prefix-lists"),
    ('        set psksecret "', "psk without psksecret"),
    ('        set interface "nt', "no firewall policy with it as srcintf"),
    ("        set intrazone allow", "zone netorch-lan: intrazone None"),
])
def test_checker_rejects_broken_config(drop: str, expect: str) -> None:
    text = sample(PLATFORM)
    line = next(ln for ln in text.splitlines(keepends=True) if ln.startswith(drop))
    problems = fortios_problems(text.replace(line, "", 1))
    assert any(expect in p for p in problems), problems


def test_parser_rejects_unbalanced_blocks() -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        parse("config router bgp\n    set as 65001\n")
