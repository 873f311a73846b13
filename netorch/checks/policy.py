"""The segmentation policy (`fabric.policy`) against the sites it names.

The vocabulary (the forms of selectors and services) is the schema's
(`netorch.inventory.policy`); here, what needs the whole inventory: a zone, an
organisation or a site a selector names must exist; a rule another rule (or the
policy's own `same_organisation` / `default`) already allows is dead weight that
hides the real intent; an any-to-any rule under `default: deny` makes the fabric flat;
a rule that picks one site on both sides allows nothing, since flows inside a site do
not cross the fabric. validate notes a fabric without a policy: it is flat (`flat`).

Rules are compared by what they allow: the ordered pairs of different sites their
selectors pick, and the ports of their services (`tcp/443` is `https`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from netorch.checks.context import Context
from netorch.findings import Finding, Location, error, note, warning
from netorch.inventory.model import Inventory, PolicyRule
from netorch.inventory.policy import Port, Selector, selector, service_ports

RULES_AT = ("fabric", "policy", "rules")
# Every finding below judges the sites a selector picks: with a site left out (validate,
# while its file does not load) they would report its absence, not a fault.
NEEDS_EVERY_SITE = frozenset({"policy-unknown-selector", "policy-shadowed",
                              "policy-any-to-any", "policy-allows-nothing"})
KINDS = {"zone": "zone", "org": "organisation", "site": "site"}
LISTED_MAX = 12  # known names listed in an unknown-selector message, at most


class Sites:
    """The sites each selector picks (each selector resolved once)."""

    def __init__(self, inventory: Inventory) -> None:
        self.every = frozenset(s.name for s in inventory.sites)
        self.org_of = {s.name: s.organisation for s in inventory.sites}
        self.by: dict[str, dict[str, set[str]]] = {"zone": {}, "org": {}, "site": {}}
        for site in inventory.sites:
            self.by["zone"].setdefault(site.zone, set()).add(site.name)
            self.by["org"].setdefault(site.organisation, set()).add(site.name)
            self.by["site"][site.name] = {site.name}
        self._picked: dict[str, frozenset[str]] = {}

    def picks(self, text: str) -> frozenset[str]:
        """The sites selector `text` picks (empty: it names nothing that exists)."""
        if text not in self._picked:
            chosen = selector(text)
            self._picked[text] = (self.every if chosen.kind == "any" else
                                  frozenset(self.by[chosen.kind].get(chosen.name, ())))
        return self._picked[text]

    def unknown(self, text: str) -> str | None:
        """Why `text` picks no site, with the nearest names (None: it picks some)."""
        chosen = selector(text)
        if chosen.kind == "any" or chosen.name in self.by[chosen.kind]:
            return None
        known = sorted(self.by[chosen.kind])
        return (f"unknown {KINDS[chosen.kind]} '{chosen.name}': no site has it"
                f"{_nearest(chosen, known)}{_listed(chosen, known)}")


def _nearest(chosen: Selector, known: Sequence[str]) -> str:
    """' (did you mean 'x' or 'y'?)': names equal but for case first, then close ones."""
    same = [k for k in known if k.casefold() == chosen.name.casefold()]
    close = same or difflib.get_close_matches(chosen.name, known, n=3, cutoff=0.6)
    if not close:
        return ""
    named = " or ".join(f"'{chosen.kind}:{c}'" for c in close)
    return f" (did you mean {named}?)"


def _listed(chosen: Selector, known: Sequence[str]) -> str:
    if chosen.kind == "site" or len(known) > LISTED_MAX:
        return ""
    return f"; known {KINDS[chosen.kind]}s: {', '.join(known)}"


@dataclass(frozen=True)
class Allows:
    """What one rule allows: flows from `active` (the sources that pair with some
    other site) to `to`, of `ports`."""

    index: int
    rule: PolicyRule
    source: frozenset[str]
    to: frozenset[str]
    active: frozenset[str]
    ports: tuple[Port, ...]

    @property
    def empty(self) -> bool:
        return not self.active

    def pairs_within(self, other: Allows) -> bool:
        """Every pair of different sites this rule picks, `other` picks too."""
        if not self.active <= other.source:
            return False
        extra = self.to - other.to
        return not extra or (len(extra) == 1 and self.active <= extra)

    def within(self, other: Allows) -> bool:
        return ports_within(self.ports, other.ports) and self.pairs_within(other)

    def said(self) -> str:
        return f"{self.rule.source} -> {self.rule.to}: {', '.join(self.rule.services)}"


def ports_within(ports: Sequence[Port], others: Sequence[Port]) -> bool:
    """Every port of `ports` is one of `others`' (`any` holds every protocol).

    >>> ports_within(service_ports("https"), service_ports("tcp/400-500"))
    True
    >>> ports_within(service_ports("dns"), service_ports("udp/53"))
    False
    """
    if any(p.protocol == "any" for p in others):
        return True
    return all(_port_within(p, others) for p in ports)


def _port_within(port: Port, others: Sequence[Port]) -> bool:
    if port.protocol == "any":
        return False
    if port.first is None or port.last is None:
        return any(o.protocol == port.protocol for o in others)
    need = port.first  # the lowest port not yet covered
    for first, last in sorted((o.first, o.last) for o in others
                              if o.protocol == port.protocol and o.first is not None
                              and o.last is not None):
        if first > need:
            break
        need = max(need, last + 1)
    return need > port.last


@dataclass(frozen=True)
class Gathered:
    sites: Sites
    rules: list[Allows]  # the rules whose selectors both pick some site


_GATHERED: WeakKeyDictionary[Context, Gathered] = WeakKeyDictionary()


def gathered(ctx: Context) -> Gathered:
    """The sites and each rule's allows, worked out once per check run."""
    if ctx not in _GATHERED:
        sites = Sites(ctx.inventory)
        policy = ctx.fabric.policy
        rules = [] if policy is None else [_allows(sites, i, r)
                                           for i, r in enumerate(policy.rules)]
        _GATHERED[ctx] = Gathered(sites, [r for r in rules if r.source and r.to])
    return _GATHERED[ctx]


