"""The symmetry check of `lab test`: a spoke pair crosses the same hub device both ways.

For spoke site pairs (all of them in a small lab, a deterministic sample spread over
the sites' hub homes in a big one), `traceroute` runs in the source site's LAN test
host towards the other site's, and back. Each hop's address is mapped to the device
that owns it (tunnel /31 ends and loopbacks from the plan, LAN and link addresses from
the lab spec): a lab device answers a probe from the address of the interface the
probe arrived on, the VXLAN /31 of the inbound tunnel. The hub devices crossed there
must be those crossed back in reverse order, and those the plan predicts
(`netorch.plan.symmetry`, the simulation of BGP best-path selection).

A `*` hop (no answer in time) is counted, and a pair fails on it only when no hub hop
is known either way, or when what is known contradicts the other direction.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import combinations

from netorch.lab import sh
from netorch.lab.errors import LabError
from netorch.lab.labpolicy import FlowPolicy
from netorch.lab.runtime import Runtime
from netorch.lab.spec import LabHost, LabSpec
from netorch.plan import symmetry
from netorch.plan.model import FabricPlan
from netorch.plan.prefixindex import PrefixIndex

IPv4Address = ipaddress.IPv4Address
TRACEROUTE = ("traceroute", "-n", "-q", "1", "-w", "1", "-m", "8")
MAX_PAIRS = 12
SETTLE = 10.0  # seconds a pair that does not match yet is traced again (BGP settling)
WORKERS = 24
TRACE_TIMEOUT = 8.0
_HOP_RE = re.compile(r"^\s*(?P<ttl>\d+)\s+(?P<addr>\*|\d+\.\d+\.\d+\.\d+)")

Hubs = tuple[str, ...]
Home = tuple[int, tuple[tuple[str, str], ...]]  # devices; (hub device, underlay) tunnels


@dataclass(frozen=True)
class Traced:
    """One traceroute: each hop's address (None: `*`), and whether it got there."""

    hops: tuple[IPv4Address | None, ...]
    reached: bool

    @property
    def stars(self) -> int:
        return sum(h is None for h in self.hops)

    @property
    def complete(self) -> bool:
        return self.reached and not self.stars


def parse(output: str, dest: IPv4Address) -> Traced:
    """`traceroute -n -q 1` output as hops.

    >>> parse(" 1  10.1.0.1  0.1 ms\\n 2  *\\n 3  10.2.255.254  0.3 ms\\n",
    ...       IPv4Address("10.2.255.254"))
    Traced(hops=(IPv4Address('10.1.0.1'), None, IPv4Address('10.2.255.254')), reached=True)
    """
    hops = [None if m["addr"] == "*" else IPv4Address(m["addr"])
            for m in map(_HOP_RE.match, output.splitlines()) if m is not None]
    return Traced(tuple(hops), dest in hops)


def owners(plan: FabricPlan, spec: LabSpec) -> dict[IPv4Address, str]:
    """Who answers from each address: devices by name, LAN test hosts as `SITE host`."""
    owned: dict[IPv4Address, str] = {}
    for t in plan.tunnels:
        for end in (t.a, t.b):
            owned[end.address.ip] = end.device
    for d in plan.devices:
        owned[d.loopback.ip] = d.name
    for dev in spec.devices:
        addrs = [*(i.ip for i in dev.lan), *(k.address.ip for k in dev.links),
                 *dev.endpoints.values(), dev.mgmt.ip]
        owned.update((a, dev.name) for a in addrs)
    for host in spec.hosts:
        owned.update((i.ip, f"{host.site} host") for i in host.addresses)
    return owned


def crossed(path: Traced, owned: dict[IPv4Address, str], hubs: frozenset[str]) -> Hubs:
    names = [owned.get(h) for h in path.hops if h is not None]
    out: list[str] = []
    for name in names:
        if name in hubs and (not out or out[-1] != name):
            out.append(name)
    return tuple(out)


