"""The segmentation policy in FortiOS output, parsed into its config tree
(`config` / `edit` / `set` / `next` / `end`, the parser of
tests/render/test_fortios_structure.py) and checked against the plan, for every
FortiGate of the golden cases and of an all-FortiOS fabric (hubs included).

For each rule the device enforces: the accept policies of the directions its site takes
part in (and transit on a hub), between netorch's zones, naming the rule's groups and
services; each group's members are exactly the group's prefixes; each service's ports
exactly the service's; the deny-and-log policies last; every name a policy uses exists;
IDs in netorch's range, names within FortiOS's 35 characters; an empty prefix set one
deny rule. A test feeds the checker broken configs to prove it rejects them.
"""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from netorch.plan.model import FabricPlan, PolicyPlan, Service
from netorch.platforms.fortinet_fortios.names import RESERVED_IDS
from tests.platforms.test_fortios_policy import all_fortios, render
from tests.render.structure import cases, configs, plan_of
from tests.render.test_fortios_structure import Node, parse

PLATFORM = "fortinet_fortios"
PREFIX = "netorch-"
DIRECTIONS = {"out": ("lan", "vpn"), "in": ("vpn", "lan"), "transit": ("vpn", "vpn")}
FACTORY = {"all", "ALL"}  # FortiOS's predefined address and service


def policy_problems(text: str, plan: FabricPlan, device: str) -> list[str]:
    """What in one FortiGate's config does not render its part of the policy."""
    root, policy, planned = parse(text), plan.policy, plan.device(device)
    if policy is None or planned.policy is None:
        return [] if "config firewall service custom" not in text else ["policy objects"]
    rules = [r for r in policy.rules if r.name in planned.policy]
    return (_group_problems(root, policy, {n for r in rules for n in (r.source, r.destination)})
            + _service_problems(root, [s for s in policy.services
                                       if any(s.name in r.services for r in rules)])
            + _policy_problems(root, policy, plan, device)
            + _prefix_list_problems(root, plan))


def _subnet(node: Node) -> IPv4Network:
    address, mask = node.settings["subnet"]
    return IPv4Network(f"{address}/{mask}")


def _group_problems(root: Node, policy: PolicyPlan, used: set[str]) -> list[str]:
    addresses = {n: _subnet(a) for n, a in root.table("firewall address").items()}
    groups = root.table("firewall addrgrp")
    problems = []
    for group in policy.groups:
        found = groups.get(PREFIX + group.name)
        if group.name not in used or not group.prefixes:
            if found is not None:
                problems.append(f"group {group.name}: rendered but not used")
            continue
        if found is None:
            problems.append(f"group {group.name}: missing")
            continue
        members = found.settings.get("member", [])
        unknown = [m for m in members if m not in addresses]
        got = sorted(addresses[m] for m in members if m in addresses)
        if unknown or got != sorted(group.prefixes):
            problems.append(f"group {group.name}: members {got} {unknown} != {group.prefixes}")
    return problems


def _ports(node: Node) -> set[tuple[str, int | None, int | None]]:
    if node.settings.get("protocol") == ["ICMP"]:
        return {("icmp", None, None)}
    out: set[tuple[str, int | None, int | None]] = set()
    for protocol in ("tcp", "udp"):
        for word in node.settings.get(f"{protocol}-portrange", []):
            first, _, last = word.partition("-")
            out.add((protocol, int(first), int(last or first)))
    return out


def _service_problems(root: Node, services: list[Service]) -> list[str]:
    found = root.table("firewall service custom")
    problems = []
    for service in services:
        want = {(p.protocol, p.first, p.last) for p in service.ports}
        node = found.get(PREFIX + service.name)
        if service.name == "any":
            if node is not None:
                problems.append("service any: rendered (the predefined ALL is used)")
        elif node is None or _ports(node) != want:
            problems.append(f"service {service.name}: {node and _ports(node)} != {want}")
    return problems


def _expected(policy: PolicyPlan, plan: FabricPlan, device: str) -> list[tuple[str, str]]:
    """(rule, direction) of the accept policies, in rendered order."""
    planned = plan.device(device)
    sites = {g.name: set(g.sites) for g in policy.groups}
    out = []
    for rule in policy.rules:
        src, dst = sites[rule.source], sites[rule.destination]
        if rule.name not in (planned.policy or []) or not src or not dst:
            continue
        own = planned.site
        wanted = {"out": own in src and bool(dst - {own}),
                  "in": own in dst and bool(src - {own}),
                  "transit": planned.hub and bool(src - {own}) and bool(dst - {own})}
        out += [(rule.name, d) for d in DIRECTIONS if wanted[d]]
    return out


