"""IOS-XE's segmentation firewall parsed by ciscoconfparse2 and checked against the plan,
for every IOS-XE device of every case (issue 17: "structural parsers" for the goldens).

The checker resolves what the config itself says, not how the template names things:
the tunnels are the members of one zone; four zone-pairs (default -> it, it -> default,
it -> itself, it -> self) each carry an inspect policy-map; each policy-map inspects one
class per rule that can match there (leaving: the rules whose source group holds the
device's site; arriving and to the router: whose destination group does; transit: every
rule on a hub, none on a spoke) and drops and logs the rest; each class matches an ACL
whose entries, through their object-groups, allow exactly the rule's services between
exactly its groups' prefixes. The only `pass` classes: BFD echo of a peer in transit,
and to the router BGP (both ways), BFD and ICMP from each tunnel peer to its own end's
address. A flat fabric has none of it. Broken configs prove it refuses them.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Network

import pytest
from ciscoconfparse2 import CiscoConfParse

from netorch.plan.model import AddressGroup, FlowRule, Service
from netorch.platforms.cisco_iosxe.ports import number
from netorch.render.context import DevicePolicy, device_contexts
from tests.render.structure import INVENTORIES, configs, plan_of

PLATFORM = "cisco_iosxe"
Port = tuple[str, int | None, int | None]
Flow = tuple[frozenset[Port], frozenset[IPv4Network], frozenset[IPv4Network]]


@dataclass(frozen=True)
class Enforcer:
    """What a device's firewall must enforce: its rules, its site, whether it is a hub."""

    policy: DevicePolicy | None
    site: str
    hub: bool


@cache
def policies(case: str) -> dict[str, Enforcer]:
    plan = plan_of(case)
    return {ctx.device.name: Enforcer(ctx.policy, ctx.site.name, ctx.device.hub)
            for ctx in device_contexts(plan, None, redact=True, options={})
            if ctx.device.platform == PLATFORM}


def _blocks(parse: CiscoConfParse, head: str) -> dict[str, list[str]]:
    """{name (the header's last word): child lines} of every `head ...` section."""
    return {o.text.split()[-1]: [c.text.strip() for c in o.children]
            for o in parse.find_objects(rf"^{head} ")}


def _port(entry: str) -> Port:
    words = entry.split()
    if words == ["ip"]:
        return ("any", None, None)
    if words[0] == "icmp":
        return ("icmp", None, None)
    values = [number(words[0], w) for w in words[2:]]
    return (words[0], values[0], values[-1])


def _ends(line: str) -> tuple[str, str]:
    """A tunnel's `ip address A MASK` as (this end's address, the peer's on the /31)."""
    words = line.split()
    local = ipaddress.IPv4Interface("/".join(words[2:4]))
    return str(local.ip), str(next(a for a in local.network if a != local.ip))


def _prefix(entry: str) -> IPv4Network:
    words = entry.split()
    return ipaddress.IPv4Network(f"{words[1]}/32" if words[0] == "host" else "/".join(words))


class _Config:
    """The firewall objects of one parsed config."""

    def __init__(self, text: str) -> None:
        parse = CiscoConfParse(text.splitlines(), syntax="ios")
        self.networks = {n: frozenset(_prefix(e) for e in lines if not e.startswith("desc"))
                         for n, lines in _blocks(parse, "object-group network").items()}
        self.services = {n: frozenset(_port(e) for e in lines if not e.startswith("desc"))
                         for n, lines in _blocks(parse, "object-group service").items()}
        self.acls = _blocks(parse, "ip access-list extended")
        self.classes = _blocks(parse, "class-map type inspect")
        self.policies = {o.text.split()[-1]: o for o in
                         parse.find_objects(r"^policy-map type inspect ")}
        self.zones = set(_blocks(parse, "zone security"))
        self.pairs = [(o.text.split()[4], o.text.split()[6], [c.text.strip() for c in
                                                               o.children])
                      for o in parse.find_objects(r"^zone-pair security ")]
        self.members = {o.text.split()[1]: [c.text.strip() for c in o.children
                                            if c.text.strip().startswith("zone-member")]
                        for o in parse.find_objects(r"^interface ")}
        self.ends = {_ends(c.text) for o in parse.find_objects(r"^interface Tunnel")
                     for c in o.children if c.text.strip().startswith("ip address ")}
        self.peers = {peer for _, peer in self.ends}

    def flows(self, acl: str) -> list[Flow]:
        """Each entry of an ACL as (ports, sources, destinations), through its groups."""
        out = []
        for entry in self.acls.get(acl, []):
            words = entry.split()
            if words[:2] != ["permit", "object-group"] or len(words) != 7:
                out.append((frozenset(), frozenset(), frozenset()))
                continue
            out.append((self.services.get(words[2], frozenset()),
                        self.networks.get(words[4], frozenset()),
                        self.networks.get(words[6], frozenset())))
        return out


