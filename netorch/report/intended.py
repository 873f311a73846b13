"""What the inventory's policy allows, by its documented semantics (docs/policy.md).

A flow from site S to site T (S is not T: a site's own traffic never crosses the
fabric) of a service is allowed when a rule's `from` selects S, its `to` selects T and
the service is among its services; or S and T are of one organisation and
`same_organisation` is allow; or of different organisations and `default` is allow.
Nothing here reads the plan: selectors are matched against the sites' zones,
organisations and names.
"""

from __future__ import annotations

from collections.abc import Hashable

from netorch.inventory.model import Policy
from netorch.inventory.policy import selector
from netorch.report.bits import Folds, Partition, bits, grant, uniform
from netorch.report.services import Vocabulary
from netorch.report.sites import Sites


class Intended:
    """The policy's allowed services from one source site to every site."""

    def __init__(self, policy: Policy, sites: Sites, vocabulary: Vocabulary) -> None:
        self.sites = sites
        self.every = vocabulary.atoms.full
        self.rules = [(self._select(r.source), self._select(r.to),
                       _services(vocabulary, r.services)) for r in policy.rules]
        self.same = policy.same_organisation == "allow"
        self.other = policy.default == "allow"
        self.folds = Folds(sites.full, [(to, services) for _, to, services in self.rules],
                           [f.bit_count() for f, _, _ in self.rules])
        starting: list[list[int]] = [[] for _ in sites.names]
        for n, (f, _, _) in enumerate(self.rules):
            for s in bits(f):
                starting[s].append(n)
        self.starting = [self.folds.order(rules) for rules in starting]  # rules by source

    def _select(self, text: str) -> int:
        chosen = selector(text)
        if chosen.kind == "any":
            return self.sites.full
        if chosen.kind == "zone":
            return self.sites.zones.get(chosen.name, 0)
        if chosen.kind == "org":
            return self.sites.orgs.get(chosen.name, 0)
        i = self.sites.index.get(chosen.name)
        return 0 if i is None else 1 << i

    def key(self, source: int) -> Hashable:
        """Sources with one key have one row."""
        org = self.sites.org_of[source] if self.same or self.other else None
        return org, self.starting[source]

    def row(self, source: int) -> Partition:
        parts = self.folds.of(self.starting[source])
        own = self.sites.orgs[self.sites.org_of[source]]
        if self.same:
            parts = grant(parts, own, self.every)
        if self.other:
            parts = grant(parts, self.sites.full & ~own, self.every)
        return parts


def flat(sites: Sites, vocabulary: Vocabulary) -> Partition:
    """A fabric without a policy: everything, everywhere."""
    return uniform(vocabulary.atoms.full, sites.full)


def _services(vocabulary: Vocabulary, specs: list[str]) -> int:
    mask = 0
    for spec in specs:
        mask |= vocabulary.spec_mask(spec)
    return mask