def _within(part: Hubs, whole: Hubs) -> bool:
    """`part` is `whole` with some hubs unseen (kept in order)."""
    rest = iter(whole)
    return all(h in rest for h in part)


def agree(x: Hubs, x_complete: bool, y: Hubs, y_complete: bool) -> bool:
    """Two hub sequences agree, allowing an incomplete one to miss hubs."""
    if x_complete and y_complete:
        return x == y
    if y_complete:
        return _within(x, y)
    if x_complete:
        return _within(y, x)
    return _within(x, y) or _within(y, x)


@dataclass(frozen=True)
class Pair:
    """One site pair traced both ways, with the hub devices the plan predicts."""

    there_site: str
    back_site: str
    there: Traced
    back: Traced
    plan_there: Hubs | None  # None: the plan has no route
    plan_back: Hubs | None

    def problems(self, owned: dict[IPv4Address, str], hubs: frozenset[str]) -> list[str]:
        there, back = crossed(self.there, owned, hubs), crossed(self.back, owned, hubs)
        returned = tuple(reversed(back))
        out = []
        if not agree(there, self.there.complete, returned, self.back.complete):
            out.append(f"the way there crosses {_names(there)}, the way back {_names(back)}")
        if not there and not back and (self.plan_there or self.plan_back):
            out.append("the hub hop is unknown both ways")
        for seen, done, planned in ((there, self.there.complete, self.plan_there),
                                    (back, self.back.complete, self.plan_back)):
            if planned is not None and not agree(seen, done, planned, True):
                out.append(f"crosses {_names(seen)} where the plan predicts {_names(planned)}")
        return out

    def describe(self, owned: dict[IPv4Address, str], hubs: frozenset[str]) -> str:
        there, back = crossed(self.there, owned, hubs), crossed(self.back, owned, hubs)
        plan = "no route" if self.plan_there is None else _names(self.plan_there)
        return (f"{self.there_site} -> {self.back_site}: {_hops(self.there, owned)}; back: "
                f"{_hops(self.back, owned)}; hubs there {_names(there)}, back {_names(back)};"
                f" plan {plan}")


def _names(hubs: Hubs) -> str:
    return " then ".join(hubs) if hubs else "no hub"


def _hops(path: Traced, owned: dict[IPv4Address, str]) -> str:
    return ", ".join("*" if h is None else f"{h} {owned.get(h, '?')}" for h in path.hops) \
        or "no hop"


def homes(plan: FabricPlan) -> dict[str, Home]:
    """Each site's hub home: the hub devices its devices tunnel to, on which underlay,
    and how many devices it has (an HA pair homes twice)."""
    hub = {d.name for d in plan.devices if d.hub}
    found: dict[str, set[tuple[str, str]]] = {s.name: set() for s in plan.sites}
    for t in plan.tunnels:
        for near, far in ((t.a, t.b), (t.b, t.a)):
            if far.device in hub:
                found[near.site].add((far.device, t.underlay))
    return {s.name: (len(s.devices), tuple(sorted(found[s.name]))) for s in plan.sites}


def choose_pairs(plan: FabricPlan, spec: LabSpec, limit: int = MAX_PAIRS,
                 traceable: Callable[[str, str], bool] | None = None
                 ) -> tuple[list[tuple[str, str]], int]:
    """Spoke pairs to trace, and how many there are: all when they fit in `limit`, else
    a deterministic sample that first covers new pairs of hub homes, then uses the
    sites used least. `traceable` (under a policy): only pairs a probe may cross both
    ways."""
    traced = {h.site for h in spec.hosts}
    spokes = [s.name for s in sorted(plan.sites, key=lambda s: s.id)
              if not s.hub and s.lan and s.name in traced]
    every = [(a, b) for a, b in combinations(spokes, 2)
             if traceable is None or (traceable(a, b) and traceable(b, a))]
    if len(every) <= limit:
        return every, len(every)
    home = homes(plan)
    chosen: list[tuple[str, str]] = []
    covered: set[tuple[Home, Home]] = set()
    used: Counter[str] = Counter()
    rest = list(enumerate(every))
    while rest and len(chosen) < limit:
        pick = min(rest, key=lambda item: _rank(item, home, covered, used))
        rest.remove(pick)
        a, b = pick[1]
        chosen.append((a, b))
        covered.add(home_pair(home, a, b))
        used.update((a, b))
    return chosen, len(every)


