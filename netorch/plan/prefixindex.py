"""Which prefix sets of a plan hold a prefix: exact entries by value, ranges by supernet."""

from __future__ import annotations

from ipaddress import IPv4Network

from netorch.plan.model import PrefixSet


class PrefixIndex:
    """`sets_of(prefix)` in O(prefix length), however many sets the plan has."""

    def __init__(self, sets: list[PrefixSet]) -> None:
        self.exact: dict[IPv4Network, list[str]] = {}
        self.ranges: dict[tuple[int, int], list[tuple[int, str]]] = {}
        for s in sets:
            for e in s.entries:
                if e.le is None:
                    self.exact.setdefault(e.prefix, []).append(s.name)
                else:
                    key = (int(e.prefix.network_address), e.prefix.prefixlen)
                    self.ranges.setdefault(key, []).append((e.le, s.name))
        self.lengths = sorted({length for _, length in self.ranges})

    def sets_of(self, prefix: IPv4Network) -> frozenset[str]:
        """The sets a route for `prefix` matches (exact entries, or `le` ranges).

        >>> from netorch.plan.model import PrefixEntry
        >>> index = PrefixIndex([PrefixSet(name="all", description="", entries=[
        ...     PrefixEntry(prefix="10.0.0.0/8", le=32)]), PrefixSet(name="one",
        ...     description="", entries=[PrefixEntry(prefix="10.1.0.0/16")])])
        >>> sorted(index.sets_of(IPv4Network("10.1.0.0/16")))
        ['all', 'one']
        >>> sorted(index.sets_of(IPv4Network("192.0.2.0/24")))
        []
        """
        names = set(self.exact.get(prefix, ()))
        value, length = int(prefix.network_address), prefix.prefixlen
        for plen in self.lengths:
            if plen > length:
                break
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
            names.update(n for le, n in self.ranges.get((value & mask, plen), ())
                         if length <= le)
        return frozenset(names)