def _echoes_only(config: _Config, acl: str) -> bool:
    """Whether an ACL passes only BFD echo (UDP 3785, a tunnel peer to itself)."""
    entries = [re.fullmatch(r"permit udp host (\S+) host (\S+) eq 3785", e)
               for e in config.acls.get(acl, [])]
    return bool(entries) and all(m and m[1] == m[2] and m[1] in config.peers for m in entries)


_CONTROL = ("permit tcp host {p} host {l} eq 179", "permit tcp host {p} eq 179 host {l}",
            "permit udp host {p} host {l} eq 3784", "permit udp host {p} host {l} eq 4784",
            "permit udp host {l} host {l} eq 3785", "permit icmp host {p} host {l}")


def _control_only(config: _Config, acl: str) -> bool:
    """Whether an ACL passes only the control plane from each tunnel peer to its own end
    (BGP both ways, BFD, this end's echo, ICMP), and BGP of every tunnel."""
    allowed = {form.format(p=p, l=local) for local, p in config.ends for form in _CONTROL}
    bgp = {form.format(p=p, l=local) for local, p in config.ends for form in _CONTROL[:2]}
    entries = set(config.acls.get(acl, []))
    return bool(entries) and entries <= allowed and bgp <= entries


def _flows(policy: DevicePolicy, rules: list[FlowRule]) -> Counter[frozenset[Flow]]:
    """Each rule (both groups non-empty) as the set of flows its ACL must allow."""
    groups: dict[str, AddressGroup] = {g.name: g for g in policy.groups}
    services: dict[str, Service] = {s.name: s for s in policy.services}
    out: Counter[frozenset[Flow]] = Counter()
    for rule in rules:
        src, dst = groups[rule.source].prefixes, groups[rule.destination].prefixes
        if src and dst:
            out[frozenset((frozenset((p.protocol, p.first, p.last) for p in
                                     services[s].ports), frozenset(src), frozenset(dst))
                          for s in rule.services)] += 1
    return out


Pairs = dict[tuple[str, str], Counter[frozenset[Flow]]]


def _expected(fabric: str, enforcer: Enforcer) -> Pairs:
    """{zone-pair: the flows its policy-map must inspect}."""
    policy = enforcer.policy
    assert policy is not None
    groups = {g.name: g for g in policy.groups}
    leaving = [r for r in policy.rules if enforcer.site in groups[r.source].sites]
    arriving = [r for r in policy.rules if enforcer.site in groups[r.destination].sites]
    return {("default", fabric): _flows(policy, leaving),
            (fabric, "default"): _flows(policy, arriving),
            (fabric, fabric): _flows(policy, policy.rules if enforcer.hub else []),
            (fabric, "self"): _flows(policy, arriving)}


def policy_problems(text: str, enforcer: Enforcer) -> list[str]:
    """How one IOS-XE config's firewall departs from `enforcer`; empty = it enforces it."""
    config = _Config(text)
    tunnels = {n: m for n, m in config.members.items() if n.startswith("Tunnel")}
    if enforcer.policy is None:
        found = config.zones or config.pairs or config.policies or any(config.members.values())
        return ["a flat fabric has a zone-based firewall"] if found else []
    zones = {m[0].split()[-1] for m in tunnels.values() if m}
    if len(zones) != 1 or not all(tunnels.values()):
        return [f"the tunnels are not all members of one zone: {tunnels}"]
    (fabric,) = zones
    problems = [f"{n} is in the fabric's zone" for n, m in config.members.items()
                if m and n not in tunnels]
    problems += [] if {"default", fabric} <= config.zones else ["zones missing"]
    return problems + _pair_problems(config, _expected(fabric, enforcer))


def _pair_problems(config: _Config, want: Pairs) -> list[str]:
    pairs = {(s, d): children for s, d, children in config.pairs}
    if set(pairs) != set(want):
        return [f"zone-pairs {sorted(pairs)} are not {sorted(want)}"]
    problems = []
    for pair, children in pairs.items():
        if len(children) != 1 or not children[0].startswith("service-policy type inspect "):
            problems.append(f"zone-pair {pair} does not carry one inspect policy-map")
            continue
        pmap = config.policies.get(children[0].split()[-1])
        if pmap is None:
            problems.append(f"zone-pair {pair}: its policy-map is missing")
            continue
        problems += [f"{pair}: {p}" for p in _policy_map_problems(config, pmap, pair,
                                                                  want[pair])]
    return problems


def _passes(config: _Config, pair: tuple[str, str], acl: str) -> bool:
    """Whether `pass` of this ACL is one the design has: BFD echo in transit, the control
    plane to the router."""
    if pair[0] == pair[1]:
        return _echoes_only(config, acl)
    return pair[1] == "self" and _control_only(config, acl)