def home_pair(home: dict[str, Home], a: str, b: str) -> tuple[Home, Home]:
    return (home[a], home[b]) if home[a] <= home[b] else (home[b], home[a])


def _rank(item: tuple[int, tuple[str, str]], home: dict[str, Home],
          covered: set[tuple[Home, Home]], used: Counter[str]) -> tuple[bool, int, int]:
    """Pairs of hub homes not covered yet first, then the least used sites, then order."""
    i, (a, b) = item
    return (home_pair(home, a, b) in covered, used[a] + used[b], i)


def predicted(plan: FabricPlan, pairs: list[tuple[str, str]]
              ) -> dict[tuple[str, str], Hubs | None]:
    """The hub devices the plan's simulation crosses from the first site to the second,
    in steady state, for each pair both ways."""
    fab = symmetry.Fabric.of(plan)
    sites = {s.name: s for s in symmetry.sites_of(fab, PrefixIndex(plan.prefix_sets))}
    out: dict[tuple[str, str], Hubs | None] = {}
    for a, b in pairs:
        for src, dst in ((a, b), (b, a)):
            trace = symmetry.trace(fab, sites[src], sites[dst], None)
            out[src, dst] = None if trace is None else trace.hubs
    return out


def traceroute(src: LabHost, dst: LabHost, options: tuple[str, ...] = ()) -> Traced:
    """`options`: the probe's protocol (-I, -T -p N; none: traceroute's UDP)."""
    argv = sh.in_ns(src.ns, [*TRACEROUTE, *options, str(dst.address)])
    try:
        out = sh.run(argv, check=False, timeout=TRACE_TIMEOUT).stdout
    except LabError:
        out = ""
    return parse(out, dst.address)


Options = Callable[[str, str], tuple[str, ...]]


def udp(src: str, dst: str) -> tuple[str, ...]:
    """traceroute's own probes (UDP): what every way uses without a policy."""
    return ()


def trace_all(spec: LabSpec, ways: list[tuple[str, str]], enough: Callable[[Traced], bool],
              options: Options = udp) -> dict[tuple[str, str], Traced]:
    """Every (source, destination) site way traced in parallel; a way whose path is not
    `enough` once more (an ICMP reply can be rate-limited), keeping what saw more.
    `options`: traceroute's probe for a way (a policy lets only some through)."""
    host = {h.site: h for h in spec.hosts}

    def run(way: tuple[str, str]) -> Traced:
        return traceroute(host[way[0]], host[way[1]], options(*way))

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        found = dict(zip(ways, pool.map(run, ways), strict=True))
        again = [w for w in ways if not enough(found[w])]
        for way, path in zip(again, pool.map(run, again), strict=True):
            if (path.reached, -path.stars) > (found[way].reached, -found[way].stars):
                found[way] = path
    return found


def hub_devices(plan: FabricPlan) -> frozenset[str]:
    return frozenset(d.name for d in plan.devices if d.hub)


def trace_pairs(rt: Runtime, plan: FabricPlan, pairs: list[tuple[str, str]],
                options: Options = udp) -> list[Pair]:
    """Each site pair traced both ways in the lab, beside the plan's prediction."""
    hubs, owned = hub_devices(plan), owners(plan, rt.spec)
    plan_hubs = predicted(plan, pairs)
    paths = trace_all(rt.spec, [w for a, b in pairs for w in ((a, b), (b, a))],
                      lambda p: p.reached and bool(crossed(p, owned, hubs)), options)
    return [Pair(a, b, paths[a, b], paths[b, a], plan_hubs[a, b], plan_hubs[b, a])
            for a, b in pairs]


