"""The Junos goldens' segmentation policy, checked structurally against the plan.

Each golden `config.set` is parsed into its security policies (per from-zone/to-zone
context, in order), address book and applications; each name is resolved to what it
stands for. For every device that enforces a policy: each rule that can match in a
context has a permit policy there (leaving the site when its source group holds the
site, arriving when its destination group does, transit on hubs), whose addresses are
exactly its groups' prefixes and whose applications are exactly its services' ports;
each context ends in netorch's deny (any/any/any, `then deny`, `log session-init`),
after every netorch policy of it; and the flat fabric's permit-all policies are gone.
A device without a policy keeps them. A test feeds the checker broken configs.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Network, ip_network

import pytest

from netorch.plan.model import AddressGroup, FabricPlan, FlowRule, Service
from netorch.render.context import DevicePolicy, device_contexts
from tests.golden.harness import CASES, Case, devices_of, expected, plan_of

PLATFORM = "juniper_junos"
PREFIX = "netorch-"
Port = tuple[str, str]  # (protocol, "443" | "8443-8444" | "")


@dataclass
class Policy:
    source: list[str] = field(default_factory=list)
    destination: list[str] = field(default_factory=list)
    application: list[str] = field(default_factory=list)
    then: list[str] = field(default_factory=list)


@dataclass
class Config:
    """A set-format config's security policies, address book and applications."""

    contexts: dict[tuple[str, str], dict[str, Policy]] = field(
        default_factory=lambda: defaultdict(dict))
    addresses: dict[str, IPv4Network] = field(default_factory=dict)
    address_sets: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    applications: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    application_sets: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def prefixes(self, name: str) -> set[IPv4Network]:
        if name in self.addresses:
            return {self.addresses[name]}
        return {p for member in self.address_sets.get(name, ["?"]) for p in self.prefixes(member)}

    def ports(self, name: str) -> set[Port]:
        if name in self.application_sets:
            return {p for member in self.application_sets[name] for p in self.ports(member)}
        app = self.applications.get(name, {})
        return {(app.get("protocol", "?"), app.get("destination-port", ""))}


def parse(text: str) -> Config:
    config = Config()
    for line in text.splitlines():
        if line.startswith("set "):
            _statement(config, shlex.split(line)[1:])
    return config


def _statement(config: Config, w: list[str]) -> None:
    if w[:3] == ["security", "policies", "from-zone"] and len(w) > 8:
        policy = config.contexts[(w[3], w[5])].setdefault(w[7], Policy())
        if w[8] == "match":
            getattr(policy, w[9].split("-")[0]).append(w[10])
        elif w[8] == "then":
            policy.then.append(" ".join(w[9:]))
    elif w[:4] == ["security", "address-book", "global", "address"]:
        config.addresses[w[4]] = IPv4Network(w[5])
    elif w[:4] == ["security", "address-book", "global", "address-set"]:
        config.address_sets[w[4]].append(w[6])
    elif w[:2] == ["applications", "application"]:
        config.applications[w[2]][w[3]] = w[4]
    elif w[:2] == ["applications", "application-set"]:
        config.application_sets[w[2]].append(w[4])


@dataclass(frozen=True)
class Expected:
    """What one device must enforce, from the plan."""

    site: str
    hub: bool
    policy: DevicePolicy | None
    lan_zone: str

    def group(self, name: str) -> AddressGroup:
        assert self.policy is not None
        return next(g for g in self.policy.groups if g.name == name)

    def service(self, name: str) -> Service:
        assert self.policy is not None
        return next(s for s in self.policy.services if s.name == name)

    def contexts(self) -> dict[tuple[str, str], list[FlowRule]]:
        assert self.policy is not None
        live = [r for r in self.policy.rules
                if self.group(r.source).prefixes and self.group(r.destination).prefixes]
        vpn = f"{PREFIX}vpn"
        return {(self.lan_zone, vpn): [r for r in live if self.site in self.group(r.source).sites],
                (vpn, self.lan_zone): [r for r in live
                                       if self.site in self.group(r.destination).sites],
                (vpn, vpn): live if self.hub else []}


def expectations(plan: FabricPlan, device: str) -> Expected:
    ctx = next(device_contexts(plan, None, redact=True, options={}, devices={device}))
    return Expected(ctx.site.name, ctx.device.hub, ctx.policy,
                    ctx.device.lan_zone or "trust")


def policy_problems(config: Config, want: Expected) -> list[str]:
    """Where the config does not enforce `want` (empty: it does)."""
    if want.policy is None:
        flat = config.contexts.get((want.lan_zone, f"{PREFIX}vpn"), {})
        return [] if f"{PREFIX}lan-to-fabric" in flat else ["flat: no permit-all policy"]
    problems: list[str] = []
    for context, rules in want.contexts().items():
        policies = config.contexts.get(context, {})
        names = [n for n in policies if n.startswith(PREFIX)]
        where = f"{context[0]} -> {context[1]}"
        if names != [f"{PREFIX}{r.name}" for r in rules] + [f"{PREFIX}deny"]:
            problems.append(f"{where}: policies {names}, not one per rule then the deny")
        problems += _deny_problems(where, policies.get(f"{PREFIX}deny"))
        for rule in rules:
            got = policies.get(f"{PREFIX}{rule.name}")
            problems += [f"{where} {rule.name}: {p}" for p in _rule_problems(config, want,
                                                                            rule, got)]
    return problems


