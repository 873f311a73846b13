"""The segmentation policy, compiled: `fabric.policy` into flow rules over address
groups and services, which device enforces which rule, and which sites each site may
exchange flows with (routing then gives it only their prefixes).

The model (docs/policy.md): a flow from site S to site T of a service crosses the
fabric only when a rule allows it. Rules are the inventory's `rules` (in order), then
`same_organisation: allow` (one rule per organisation with more than one site), then
`default: allow` (everything between different organisations). Replies return by
state. A site's devices enforce every rule that names the site on either side; hub
devices, which forward between spokes, enforce every rule.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

from netorch.inventory.model import Inventory, Policy
from netorch.inventory.policy import ANY, SERVICES, selector, service_ports
from netorch.plan.model import AddressGroup, FlowRule, PolicyPlan, Service, ServicePort
from netorch.plan.values import shared_network

_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 40


@dataclass(frozen=True)
class Compiled:
    """The compiled policy and what the planner needs of it."""

    plan: PolicyPlan
    enforced: dict[str, list[str]]  # site -> names of the rules its devices enforce
    related: dict[str, frozenset[str]]  # site -> the sites it exchanges flows with (shared)


@dataclass(frozen=True)
class _Rule:
    name: str
    origin: str
    description: str
    source: str
    destination: str
    services: tuple[str, ...]


class _Groups:
    """Address groups by selector, each built once."""

    def __init__(self, inventory: Inventory, prefixes: Mapping[str, Sequence[IPv4Network]]
                 ) -> None:
        self.sites = sorted(s.name for s in inventory.sites)
        self.prefixes = prefixes
        self.by_zone: dict[str, list[str]] = {}
        self.by_org: dict[str, list[str]] = {}
        for site in sorted(inventory.sites, key=lambda s: s.name):
            self.by_zone.setdefault(site.zone, []).append(site.name)
            self.by_org.setdefault(site.organisation, []).append(site.name)
        self.org_names = org_group_names(self.by_org)
        self.groups: dict[str, AddressGroup] = {}
        self.members: dict[str, frozenset[str]] = {}

    def of(self, text: str) -> str:
        """The group a selector value picks (made on first use); its name."""
        chosen = selector(text)
        if chosen.kind == "any":
            return self._add("any", text, self.sites)
        if chosen.kind == "zone":
            return self._add(f"zone-{chosen.name}", text, self.by_zone.get(chosen.name, []))
        if chosen.kind == "org":
            return self._add(self.org_names.get(chosen.name, "org-unknown"), text,
                             self.by_org.get(chosen.name, []))
        known = [chosen.name] if chosen.name in self.prefixes else []
        return self._add(f"site-{chosen.name}", text, known)

    def others(self, organisation: str) -> str:
        """Every site outside `organisation`."""
        own = set(self.by_org[organisation])
        return self._add(f"others-{self.org_names[organisation]}", f"not org:{organisation}",
                         [s for s in self.sites if s not in own])

    def _add(self, name: str, text: str, sites: Sequence[str]) -> str:
        if name not in self.groups:
            nets = [n for s in sites for n in self.prefixes[s]]
            self.groups[name] = AddressGroup.build(
                name=name, selector=text, sites=list(sites),
                prefixes=[shared_network(n) for n in ipaddress.collapse_addresses(nets)])
            self.members[name] = frozenset(sites)
        return name


def org_group_names(by_org: Mapping[str, object]) -> dict[str, str]:
    """Each organisation's group name: `org-` and its name in lower case, words joined
    by '-' (at most 40 characters); a short hash of the name is added when two
    organisations would share one, or the name had to be cut.

    >>> org_group_names({"HM Courts & Tribunals Service": 1, "Essex Police": 1})
    {'HM Courts & Tribunals Service': 'org-hm-courts-tribunals-service', \
'Essex Police': 'org-essex-police'}
    """
    slugs = {org: _SLUG.sub("-", org.lower()).strip("-") or "org" for org in by_org}
    counts: dict[str, int] = {}
    for slug in slugs.values():
        counts[slug[:SLUG_MAX]] = counts.get(slug[:SLUG_MAX], 0) + 1
    names = {}
    for org, slug in slugs.items():
        short = slug[:SLUG_MAX].strip("-")
        if counts[slug[:SLUG_MAX]] > 1 or short != slug:
            short = f"{short}-{hashlib.sha256(org.encode()).hexdigest()[:6]}"
        names[org] = f"org-{short}"
    return names


def compile_policy(inventory: Inventory, prefixes: Mapping[str, Sequence[IPv4Network]],
                   hubs: set[str]) -> Compiled | None:
    """The policy of the fabric (None: it has none). `prefixes`: each site's LANs and
    device loopbacks."""
    policy = inventory.fabric.policy
    if policy is None:
        return None
    groups = _Groups(inventory, prefixes)
    rules = [*_written(policy, groups), *_same_organisation(policy, groups),
             *_default(policy, groups)]
    services = _services(r.services for r in rules)
    plan = PolicyPlan(
        default=policy.default, same_organisation=policy.same_organisation,
        services=services, groups=[groups.groups[n] for n in sorted(groups.groups)],
        rules=[FlowRule.build(name=r.name, origin=r.origin, description=r.description,
                              source=r.source, destination=r.destination,
                              services=[service_name(s) for s in r.services]) for r in rules])
    sides = [(groups.members[r.source], groups.members[r.destination]) for r in rules]
    signatures = _signatures(inventory, sides)
    return Compiled(plan, _enforced(inventory, rules, signatures, hubs),
                    _related(inventory, sides, signatures))


def _written(policy: Policy, groups: _Groups) -> Iterable[_Rule]:
    for i, rule in enumerate(policy.rules):
        said = f"from {rule.source} to {rule.to}: {', '.join(rule.services)}"
        yield _Rule(f"rule-{i + 1}", f"rules[{i}]",
                    f"{rule.description} ({said})" if rule.description else said,
                    groups.of(rule.source), groups.of(rule.to),
                    tuple(dict.fromkeys(rule.services)))


def _same_organisation(policy: Policy, groups: _Groups) -> Iterable[_Rule]:
    if policy.same_organisation != "allow":
        return
    for org, sites in sorted(groups.by_org.items(), key=lambda kv: groups.org_names[kv[0]]):
        if len(sites) > 1:
            group = groups.of(f"org:{org}")
            yield _Rule(f"same-{group}", "same_organisation",
                        f"between the sites of {org}", group, group, (ANY,))


def _default(policy: Policy, groups: _Groups) -> Iterable[_Rule]:
    if policy.default != "allow":
        return
    if policy.same_organisation == "allow":
        every = groups.of(ANY)
        yield _Rule("default", "default", "between all sites", every, every, (ANY,))
        return
    for org in sorted(groups.by_org, key=lambda o: groups.org_names[o]):
        group = groups.of(f"org:{org}")
        yield _Rule(f"default-{group}", "default", f"from {org} to other organisations",
                    group, groups.others(org), (ANY,))


def service_name(spec: str) -> str:
    """A service's object name.

    >>> service_name("tcp/8000-8100"), service_name("https")
    ('tcp-8000-8100', 'https')
    """
    return spec.replace("/", "-")


def _services(used: Iterable[tuple[str, ...]]) -> list[Service]:
    specs = sorted({s for services in used for s in services})
    return [Service.build(name=service_name(s), spec=s, description=_describe(s),
                          ports=[ServicePort.build(protocol=p.protocol, first=p.first,
                                                   last=p.last) for p in service_ports(s)])
            for s in specs]


def _describe(spec: str) -> str:
    if spec in SERVICES:
        ports = ", ".join(str(p) for p in SERVICES[spec][0])
        return f"{SERVICES[spec][1]}: {ports}"
    return {"any": "every protocol and port", "icmp": "ICMP"}.get(spec, spec)


def _enforced(inventory: Inventory, rules: Sequence[_Rule],
              signatures: Mapping[str, tuple[int, ...]], hubs: set[str]
              ) -> dict[str, list[str]]:
    """Each site's rules: every rule for a hub site (it forwards between spokes), else
    those naming the site on either side; sites alike share one list."""
    every = [r.name for r in rules]
    cache: dict[tuple[int, ...], list[str]] = {}
    out = {}
    for site in inventory.sites:
        if site.name in hubs:
            out[site.name] = every
            continue
        key = signatures[site.name]
        if key not in cache:
            cache[key] = list(dict.fromkeys(rules[i // 2].name for i in key))
        out[site.name] = cache[key]
    return out


def _signatures(inventory: Inventory, sides: Sequence[tuple[frozenset[str], frozenset[str]]]
                ) -> dict[str, tuple[int, ...]]:
    """Each site's memberships: 2*N when rule N's source holds it, 2*N+1 when its
    destination does (read from the groups' members, not every site against every rule)."""
    found: dict[str, list[int]] = {s.name: [] for s in inventory.sites}
    for i, (a, b) in enumerate(sides):
        for site in a:
            found[site].append(2 * i)
        for site in b:
            found[site].append(2 * i + 1)
    return {name: tuple(sorted(marks)) for name, marks in found.items()}


def _related(inventory: Inventory, sides: Sequence[tuple[frozenset[str], frozenset[str]]],
             signatures: Mapping[str, tuple[int, ...]]) -> dict[str, frozenset[str]]:
    """Each site's flow partners (itself only when a rule pairs it with itself): sites
    with the same memberships share one set object."""
    cache: dict[tuple[int, ...], frozenset[str]] = {}
    out = {}
    for site in inventory.sites:
        key = signatures[site.name]
        if key not in cache:
            partners: set[str] = set()
            for mark in key:
                a, b = sides[mark // 2]
                partners |= b if mark % 2 == 0 else a
            cache[key] = frozenset(partners)
        out[site.name] = cache[key]
    return out