def _allows(sites: Sites, index: int, rule: PolicyRule) -> Allows:
    source, to = sites.picks(rule.source), sites.picks(rule.to)
    active = source if len(to) > 1 else source - to
    ports = tuple(p for s in rule.services for p in service_ports(s))
    return Allows(index, rule, source, to, active, ports)


def _rule_at(ctx: Context, index: int, *path: str) -> Location:
    return ctx.at(*RULES_AT, index, *path)


def flat(inventory: Inventory, at: Location) -> list[Finding]:
    """validate's note for a fabric without a policy (shown once it has no errors, like
    `pki.out_of_band`: a flat fabric is today's behaviour, not a fault, and would only
    add a line to every error listing)."""
    if inventory.fabric.policy is not None:
        return []
    return [note("policy-flat", "the fabric has no 'policy:': it is flat, every site "
                 "reaches every other site; add a policy to segment it (docs/policy.md)", at)]


def selectors(ctx: Context) -> Iterator[Finding]:
    """Every zone, organisation and site a rule names exists."""
    policy = ctx.fabric.policy
    if policy is None:
        return
    sites = gathered(ctx).sites
    for i, rule in enumerate(policy.rules):
        for key, text in (("from", rule.source), ("to", rule.to)):
            why = sites.unknown(text)
            if why is not None:
                yield error("policy-unknown-selector", f"rules[{i}] {key}: {why}",
                            _rule_at(ctx, i, key))


def shadowed(ctx: Context) -> Iterator[Finding]:
    """A rule whose every flow another rule, `same_organisation: allow` or `default:
    allow` already allows."""
    if ctx.fabric.policy is None:
        return
    rules = gathered(ctx).rules
    for rule in rules:
        if rule.empty:
            continue
        finding = _by_rule(ctx, rule, rules) or _by_policy(ctx, rule)
        if finding is not None:
            yield finding


def _by_rule(ctx: Context, rule: Allows, rules: Sequence[Allows]) -> Finding | None:
    """The first other rule that allows all `rule` does (of two that allow the same, the
    later is the one reported)."""
    for other in rules:
        if other is rule or other.empty or not rule.within(other):
            continue
        if other.index > rule.index and other.within(rule):
            continue
        return warning("policy-shadowed", f"rules[{rule.index}] is already allowed by "
                       f"rules[{other.index}] ({other.said()})", _rule_at(ctx, rule.index),
                       _rule_at(ctx, other.index))
    return None


def _by_policy(ctx: Context, rule: Allows) -> Finding | None:
    policy = ctx.fabric.policy
    if policy is None or "allow" not in (policy.same_organisation, policy.default):
        return None
    if policy.same_organisation == policy.default:
        why = ("by 'default: allow' with 'same_organisation: allow' (together they allow "
               "every flow)")
        at = "default"
    elif policy.same_organisation == "allow":
        org = _inside_one(gathered(ctx).sites, rule)
        if org is None:
            return None
        why = f"by 'same_organisation: allow' (every flow it allows is between sites of {org})"
        at = "same_organisation"
    else:
        by_org = gathered(ctx).sites.by["org"].values()
        if any(_pair_inside(rule.active & members, rule.to & members) for members in by_org):
            return None
        why = "by 'default: allow' (every flow it allows is between different organisations)"
        at = "default"
    return warning("policy-shadowed", f"rules[{rule.index}] is already allowed {why}",
                   _rule_at(ctx, rule.index), ctx.at("fabric", "policy", at))


def _inside_one(sites: Sites, rule: Allows) -> str | None:
    """The organisation every site of the rule's flows is of (None: they are of several)."""
    org = sites.org_of[next(iter(rule.active))]
    members = sites.by["org"][org]
    return org if rule.active <= members and rule.to <= members else None


def _pair_inside(sources: frozenset[str], targets: frozenset[str]) -> bool:
    """Whether some source site and some other target site are of one organisation
    (both sets of that organisation)."""
    return bool(sources and targets) and not (len(sources) == 1 and sources == targets)


def any_to_any(ctx: Context) -> Iterator[Finding]:
    """Under `default: deny`, a rule from every site to every site undoes the policy
    for its services."""
    policy = ctx.fabric.policy
    if policy is None or policy.default != "deny":
        return
    sites = gathered(ctx).sites
    for rule in gathered(ctx).rules:
        if rule.source == sites.every == rule.to and len(sites.every) > 1:
            yield warning("policy-any-to-any", f"rules[{rule.index}] lets every site open "
                          f"{', '.join(rule.rule.services)} flows to every other site: "
                          "under 'default: deny' it makes the fabric flat for these "
                          "services; name the zones, organisations or sites that need them",
                          _rule_at(ctx, rule.index))


def allows_nothing(ctx: Context) -> Iterator[Finding]:
    """A rule whose both sides pick only one and the same site: flows inside a site do
    not cross the fabric, so it allows nothing (a warning: it was meant to allow
    something, most likely with another site on one side)."""
    if ctx.fabric.policy is None:
        return
    for rule in gathered(ctx).rules:
        if rule.empty:
            [name] = rule.source
            yield warning("policy-allows-nothing", f"rules[{rule.index}] allows nothing: "
                          f"'from' and 'to' both pick only site {name}, and flows inside "
                          "a site do not cross the fabric", _rule_at(ctx, rule.index))


RULES = (selectors, shadowed, any_to_any, allows_nothing)