def settled_pairs(rt: Runtime, plan: FabricPlan, pairs: list[tuple[str, str]],
                  wait: float = SETTLE, options: Options = udp) -> list[Pair]:
    """`trace_pairs`, tracing again (every 2 s, at most `wait` s) the pairs that do not
    yet match: sessions can be up and a route present while a better path is still on
    its way (an UPDATE behind its peer's advertisement interval)."""
    hubs, owned = hub_devices(plan), owners(plan, rt.spec)
    results = dict(zip(pairs, trace_pairs(rt, plan, pairs, options), strict=True))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        pending = [p for p, r in results.items() if r.problems(owned, hubs)]
        if not pending:
            break
        time.sleep(2.0)
        results.update(zip(pending, trace_pairs(rt, plan, pending, options), strict=True))
    return [results[p] for p in pairs]


def check_symmetry(rt: Runtime, plan: FabricPlan, policy: FlowPolicy | None = None
                   ) -> tuple[bool, str, list[str]]:
    """Traceroutes between spoke LANs cross the same hub devices both ways, as planned.
    Under a policy: only pairs it lets a probe cross both ways, each way traced with a
    probe it allows (`FlowPolicy.trace_options`: ICMP echo, else TCP SYN to an allowed
    port, else traceroute's UDP)."""
    if policy is None:
        pairs, total = choose_pairs(plan, rt.spec)
        options: Options = udp
    else:
        pairs, total = choose_pairs(plan, rt.spec, traceable=lambda a, b:
                                    policy.trace_options(a, b) is not None)
        options = lambda a, b: policy.trace_options(a, b) or ()  # noqa: E731
    if not hub_devices(plan) or not pairs:
        return True, ("no hub device or fewer than two spoke sites" if policy is None else
                      "no hub device, or no spoke pair the policy lets a probe cross both "
                      "ways") + ": nothing to trace", []
    if shutil.which(TRACEROUTE[0]) is None:
        return False, "traceroute is not installed (Debian package traceroute)", []
    ok, summary, details = _summary(settled_pairs(rt, plan, pairs, options=options), total,
                                    owners(plan, rt.spec), hub_devices(plan))
    if policy is not None:
        skipped = choose_pairs(plan, rt.spec)[1] - total
        summary += (f"; {skipped} spoke pairs skipped: the policy lets no probe cross both "
                    f"ways; probes: {_methods(pairs, options)}")
    return ok, summary, details


def _methods(pairs: list[tuple[str, str]], options: Options) -> str:
    names = {"-I": "ICMP echo", "-T": "TCP SYN"}
    used = Counter(names.get(next(iter(options(a, b)), ""), "UDP")
                   for x, y in pairs for a, b in ((x, y), (y, x)))
    return ", ".join(f"{n} {m}" for m, n in sorted(used.items())) + " ways"


def _summary(results: list[Pair], total: int, owned: dict[IPv4Address, str],
             hubs: frozenset[str]) -> tuple[bool, str, list[str]]:
    judged = [(r, r.problems(owned, hubs)) for r in results]
    details = [r.describe(owned, hubs) + (f": {'; '.join(p)}" if p else "") for r, p in judged]
    bad = sum(bool(p) for _, p in judged)
    stars = sum(r.there.stars + r.back.stars for r in results)
    seen = Counter(_names(crossed(r.there, owned, hubs)) for r in results)
    spread = ", ".join(f"{h}: {n}" for h, n in sorted(seen.items()))
    sample = "" if len(results) == total else f" (a sample of {total})"
    verdict = ("the same hub devices both ways, as the plan predicts" if not bad
               else f"{bad} asymmetric, unknown or not as planned")
    return not bad, (f"{len(results)} spoke pairs traced both ways{sample}: {verdict} "
                     f"(there: {spread}); {stars} '*' hops"), details
