"""Which prefix sets of a plan hold a prefix: exact entries by text, ranges by supernet."""

from __future__ import annotations

import ipaddress

from netorch.plan.model import PrefixSet


class PrefixIndex:
    """`sets_of(prefix)` in O(prefix length), however many sets the plan has."""

    def __init__(self, sets: list[PrefixSet]) -> None:
        self.exact: dict[str, list[str]] = {}
        self.ranges: dict[tuple[int, int], list[tuple[int, str]]] = {}
        for s in sets:
            for e in s.entries:
                if e.le is None:
                    self.exact.setdefault(e.prefix, []).append(s.name)
                else:
                    net = ipaddress.ip_network(e.prefix)
                    key = (int(net.network_address), net.prefixlen)
                    self.ranges.setdefault(key, []).append((e.le, s.name))
        self.lengths = sorted({length for _, length in self.ranges})

    def sets_of(self, prefix: str) -> frozenset[str]:
        """The sets a route for `prefix` matches (exact entries, or `le` ranges).

        >>> from netorch.plan.model import PrefixEntry
        >>> index = PrefixIndex([PrefixSet(name="all", description="", entries=[
        ...     PrefixEntry(prefix="10.0.0.0/8", le=32)]), PrefixSet(name="one",
        ...     description="", entries=[PrefixEntry(prefix="10.1.0.0/16")])])
        >>> sorted(index.sets_of("10.1.0.0/16")), sorted(index.sets_of("192.0.2.0/24"))
        (['all', 'one'], [])
        """
        names = set(self.exact.get(prefix, ()))
        net = ipaddress.ip_network(prefix)
        value, length = int(net.network_address), net.prefixlen
        for plen in self.lengths:
            if plen > length:
                break
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
            names.update(n for le, n in self.ranges.get((value & mask, plen), ())
                         if length <= le)
        return frozenset(names)
