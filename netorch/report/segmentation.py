"""The segmentation section: the policy as intended and as the plan enforces it, by
zone and by organisation, and every difference between the two as a finding.

Every ordered pair of two different sites is counted, but not one at a time: sources
with the same facts (organisation, the rules naming them, their devices' rules, their
routes) share one row (`Intended.key`, `Effective.key`), and a row is a few parts of
destinations that allow the same services (`netorch.report.bits`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from netorch.findings import Finding, error
from netorch.inventory.loader import location_of
from netorch.inventory.model import Inventory, Policy
from netorch.plan.model import FabricPlan
from netorch.plan.symmetry import paused_gc
from netorch.report.bits import has, lowest, pair
from netorch.report.effective import Effective, Way
from netorch.report.intended import Intended
from netorch.report.model import (
    Drift,
    DriftCase,
    PolicyCell,
    PolicyMatrix,
    Segmentation,
    ServicePairs,
)
from netorch.report.overview import MAX_ORGANISATIONS
from netorch.report.services import Vocabulary
from netorch.report.sites import Sites
from netorch.report.wording import count, drift_case

Vectors = tuple[int, int]  # (services the policy allows, services the plan lets through)
Joint = dict[Vectors, int]  # -> the destinations that get them


@dataclass
class Tally:
    """Pairs per cell of one matrix (rows: the source's group, columns: the target's)."""

    of: list[str]
    masks: dict[str, int]
    cells: dict[tuple[str, str], Counter[Vectors]] = field(default_factory=dict)
    examples: dict[tuple[str, str, Vectors], tuple[int, int]] = field(default_factory=dict)

    def add(self, joint: Joint, members: list[int], examples: bool) -> None:
        rows = Counter(self.of[m] for m in members)
        for vectors, part in joint.items():
            for column, mask in self.masks.items():
                n = (part & mask).bit_count()
                for row, sources in rows.items() if n else ():
                    self._cell(row, column)[vectors] += n * sources
        for m in members:  # a site's own traffic does not cross the fabric
            own = next(v for v, part in joint.items() if has(part, m))
            self._cell(self.of[m], self.of[m])[own] -= 1
        if examples:
            self._examples(joint, members)

    def _cell(self, row: str, column: str) -> Counter[Vectors]:
        return self.cells.setdefault((row, column), Counter())

    def _examples(self, joint: Joint, members: list[int]) -> None:
        first: dict[str, int] = {}
        for m in members:
            first.setdefault(self.of[m], m)
        for vectors, part in joint.items():
            if vectors[0] == vectors[1]:
                continue
            for row, source in first.items():
                for column, mask in self.masks.items():
                    others = part & mask & ~(1 << source)
                    key = (row, column, vectors)
                    if others and (source, lowest(others)) < self.examples.get(key, (1 << 62, 0)):
                        self.examples[key] = (source, lowest(others))


def segmentation(inventory: Inventory, plan: FabricPlan
                 ) -> tuple[Segmentation | None, list[Finding]]:
    """The section (None for a flat fabric) and its findings (`policy-drift`)."""
    policy = inventory.fabric.policy
    if policy is None and plan.policy is None:
        return None, []
    policy = policy or Policy(default="allow", same_organisation="allow")
    with paused_gc():  # no cycles made; a 10,000-site plan is millions of objects to scan
        return _segmentation(inventory, plan, policy)


def _segmentation(inventory: Inventory, plan: FabricPlan, policy: Policy
                  ) -> tuple[Segmentation, list[Finding]]:
    sites = Sites(plan, inventory)
    vocabulary = Vocabulary(policy, plan.policy)
    intended, effective = Intended(policy, sites, vocabulary), Effective(plan, sites, vocabulary)
    zones = Tally(sites.zone_of, sites.zones)
    tallies = [zones]
    if len(sites.orgs) <= MAX_ORGANISATIONS:
        tallies.append(Tally(sites.org_of, sites.orgs))
    for members, way in _classes(sites, intended, effective).values():
        joint = pair(intended.row(members[0]), effective.row(members[0], way))
        for tally in tallies:
            tally.add(joint, members, examples=tally is zones)
    drift = _drift(zones, sites, vocabulary, effective)
    section = Segmentation(
        default=policy.default, same_organisation=policy.same_organisation,
        rules=len(policy.rules), pairs=len(sites.names) * (len(sites.names) - 1),
        intended_pairs=_total(zones, lambda v: v[0] != 0),
        effective_pairs=_total(zones, lambda v: v[1] != 0),
        differing=sum(d.differing for d in drift),
        matrices=[_matrix(t, by, view, vocabulary)
                  for view in ("intended", "effective")
                  for t, by in zip(tallies, ("zone", "organisation"), strict=False)],
        drift=drift)
    return section, [_finding(inventory, d) for d in drift]


def _classes(sites: Sites, intended: Intended, effective: Effective
             ) -> dict[Hashable, tuple[list[int], Way]]:
    classes: dict[Hashable, tuple[list[int], Way]] = {}
    for source in range(len(sites.names)):
        way = effective.way(source)
        key = (intended.key(source), effective.key(source, way))
        classes.setdefault(key, ([], way))[0].append(source)
    return classes


def _total(tally: Tally, counted: Callable[[Vectors], bool]) -> int:
    return sum(n for cell in tally.cells.values() for v, n in cell.items() if counted(v))


def _matrix(tally: Tally, by: str, view: str, vocabulary: Vocabulary) -> PolicyMatrix:
    side = 0 if view == "intended" else 1
    groups = list(tally.masks)
    cells = []
    for a in groups:
        for b in groups:
            dist: Counter[int] = Counter()
            for vectors, n in tally.cells.get((a, b), Counter()).items():
                dist[vectors[side]] += n
            cells.append(PolicyCell(
                source=a, target=b, pairs=sum(dist.values()),
                allowed=sum(n for v, n in dist.items() if v),
                services=[ServicePairs(service=s, pairs=n) for s, n in vocabulary.count(dist)]))
    return PolicyMatrix.model_validate({"by": by, "view": view, "groups": groups,
                                        "cells": cells})


def _drift(zones: Tally, sites: Sites, vocabulary: Vocabulary, effective: Effective
           ) -> list[Drift]:
    out = []
    for (a, b), cell in sorted(zones.cells.items()):
        cases = []
        for vectors, n in sorted(cell.items(), key=lambda vn: (-vn[1], vn[0])):
            if vectors[0] == vectors[1] or not n:
                continue
            s, t = zones.examples[(a, b, vectors)]
            cases.append(DriftCase(
                intended=vocabulary.describe(vectors[0]), effective=vocabulary.describe(
                    vectors[1]), pairs=n, example=(sites.names[s], sites.names[t]),
                why=effective.why(s, t, *vectors)))
        if cases:
            out.append(Drift(source=a, target=b, pairs=sum(cell.values()),
                             differing=sum(c.pairs for c in cases), cases=cases))
    return out


def _finding(inventory: Inventory, d: Drift) -> Finding:
    said = "; ".join(drift_case(c) for c in d.cases)
    return error("policy-drift", f"from zone {d.source} to zone {d.target}, the plan differs "
                 f"from the policy for {d.differing} of the {count(d.pairs, 'pair')} of sites: "
                 f"{said}",
                 location_of(inventory, ("fabric", "policy"), key=True))
