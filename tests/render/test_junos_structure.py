"""Junos set-format output checked structurally, for every device.

Every st0 unit is bound by exactly one IPsec VPN and sits in a security zone, every
VPN names an existing gateway and IPsec policy, every gateway an existing IKE policy
(whose proposals exist), every BGP neighbour existing import and export policies
that end in reject and match existing route-filter-lists. A test feeds the checker
broken configs to prove it rejects them.
"""

from __future__ import annotations

import shlex
from collections import defaultdict

import pytest

from tests.render.structure import cases, configs, planned_interfaces, sample

PLATFORM = "juniper_junos"
Tree = dict[str, dict[str, list[list[str]]]]


def parse(text: str) -> list[list[str]]:
    """The `set` statements as word lists (comments and blank lines skipped)."""
    statements = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = shlex.split(line)
        if words[0] != "set":
            raise ValueError(f"not a set statement: {line}")
        statements.append(words[1:])
    return statements


def objects(statements: list[list[str]], *path: str) -> dict[str, list[list[str]]]:
    """{name: [rest of each statement]} of the objects named right after `path`."""
    found: dict[str, list[list[str]]] = defaultdict(list)
    for words in statements:
        if tuple(words[:len(path)]) == path and len(words) > len(path):
            found[words[len(path)]].append(words[len(path) + 1:])
    return dict(found)


def _values(rest: list[list[str]], *key: str) -> list[str]:
    return [words[len(key)] for words in rest
            if tuple(words[:len(key)]) == key and len(words) > len(key)]


def junos_problems(text: str) -> list[str]:
    """Dangling or missing references in one Junos config; empty = structurally sound."""
    s = parse(text)
    problems = _vpn_problems(s) + _bgp_problems(s)
    st0 = {f"st0.{unit}" for unit in objects(s, "interfaces", "st0", "unit")}
    zoned = set(_values(objects(s, "security", "zones", "security-zone").get("netorch-vpn", []),
                        "interfaces"))
    problems += [f"{unit}: in no security zone" for unit in sorted(st0 - zoned)]
    return problems


def _vpn_problems(s: list[list[str]]) -> list[str]:
    problems: list[str] = []
    vpns = objects(s, "security", "ipsec", "vpn")
    gateways = objects(s, "security", "ike", "gateway")
    ike_policies = objects(s, "security", "ike", "policy")
    ike_proposals = objects(s, "security", "ike", "proposal")
    ipsec_policies = objects(s, "security", "ipsec", "policy")
    ipsec_proposals = objects(s, "security", "ipsec", "proposal")
    bound: dict[str, list[str]] = defaultdict(list)
    for name, rest in vpns.items():
        for unit in _values(rest, "bind-interface"):
            bound[unit].append(name)
        if not set(_values(rest, "ike", "gateway")) <= set(gateways) or not _values(
                rest, "ike", "gateway"):
            problems.append(f"vpn {name}: no existing ike gateway")
        if not _values(rest, "ike", "ipsec-policy") or not set(
                _values(rest, "ike", "ipsec-policy")) <= set(ipsec_policies):
            problems.append(f"vpn {name}: no existing ipsec policy")
    for unit in objects(s, "interfaces", "st0", "unit"):
        if len(bound.get(f"st0.{unit}", [])) != 1:
            problems.append(f"st0.{unit}: bound by {bound.get(f'st0.{unit}', [])}, not one vpn")
    for name, rest in gateways.items():
        policy = _values(rest, "ike-policy")
        if not policy or policy[0] not in ike_policies:
            problems.append(f"gateway {name}: no existing ike policy")
        for need in ("address", "external-interface", "local-identity", "remote-identity"):
            if not _values(rest, need):
                problems.append(f"gateway {name}: no {need}")
        if _values(rest, "version") != ["v2-only"]:
            problems.append(f"gateway {name}: not version v2-only")
    for kind, policies, proposals in (("ike", ike_policies, ike_proposals),
                                      ("ipsec", ipsec_policies, ipsec_proposals)):
        for name, rest in policies.items():
            named = _values(rest, "proposals")
            if not named or not set(named) <= set(proposals):
                problems.append(f"{kind} policy {name}: proposals {named} missing")
    return problems


def _bgp_problems(s: list[list[str]]) -> list[str]:
    problems: list[str] = []
    statements = objects(s, "policy-options", "policy-statement")
    filters = set(objects(s, "policy-options", "route-filter-list"))
    neighbors: dict[str, list[list[str]]] = defaultdict(list)
    for rest in objects(s, "protocols", "bgp", "group").values():
        for peer, more in objects(rest, "neighbor").items():
            neighbors[peer] += more
    for peer, rest in sorted(neighbors.items()):
        if not _values(rest, "peer-as"):
            problems.append(f"neighbor {peer}: no peer-as")
        for direction in ("import", "export"):
            named = _values(rest, direction)
            if len(named) != 1 or named[0] not in statements:
                problems.append(f"neighbor {peer}: no existing {direction} policy")
                continue
            body = statements[named[0]]
            if ["then", "reject"] not in body:
                problems.append(f"policy {named[0]}: does not end in reject")
            lists = [w[4] for w in body if w[:1] == ["term"] and w[2:4] ==
                     ["from", "route-filter-list"]]
            if not set(lists) <= filters or (not lists and any(w[:1] == ["term"] for w in body)):
                problems.append(f"policy {named[0]}: route-filter-lists {lists} missing")
    return problems


@pytest.mark.parametrize(("case", "device"), cases(PLATFORM))
def test_rendered_junos_is_structurally_sound(case: str, device: str) -> None:
    text = configs(case, PLATFORM)[device]
    assert junos_problems(text) == []
    planned = planned_interfaces(case, device)
    units = {f"st0.{u}" for u in objects(parse(text), "interfaces", "st0", "unit")}
    assert units == planned


def _drop(text: str, start: str, contains: str = "", whole: int = 0) -> str:
    """Drop the first line starting with `start` and holding `contains`; with `whole`,
    every line of the object named by that line's word number `whole`."""
    lines = text.splitlines(keepends=True)
    first = next(ln for ln in lines if ln.startswith(start) and contains in ln)
    if not whole:
        return text.replace(first, "", 1)
    prefix = " ".join(first.split()[:whole + 1]) + " "
    return "".join(ln for ln in lines if not ln.startswith(prefix))


@pytest.mark.parametrize(("start", "contains", "whole", "expect"), [
    ("set security ipsec vpn ", " bind-interface ", 0, "not one vpn"),
    ("set security ike gateway ", " ike-policy ", 0, "no existing ike policy"),
    ("set security zones security-zone netorch-vpn interfaces ", "", 0, "in no security zone"),
    ("set protocols bgp group netorch neighbor ", " import ", 0, "no existing import policy"),
    ("set policy-options policy-statement ", " then reject", 0, "does not end in reject"),
    ("set policy-options route-filter-list ", "", 3, "route-filter-lists"),
    ("set security ike proposal ", "", 4, "proposals"),
])
def test_checker_rejects_broken_config(start: str, contains: str, whole: int,
                                       expect: str) -> None:
    text = sample(PLATFORM)
    broken = _drop(text, start, contains, whole)
    assert broken != text
    problems = junos_problems(broken)
    assert any(expect in p for p in problems), problems


def test_parser_refuses_non_set_lines() -> None:
    with pytest.raises(ValueError, match="not a set statement"):
        parse("delete security ike\n")