def _policy_problems(root: Node, policy: PolicyPlan, plan: FabricPlan,
                     device: str) -> list[str]:
    table = root.table("firewall policy")
    names = set(root.table("firewall address")) | set(root.table("firewall addrgrp"))
    services = set(root.table("firewall service custom"))
    rules = {r.name: r for r in policy.rules}
    problems = [f"policy {i}: outside netorch's IDs" for i in table
                if int(i) not in RESERVED_IDS]
    found = [(" ".join(p.settings.get("name", [])), p.settings) for p in table.values()]
    problems += [f"policy {n}: name too long" for n, _ in found if len(n) > 35]
    accepts = [(n, s) for n, s in found if s.get("action") == ["accept"]]
    denies = found[len(accepts):]
    # deny spelled out: the Container FortiOS 7.2.2 CLI Reference gives accept as the default
    deny = [{"srcintf": [PREFIX + a], "dstintf": [PREFIX + b], "action": ["deny"],
             "srcaddr": ["all"], "dstaddr": ["all"], "service": ["ALL"], "logtraffic": ["all"]}
            for a, b in DIRECTIONS.values()]
    if [{k: s.get(k) for k in deny[0]} for _, s in denies] != deny:
        problems.append("not three deny policies after the accepts")
    for (name, settings), (rule_name, direction) in zip(
            accepts, _expected(policy, plan, device), strict=False):
        rule = rules[rule_name]
        zones = [PREFIX + z for z in DIRECTIONS[direction]]
        service = ["ALL"] if "any" in rule.services else [PREFIX + s for s in rule.services]
        want = {"srcintf": zones[:1], "dstintf": zones[1:], "srcaddr": [PREFIX + rule.source],
                "dstaddr": [PREFIX + rule.destination], "service": service,
                "logtraffic": ["all"], "schedule": ["always"]}
        wrong = {k: settings.get(k) for k, v in want.items() if settings.get(k) != v}
        if not name.startswith(f"{PREFIX}{rule_name[:12]}") or wrong:
            problems.append(f"policy {name} for {rule_name} {direction}: {wrong}")
    if len(accepts) != len(_expected(policy, plan, device)):
        problems.append(f"{len(accepts)} accept policies, "
                        f"{len(_expected(policy, plan, device))} expected")
    for name, settings in found:
        missing = [v for k in ("srcaddr", "dstaddr") for v in settings.get(k, [])
                   if v not in names | FACTORY]
        missing += [v for v in settings.get("service", []) if v not in services | FACTORY]
        if missing:
            problems.append(f"policy {name}: {missing} missing")
    return problems


def _prefix_list_problems(root: Node, plan: FabricPlan) -> list[str]:
    problems = []
    for prefix_set in plan.prefix_sets:
        found = root.table("router prefix-list").get(prefix_set.name)
        if found is None or prefix_set.entries:
            continue
        rules = [r.settings for r in found.table("rule").values()]
        if rules != [{"action": ["deny"], "prefix": ["0.0.0.0", "0.0.0.0"], "le": ["32"]}]:
            problems.append(f"prefix-list {prefix_set.name}: matches something: {rules}")
    return problems


@pytest.mark.parametrize(("case", "device"), cases(PLATFORM))
def test_goldens_render_the_policy_structurally(case: str, device: str) -> None:
    plan = plan_of(case)
    assert policy_problems(configs(case, PLATFORM)[device], plan, device) == []


@pytest.mark.parametrize("device", ["hub-r1", "na-r1", "nb-r1", "sa-r1", "sb-r1"])
def test_an_all_fortios_fabric_renders_the_policy_structurally(device: str) -> None:
    plan = all_fortios()
    text = render(plan, device)
    assert policy_problems(text, plan, device) == []
    assert ("netorch-rule-1-transit" in text) is (device == "hub-r1")


@pytest.mark.parametrize(("old", "new", "expect"), [
    ('"netorch-net-10.71.0.0-16" "netorch-net-100.65.0.27-32"', '"netorch-net-10.71.0.0-16"',
     "group zone-cps: members"),
    ("        set tcp-portrange 443\n", "        set tcp-portrange 8443\n", "service https"),
    ('        set dstaddr "netorch-zone-cps"\n', '        set dstaddr "netorch-zone-dc"\n',
     "for rule-1 in"),
    ('        set srcintf "netorch-vpn"\n        set dstintf "netorch-lan"\n        set action d',
     '        set srcintf "netorch-lan"\n        set dstintf "netorch-lan"\n        set action d',
     "not three deny policies"),
    ('        set dstintf "netorch-vpn"\n        set action deny\n',
     '        set dstintf "netorch-vpn"\n', "not three deny policies"),
    ('        set service "netorch-ssh" "netorch-icmp"\n', '        set service "netorch-x"\n',
     "missing"),
])
def test_checker_rejects_broken_policy(old: str, new: str, expect: str) -> None:
    text = configs("eastern-region", PLATFORM)["cps-east-fw1"]
    assert old in text
    problems = policy_problems(text.replace(old, new, 1), plan_of("eastern-region"),
                               "cps-east-fw1")
    assert any(expect in p for p in problems), problems


def test_checker_rejects_a_no_routes_list_that_matches() -> None:
    plan = all_fortios()
    text = render(plan, "sb-r1").replace("                set action deny\n", "", 1)
    assert any("matches something" in p for p in policy_problems(text, plan, "sb-r1"))
