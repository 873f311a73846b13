"""The report's effective reachability (sources grouped into classes, sites as bit
masks, rows as partitions) agrees pair by pair with a plain reading of the plan written
here one site pair and one port at a time: for the example and the regional fixture,
as planned and with broken plans."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Network

import pytest

from netorch import api
from netorch.inventory.model import Inventory
from netorch.plan.model import FabricPlan, PrefixSet, Tunnel
from netorch.report.effective import Effective
from netorch.report.services import Vocabulary
from netorch.report.sites import Sites
from tests.report.conftest import EXAMPLE, ROOT

PROBES = [("tcp", 443), ("tcp", 445), ("icmp", None), ("udp", 53), ("tcp", 22),
          ("tcp", 8443), ("udp", 5060), ("udp", 123), ("tcp", 9999), ("gre", None)]


class Plain:
    """The plan read naively: one pair, one port at a time."""

    def __init__(self, plan: FabricPlan) -> None:
        self.plan = plan
        self.sets = {s.name: s for s in plan.prefix_sets}
        loopbacks = {d.name: d.loopback.network for d in plan.devices}
        self.prefixes = {s.name: [*s.lan, *(loopbacks[d] for d in s.devices)]
                         for s in plan.sites}
        self.hubs = {s.name for s in plan.sites if s.hub}
        self.policy = plan.policy
        self.devices = {s.name: sorted(s.devices) for s in plan.sites}
        self.device = {d.name: d for d in plan.devices}

    def _passes(self, set_name: str, site: str) -> bool:
        found = self.sets.get(set_name)
        entries = found.entries if found else []
        return all(any(_match(e.prefix, e.le, p) for e in entries)
                   for p in self.prefixes[site])

    def _ends(self, a: str, b: str) -> list[tuple[str, str]]:
        """(a's end accepts, b's end advertises) over each tunnel a-b."""
        out = []
        for t in self.plan.tunnels:
            for mine, theirs in ((t.a, t.b), (t.b, t.a)):
                if (mine.site, theirs.site) == (a, b):
                    out.append((mine.accepts, theirs.advertises))
        return out

    def _hears(self, a: str, b: str, x: str) -> bool:
        return any(self._passes(acc, x) and self._passes(adv, x) for acc, adv in self._ends(a, b))

    def _hub_knows(self, hub: str, x: str, first: bool) -> bool:
        if self._hears(hub, x, x):
            return True
        return first and any(self._hears(hub, h2, x) and self._hub_knows(h2, x, False)
                             for h2 in self.hubs if h2 != hub)

    def hubs_on_way(self, s: str, t: str) -> list[str] | None:
        """None: no route; [] direct; else the hubs the path may cross."""
        if self._hears(s, t, t):
            return []
        way = []
        for hub in sorted(self.hubs - {s, t}):
            if self._hears(s, hub, t) and self._hub_knows(hub, t, s not in self.hubs):
                way.append(hub)
                if not self._hears(hub, t, t):
                    way += [h2 for h2 in sorted(self.hubs - {hub, s, t})
                            if self._hears(hub, h2, t) and self._hears(h2, t, t)]
        return sorted(set(way)) if way else None

    def _lets(self, device: str, s: str, t: str, probe: tuple[str, int | None]) -> bool:
        names = self.device[device].policy
        if names is None or self.policy is None:
            return True
        groups = {g.name: g for g in self.policy.groups}
        services = {x.name: x for x in self.policy.services}
        for rule in self.policy.rules:
            if rule.name not in names:
                continue
            src, dst = groups.get(rule.source), groups.get(rule.destination)
            if src is None or dst is None:
                continue
            if not all(any(p.subnet_of(n) for n in src.prefixes) for p in self.prefixes[s]):
                continue
            if not all(any(p.subnet_of(n) for n in dst.prefixes) for p in self.prefixes[t]):
                continue
            if any(_port(port, probe) for name in rule.services if name in services
                   for port in services[name].ports):
                return True
        return False

    def allowed(self, s: str, t: str) -> set[tuple[str, int | None]]:
        there, back = self.hubs_on_way(s, t), self.hubs_on_way(t, s)
        if there is None or back is None:
            return set()
        on_way = [d for site in (s, t, *there) for d in self.devices[site]]
        return {p for p in PROBES if all(self._lets(d, s, t, p) for d in on_way)}


def _match(prefix: IPv4Network, le: int | None, p: IPv4Network) -> bool:
    return p.subnet_of(prefix) and prefix.prefixlen <= p.prefixlen <= (le or prefix.prefixlen)


def _port(port: object, probe: tuple[str, int | None]) -> bool:
    protocol, number = probe
    proto, first, last = (getattr(port, k) for k in ("protocol", "first", "last"))
    if proto == "any":
        return True
    if proto != protocol:
        return False
    return first is None or (number is not None and first <= number <= last)


def _broken(plan: FabricPlan, how: str) -> FabricPlan:
    if how == "as-planned":
        return plan
    if how == "device-drops-rule":
        return plan.model_copy(update={"devices": [
            d.model_copy(update={"policy": (d.policy or [])[1:]}) if i % 3 == 0 else d
            for i, d in enumerate(plan.devices)]})
    if how == "group-loses-a-prefix":
        assert plan.policy is not None
        groups = [g.model_copy(update={"prefixes": g.prefixes[1:]}) if i % 2 else g
                  for i, g in enumerate(plan.policy.groups)]
        return plan.model_copy(update={"policy": plan.policy.model_copy(
            update={"groups": groups})})
    nothing = PrefixSet(name="nothing", description="", entries=[])
    chosen = sorted(s.name for s in plan.sites)[1::5]
    tunnels = [_end(t, chosen, nothing.name, i % 2 == 0) for i, t in enumerate(plan.tunnels)]
    return plan.model_copy(update={"tunnels": tunnels,
                                   "prefix_sets": [*plan.prefix_sets, nothing]})


def _end(t: Tunnel, chosen: list[str], name: str, accepts: bool) -> Tunnel:
    """The chosen sites' ends accept nothing, or their peers' ends advertise nothing to
    them (on every other tunnel)."""
    for mine, side, peer in ((t.a, "a", "b"), (t.b, "b", "a")):
        if mine.site in chosen:
            end, key = (side, "accepts") if accepts else (peer, "advertises")
            return t.model_copy(update={end: getattr(t, end).model_copy(update={key: name})})
    return t


CASES = [(inv, how) for inv in (EXAMPLE, "tests/fixtures/cnsa-regional.yaml")
         for how in ("as-planned", "device-drops-rule", "group-loses-a-prefix",
                     "ends-filter-everything")]


@pytest.fixture(scope="module")
def planned() -> Callable[[str], tuple[Inventory, FabricPlan]]:
    cache: dict[str, tuple[Inventory, FabricPlan]] = {}

    def get(path: str) -> tuple[Inventory, FabricPlan]:
        if path not in cache:
            inventory = api.load(ROOT / path)
            cache[path] = (inventory, api.plan(inventory))
        return cache[path]
    return get


@pytest.mark.parametrize(("path", "how"), CASES)
def test_effective_agrees_with_a_plain_reading(
        planned: Callable[[str], tuple[Inventory, FabricPlan]], path: str, how: str) -> None:
    inventory, plan = planned(path)
    plan = _broken(plan, how)
    sites = Sites(plan, inventory)
    words = Vocabulary(inventory.fabric.policy, plan.policy)
    effective, plain = Effective(plan, sites, words), Plain(plan)
    probes = {p: words.atoms.at(*p) for p in PROBES}
    differ = []
    for i, s in enumerate(sites.names):
        row = effective.row(i, effective.way(i))
        for j, t in enumerate(sites.names):
            if i == j:
                continue
            vector = next(v for v, m in row.items() if m >> j & 1)
            got = {p for p, atom in probes.items() if vector & atom}
            if got != plain.allowed(s, t):
                differ.append((s, t, sorted(got, key=str), sorted(plain.allowed(s, t), key=str)))
    assert differ == []
