"""What each device's firewall lets through, from the plan alone.

A device enforces the flow rules its `DevicePlan.policy` names (`None`: it has no
firewall, everything passes). A rule lets a new flow through when the source's
addresses are in its source group, the destination's in its destination group
(`AddressGroup.prefixes`, matched against the sites' own addresses) and the service's
ports among its services' (`Service.ports`). Where a site has several devices, a flow
passes the site only when each of them would let it through (any of them may carry it).
"""

from __future__ import annotations

from netorch.plan.model import FabricPlan, FlowRule
from netorch.report.bits import Folds, Partition, bits, grant, has, mask_of, meet, uniform
from netorch.report.services import Vocabulary
from netorch.report.sites import Sites, address_span

Enforced = frozenset[int] | None  # the rules (by number) a device enforces; None: no firewall


class Firewalls:
    def __init__(self, plan: FabricPlan, sites: Sites, vocabulary: Vocabulary) -> None:
        self.sites = sites
        self.every = vocabulary.atoms.full
        policy = plan.policy
        groups = {g.name: sites.covered(address_span(p) for p in g.prefixes)
                  for g in (policy.groups if policy else [])}
        self.rules: list[FlowRule] = list(policy.rules) if policy else []
        self.source = [groups.get(r.source, 0) for r in self.rules]
        self.destination = [groups.get(r.destination, 0) for r in self.rules]
        self.services = [_services(vocabulary, r.services) for r in self.rules]
        number = {r.name: n for n, r in enumerate(self.rules)}
        self.devices = self._devices(plan, number)
        self.users = [m.bit_count() for m in self.source]
        self.folds = Folds(sites.full, list(zip(self.destination, self.services, strict=True)),
                           self.users)
        starting: list[list[int]] = [[] for _ in sites.names]
        for n, m in enumerate(self.source):
            for s in bits(m):
                starting[s].append(n)
        self.starting = [self.folds.order(rules) for rules in starting]  # rules by source
        self._slots = self._by_slot()
        self._edges: dict[tuple[int, ...], Partition] = {}
        self._sites: dict[tuple[tuple[int, ...], tuple[Enforced, ...]], Partition] = {}

    def _devices(self, plan: FabricPlan, number: dict[str, int]) -> list[list[Enforced]]:
        """Each site's devices (by name), as the rules they enforce."""
        enforced = {d.name: (None if d.policy is None else
                             frozenset(number[n] for n in d.policy if n in number))
                    for d in plan.devices}
        by_site: list[list[Enforced]] = [[] for _ in self.sites.names]
        for s in plan.sites:
            by_site[self.sites.index[s.name]] = [enforced[d] for d in sorted(s.devices)
                                                 if d in enforced]
        return by_site

    def _by_slot(self) -> list[tuple[Folds, int]]:
        """Per device slot k (each site's k-th device): the sites whose k-th device
        enforces each rule, and those whose k-th device lets everything through (or
        which have no k-th device)."""
        slots = max((len(d) for d in self.devices), default=0)
        out = []
        for k in range(slots):
            enforcing: list[list[int]] = [[] for _ in self.rules]
            open_sites = []
            for site, devices in enumerate(self.devices):
                if k >= len(devices) or devices[k] is None:
                    open_sites.append(site)
                    continue
                for n in devices[k] or ():
                    enforcing[n].append(site)
            rules = [(d & mask_of(e), v) for d, e, v in zip(
                self.destination, enforcing, self.services, strict=True)]
            out.append((Folds(self.sites.full, rules, self.users), mask_of(open_sites)))
        return out

    def device(self, enforced: Enforced, source: int) -> Partition:
        """What one device lets `source` open, to every destination."""
        if enforced is None:
            return uniform(self.every, self.sites.full)
        return self.folds.of(tuple(n for n in self.starting[source] if n in enforced))

    def site(self, site: int, source: int) -> Partition:
        """What every device of `site` lets `source` open (`site` is the source site, or
        a hub on the way)."""
        key = (self.starting[source], tuple(self.devices[site]))
        if key not in self._sites:
            parts = [self.device(enforced, source) for enforced in self.devices[site]]
            met = parts[0] if parts else uniform(self.every, self.sites.full)
            for p in parts[1:]:
                met = meet(met, p)  # the same partition when the devices agree
            self._sites[key] = met
        return self._sites[key]

    def arriving(self, source: int) -> Partition:
        """What the destination sites' devices let in from `source`, per destination."""
        key = self.starting[source]
        if key not in self._edges:
            parts = uniform(self.every, self.sites.full)
            for folds, open_sites in self._slots:
                parts = meet(parts, grant(folds.of(key), open_sites, self.every))
            self._edges[key] = parts
        return self._edges[key]

    def matching(self, source: int, target: int, atoms: int) -> list[str]:
        """The rules that let a flow of `atoms` from `source` to `target` through."""
        return [self.rules[n].name for n in self.starting[source]
                if has(self.destination[n], target) and self.services[n] & atoms]


def _services(vocabulary: Vocabulary, names: list[str]) -> int:
    mask = 0
    for name in names:
        mask |= vocabulary.plan_masks.get(name, 0)
    return mask