def _policy_map_problems(config: _Config, pmap: object, pair: tuple[str, str],
                         want: Counter[frozenset[Flow]]) -> list[str]:
    classes = [(c.text.strip(), [g.text.strip() for g in c.children])
               for c in pmap.children]  # type: ignore[attr-defined]
    if not classes or classes[-1] != ("class class-default", ["drop log"]):
        return ["the policy-map does not end with class-default: drop log"]
    got: Counter[frozenset[Flow]] = Counter()
    for head, actions in classes[:-1]:
        name = head.split()[-1]
        matches = config.classes.get(name, [])
        acls = [m.split()[-1] for m in matches if m.startswith("match access-group name ")]
        if actions == ["pass"] and len(acls) == 1 and _passes(config, pair, acls[0]):
            continue
        if actions != ["inspect"] or len(acls) != 1:
            return [f"class {name}: not one ACL inspected ({matches}, {actions})"]
        got[frozenset(config.flows(acls[0]))] += 1
    return [] if got == want else [f"rules allowed {dict(got - want)}, missing "
                                   f"{dict(want - got)}"]


def _cases() -> list[object]:
    return [pytest.param(case, device, id=f"{case}/{device}")
            for case in INVENTORIES for device in policies(case)]


@pytest.mark.parametrize(("case", "device"), _cases())
def test_the_firewall_enforces_exactly_the_devices_rules(case: str, device: str) -> None:
    assert policy_problems(configs(case, PLATFORM)[device], policies(case)[device]) == []


def _sample() -> tuple[str, Enforcer]:
    enforcer = policies("cnsa-regional")["nb-r1"]  # a spoke
    assert enforcer.policy is not None and not enforcer.hub
    return configs("cnsa-regional", PLATFORM)["nb-r1"], enforcer


LEAVING = "policy-map type inspect netorch-leaving\n"
SELF = "policy-map type inspect netorch-to-router\n"


@pytest.mark.parametrize(("old", "new", "expect"), [
    (" zone-member security netorch-fabric\n", "", "not all members of one zone"),
    ("zone-pair security netorch-fabric-to-self source netorch-fabric destination self\n",
     "zone-pair security netorch-fabric-to-self source netorch-fabric destination "
     "netorch-x\n", "zone-pairs"),
    ("  drop log\n", "  pass\n", "class-default: drop log"),
    (" permit object-group netorch-svc-https object-group netorch-zone-police",
     " permit object-group netorch-svc-ssh object-group netorch-zone-police", "rules allowed"),
    (" host 100.65.0.4\n", "", "rules allowed"),
    (" class type inspect netorch-rule-2\n  inspect\n", " class type inspect netorch-rule-2\n"
     "  pass\n", "not one ACL inspected"),
    (" permit udp host 100.64.0.4 host 100.64.0.4 eq 3785", " permit udp any any eq 3785",
     "not one ACL inspected"),
    # a rule of another site's sources, leaving this one (a LAN host spoofing them)
    (LEAVING + " class type inspect netorch-rule-2\n", LEAVING + " class type inspect "
     "netorch-rule-1\n", "('default', 'netorch-fabric'): rules allowed"),
    # one policy-map on every zone-pair
    ("service-policy type inspect netorch-arriving", "service-policy type inspect "
     "netorch-leaving", "('netorch-fabric', 'default'): rules allowed"),
    # a spoke forwarding a rule's flows between two of its tunnels
    ("  pass\n class class-default\n", "  pass\n class type inspect netorch-rule-1\n"
     "  inspect\n class class-default\n", "('netorch-fabric', 'netorch-fabric'): rules"),
    # the router open to what its site is not
    (SELF + " class type inspect netorch-fabric-control\n  pass\n", SELF + " class type "
     "inspect netorch-fabric-control\n  pass\n class type inspect netorch-rule-2\n  inspect\n",
     "('netorch-fabric', 'self'): rules allowed"),
    (" permit icmp host 100.64.0.4 host 100.64.0.5\n", " permit ip any any\n",
     "class netorch-fabric-control: not one ACL inspected"),
    (" permit tcp host 100.64.0.4 eq 179 host 100.64.0.5\n", "",  # BGP the router opened
     "class netorch-fabric-control: not one ACL inspected"),
    (" permit udp host 100.64.0.5 host 100.64.0.5 eq 3785\n",
     " permit udp host 100.64.0.4 host 100.64.0.4 eq 3785\n", "netorch-fabric-control"),
])
def test_the_checker_refuses_a_broken_firewall(old: str, new: str, expect: str) -> None:
    text, enforcer = _sample()
    assert old in text
    problems = policy_problems(text.replace(old, new, 1), enforcer)
    assert any(expect in p for p in problems), problems


def test_the_checker_refuses_a_firewall_on_a_flat_fabric() -> None:
    text, enforcer = _sample()
    flat = Enforcer(None, enforcer.site, enforcer.hub)
    assert policy_problems(text, flat) == ["a flat fabric has a zone-based firewall"]
