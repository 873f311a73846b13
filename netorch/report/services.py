"""Services as sets of port atoms, and their names for people.

The ports every service of the policy (and of the plan) names cut the space of
protocols and ports into *atoms*: the pieces no service splits. A set of allowed
services is then a small int (a bit per atom), so `https` allowed by one firewall and
`tcp/400-500` by the next meet exactly (`https`), whatever the services are called.
Reports name a set back with the policy's own words (`Vocabulary.describe`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from netorch.inventory.model import Policy
from netorch.inventory.policy import Port, service_ports
from netorch.plan.model import PolicyPlan

Ports = frozenset[Port]
MAX_PORT = 65535
REST = "every other port and protocol"


def _boundaries(sets: Iterable[Ports], protocol: str) -> list[int]:
    cuts = {1, MAX_PORT + 1}
    for ports in sets:
        for p in ports:
            if p.protocol == protocol and p.first is not None and p.last is not None:
                cuts |= {p.first, p.last + 1}
    return sorted(cuts)


def _covers(p: Port, protocol: str, first: int) -> bool:
    if p.protocol == "any":
        return True
    if p.protocol != protocol:
        return False
    return p.first is None or (p.last is not None and p.first <= first <= p.last)


class Atoms:
    """The atoms of a family of port sets; `mask(ports)` is a port set's atoms."""

    def __init__(self, sets: Iterable[Ports]) -> None:
        family = sorted(set(sets), key=lambda s: sorted(map(str, s)))
        pieces: list[tuple[str, int | None, int | None]] = [("icmp", None, None)]
        for protocol in ("tcp", "udp"):
            cuts = _boundaries(family, protocol)
            pieces += [(protocol, a, b - 1) for a, b in pairwise(cuts)]
        by_signature: dict[frozenset[int], list[Port]] = {frozenset(): []}
        for protocol, first, last in pieces:
            signature = frozenset(i for i, ports in enumerate(family)
                                  if any(_covers(p, protocol, first or 0) for p in ports
                                         if p.protocol != "any"))
            piece = Port("tcp" if protocol == "tcp" else "udp" if protocol == "udp" else "icmp",
                         first, last)
            by_signature.setdefault(signature, []).append(piece)
        self.signatures = sorted(by_signature, key=lambda s: (sorted(s), len(s)))
        self.pieces = [by_signature[s] for s in self.signatures]
        self.full = (1 << len(self.signatures)) - 1
        self._index = {ports: i for i, ports in enumerate(family)}

    def mask(self, ports: Ports) -> int:
        if any(p.protocol == "any" for p in ports):
            return self.full
        i = self._index[ports]
        return sum(1 << a for a, s in enumerate(self.signatures) if i in s)

    def at(self, protocol: str, port: int | None = None) -> int:
        """The atom (as a mask) holding one protocol and port (`other` protocols: the
        atom no service names)."""
        for a, pieces in enumerate(self.pieces):
            if any(p.protocol == protocol and (p.first is None or (
                    port is not None and p.first <= port <= (p.last or 0))) for p in pieces):
                return 1 << a
        return 1 << self.signatures.index(frozenset())

    def text(self, atom: int) -> str:
        if not self.signatures[atom]:
            return REST
        return ", ".join(str(p) for p in self.pieces[atom])


@dataclass(frozen=True)
class Token:
    """A name for a set of atoms: a service as the policy spells it, or raw ports."""

    text: str
    mask: int


def inventory_ports(spec: str) -> Ports:
    return frozenset(service_ports(spec))


def plan_ports(plan: PolicyPlan | None) -> dict[str, Ports]:
    """The plan's services by name, as port sets."""
    if plan is None:
        return {}
    return {s.name: frozenset(Port(p.protocol, p.first, p.last) for p in s.ports)
            for s in plan.services}


class Vocabulary:
    """Every service the policy and the plan name, as atoms, and how to say a set of
    them: `any` first, then the policy's services in the order it writes them, then
    services only the plan has, then raw atoms."""

    def __init__(self, policy: Policy | None, plan: PolicyPlan | None) -> None:
        written = list(dict.fromkeys(s for r in (policy.rules if policy else []) for s in
                                     r.services))
        planned = plan_ports(plan)
        specs = {s.name: s.spec for s in plan.services} if plan else {}
        self.atoms = Atoms([*(inventory_ports(s) for s in written), *planned.values()])
        tokens = {"any": self.atoms.full}
        for spec in written:
            tokens.setdefault(spec, self.atoms.mask(inventory_ports(spec)))
        for name in sorted(planned, key=lambda n: specs[n]):
            mask, text = self.atoms.mask(planned[name]), specs[name]
            if tokens.get(text, mask) != mask:
                text = f"{text} ({', '.join(sorted(map(str, planned[name])))})"
            tokens.setdefault(text, mask)
        for atom in range(len(self.atoms.signatures)):
            tokens.setdefault(self.atoms.text(atom), 1 << atom)
        self.tokens = [Token(t, m) for t, m in tokens.items()]
        self.plan_masks = {n: self.atoms.mask(p) for n, p in planned.items()}

    def spec_mask(self, spec: str) -> int:
        return self.atoms.mask(inventory_ports(spec))

    def describe(self, vector: int) -> list[str]:
        """The fewest tokens that say `vector` (`[]`: nothing)."""
        chosen = [t for t in self.tokens if t.mask and not t.mask & ~vector]
        return [t.text for t in _maximal(chosen, {t.text: 1 for t in chosen})]

    def count(self, dist: Mapping[int, int]) -> list[tuple[str, int]]:
        """Per token, the pairs of `dist` (vector -> pairs) that allow all of it; a token
        is left out where a larger one is allowed on just as many pairs."""
        seen = {text for v, n in dist.items() if n and v for text in self.describe(v)}
        candidates = [t for t in self.tokens if t.text in seen]
        counts = {t.text: sum(n for v, n in dist.items() if not t.mask & ~v)
                  for t in candidates}
        return [(t.text, counts[t.text]) for t in _maximal(candidates, counts)]


def _maximal(tokens: Sequence[Token], counts: Mapping[str, int]) -> list[Token]:
    """`tokens` but those another one covers with as many pairs (the first of equals)."""
    kept = []
    for i, t in enumerate(tokens):
        covered = any(o.mask | t.mask == o.mask and counts[o.text] == counts[t.text]
                      and (o.mask != t.mask or j < i) for j, o in enumerate(tokens) if j != i)
        if not covered:
            kept.append(t)
    return kept