def _deny_problems(where: str, deny: Policy | None) -> list[str]:
    if deny is None:
        return [f"{where}: no final deny"]
    if (deny.source, deny.destination, deny.application) != (["any"], ["any"], ["any"]):
        return [f"{where}: the deny does not match everything"]
    if sorted(deny.then) != ["deny", "log session-init"]:
        return [f"{where}: the deny's actions are {deny.then}"]
    return []


def _rule_problems(config: Config, want: Expected, rule: FlowRule,
                   got: Policy | None) -> list[str]:
    if got is None:
        return ["missing"]
    problems = [] if got.then == ["permit"] else [f"then {got.then}"]
    for side, names in (("source", got.source), ("destination", got.destination)):
        group = want.group(getattr(rule, side))
        have = {p for name in names for p in config.prefixes(name)}
        if have != {ip_network(p) for p in group.prefixes}:
            problems.append(f"{side} addresses {sorted(map(str, have))}, not {group.name}'s")
    ports = {(p.protocol, _port_text(p.first, p.last)) for name in rule.services
             for p in want.service(name).ports}
    if ("any", "") in ports:
        if got.application != ["any"]:
            problems.append(f"applications {got.application}, not any")
    elif {p for name in got.application for p in config.ports(name)} != ports:
        problems.append(f"applications {got.application} are not the ports {sorted(ports)}")
    return problems


def _port_text(first: int | None, last: int | None) -> str:
    if first is None:
        return ""
    return str(first) if last in (None, first) else f"{first}-{last}"


def _goldens() -> list[object]:
    return [pytest.param(case, site, device, id=f"{case.name}/{device}")
            for case in CASES if case.wants(PLATFORM)
            for site, device in devices_of(case, PLATFORM)]


def _golden(case: Case, site: str, device: str) -> str:
    return expected(case.folder(PLATFORM) / site / device)["config.set"]


@pytest.mark.parametrize(("case", "site", "device"), _goldens())
def test_the_golden_enforces_the_planned_policy(case: Case, site: str, device: str) -> None:
    want = expectations(plan_of(case.inventory), device)
    config = parse(_golden(case, site, device))
    assert policy_problems(config, want) == []
    if want.policy is not None:
        assert f"{PREFIX}lan-to-fabric" not in str(config.contexts)
        assert any(want.contexts().values())  # something to check on every device


def test_every_case_with_a_policy_is_checked() -> None:
    with_policy = {case.name for case in CASES if plan_of(case.inventory).policy}
    assert {"eastern-region", "cnsa-regional"} <= with_policy
    assert "psk-mesh" not in with_policy


def _sample() -> tuple[str, Expected]:
    case = next(c for c in CASES if c.name == "eastern-region")
    site, device = next((s, d) for s, d in devices_of(case, PLATFORM) if d == "dcs-fw1")
    return _golden(case, site, device), expectations(plan_of(case.inventory), device)


_LEAVING = "set security policies from-zone trust to-zone netorch-vpn policy "


def _deny_first(text: str) -> str:
    lines = text.splitlines(keepends=True)
    deny = [ln for ln in lines if ln.startswith(_LEAVING + "netorch-deny")]
    first = next(i for i, ln in enumerate(lines) if ln.startswith(_LEAVING))
    rest = [ln for ln in lines if ln not in deny]
    return "".join(rest[:first] + deny + rest[first:])


@pytest.mark.parametrize(("edit", "expect"), [
    (lambda t: "".join(ln for ln in t.splitlines(keepends=True)
                       if not ln.startswith(_LEAVING + "netorch-deny")), "no final deny"),
    (lambda t: t.replace(_LEAVING + "netorch-deny then deny\n", ""), "actions"),
    (lambda t: t.replace(_LEAVING + "netorch-deny match application any",
                         _LEAVING + "netorch-deny match application netorch-https"),
     "does not match everything"),
    (_deny_first, "not one per rule"),
    (lambda t: t.replace("address-set netorch-zone-cps address netorch-10.71.0.0_16",
                         "address-set netorch-zone-cps address netorch-10.91.0.0_16"),
     "destination addresses"),
    (lambda t: t.replace("application netorch-https destination-port 443",
                         "application netorch-https destination-port 444"), "applications"),
    (lambda t: t.replace(_LEAVING + "netorch-rule-7 then permit", _LEAVING +
                         "netorch-rule-7 then deny"), "then ['deny']"),
])
def test_checker_rejects_a_broken_policy(edit: Callable[[str], str], expect: str) -> None:
    text, want = _sample()
    broken = edit(text)
    assert broken != text
    problems = policy_problems(parse(broken), want)
    assert any(expect in p for p in problems), problems
