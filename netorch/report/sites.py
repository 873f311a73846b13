"""The plan's sites as bit positions, and which sites a list of prefixes covers.

A site's addresses are its LANs and its devices' loopbacks, read from the plan's
sites and devices (not from its prefix sets or address groups, which are what the
report checks). A route filter or an address group covers a site when it covers every
one of those prefixes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from ipaddress import IPv4Network
from itertools import repeat

from netorch.inventory.model import Inventory
from netorch.plan.model import FabricPlan, PrefixEntry
from netorch.report.bits import DIGITS, gather, mask_of

Span = tuple[IPv4Network, int, int]  # a prefix, and the lengths it matches inside it
# Marks before the slots (`Sites._flags`): an entry matching no site prefix; one
# matching a range of them (`Sites._ranges`).
NONE, RANGE = 0, 1
MARKS = 2
STRIDE = 8  # sites with fewer prefixes than this are read with one slice (`Sites._slots`)


def entry_span(entry: PrefixEntry) -> Span:
    """A route filter entry: the prefix itself, or its more-specifics up to `le`."""
    return entry.prefix, entry.prefix.prefixlen, entry.le or entry.prefix.prefixlen


def address_span(net: IPv4Network) -> Span:
    """An address group's prefix: every address inside it."""
    return net, net.prefixlen, 32


class Sites:
    """Sites by name (bit i: the i-th), their zones and organisations as masks (as the
    inventory says: what the policy's selectors match)."""

    def __init__(self, plan: FabricPlan, inventory: Inventory) -> None:
        ordered = sorted(plan.sites, key=lambda s: s.name)
        said = {s.name: s for s in inventory.sites}
        self.names = [s.name for s in ordered]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.full = (1 << len(ordered)) - 1
        self.zone_of = [said[s.name].zone if s.name in said else s.zone for s in ordered]
        self.org_of = [said[s.name].organisation if s.name in said else s.organisation
                       for s in ordered]
        self.zones = self._groups(self.zone_of)
        self.orgs = self._groups(self.org_of)
        loopbacks = {d.name: d.loopback.network for d in plan.devices}
        owned: list[tuple[IPv4Network, int]] = []
        self.sizes = []
        for i, s in enumerate(ordered):
            nets = [*s.lan, *(loopbacks[d] for d in s.devices if d in loopbacks)]
            owned += [(n, i) for n in nets]
            self.sizes.append(len(nets))
        owned.sort(key=lambda ni: (int(ni[0].network_address), ni[0].prefixlen))
        self._owned = owned
        self._starts = [int(n.network_address) for n, _ in owned]
        self._exact = {n: k for k, (n, _) in enumerate(owned)}
        self._slots(owned)
        self._by_object = {id(n): k for k, (n, _) in enumerate(owned)}  # the plan's own
        self._by_entry: dict[int, int] = {}  # id(entry) -> its slot, NONE or RANGE
        self._ranges: dict[int, tuple[int, ...]] = {}  # id(entry) -> the slots
        self._kept: list[PrefixEntry] = []

    def _slots(self, owned: list[tuple[IPv4Network, int]]) -> None:
        """Each prefix's slot in a row of bits where each site's prefixes sit side by
        side, then one empty guard bit: adding 1 at each site's first slot carries into
        its guard exactly when all its prefixes are set (`_whole`). Up to `STRIDE`
        prefixes a site, every site gets as many slots (the unused ones set, `_fill`),
        so the guards are every (stride)-th bit: read with one slice."""
        widest = max(self.sizes, default=0)
        self._stride = widest + 1 if widest < STRIDE else 0
        first, at = [], 0
        for size in self.sizes:
            first.append(at)
            at += self._stride or size + 1
        self._width = at
        self._guards = [f + size for f, size in zip(first, self.sizes, strict=True)]
        self._carry = mask_of(first)
        self._fill = mask_of([slot for f, size in zip(first, self.sizes, strict=True)
                              for slot in range(f + size, f + self._stride - 1)])
        free = list(first)
        self._slot = []
        for _, i in owned:
            self._slot.append(free[i])
            free[i] += 1

    @staticmethod
    def _groups(values: list[str]) -> dict[str, int]:
        members: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            members.setdefault(v, []).append(i)
        return {v: mask_of(members[v]) for v in sorted(members)}

    def covered(self, spans: Iterable[Span]) -> int:
        """The sites every prefix of which one of `spans` matches."""
        return self._whole(mask_of([self._slot[k] for span in spans
                                    for k in self._matched(span)]))

    def let_through(self, entries: Sequence[PrefixEntry]) -> int:
        """`covered` for a prefix set's entries. The plan shares one entry object among
        the sets that hold it (a hub's reach sets repeat the sites' own entries), so each
        object is matched once, then known by its id: one C-speed pass per set flags the
        slots (`_flags`; a 10,000-site plan's sets hold tens of millions of entries)."""
        try:
            flags = self._flags(entries)
        except KeyError:  # first sight of some entries
            for e in entries:
                if id(e) not in self._by_entry:
                    self._learn(e)
            flags = self._flags(entries)
        slots = int(flags.translate(DIGITS)[::-1] or b"0", 2) >> MARKS
        if flags[RANGE]:
            slots |= mask_of([x for e in entries for x in self._ranges.get(id(e), ())])
        return self._whole(slots)

    def _flags(self, entries: Sequence[PrefixEntry]) -> bytearray:
        """A byte per slot (after the NONE and RANGE marks), set for each entry."""
        flags = bytearray(self._width + MARKS)
        deque(map(flags.__setitem__, map(self._by_entry.__getitem__, map(id, entries)),
                  repeat(1)), maxlen=0)
        return flags

    def _learn(self, e: PrefixEntry) -> None:
        self._kept.append(e)  # alive, so no other object takes its id
        if e.le is None:  # exact: most entries, and often the site's own network object
            k = self._by_object.get(id(e.prefix))
            k = self._exact.get(e.prefix) if k is None else k
            self._by_entry[id(e)] = NONE if k is None else self._slot[k] + MARKS
        else:
            self._by_entry[id(e)] = RANGE
            self._ranges[id(e)] = tuple(self._slot[k] for k in self._matched(entry_span(e)))

    def _matched(self, span: Span) -> Iterator[int]:
        """The sites' prefixes (by position in `_owned`) that `span` matches."""
        net, shortest, longest = span
        if shortest == longest:
            k = self._exact.get(net)
            if k is not None:
                yield k
            return
        last = int(net.broadcast_address)
        k = bisect_left(self._starts, int(net.network_address))
        while k < len(self._owned) and self._starts[k] <= last:
            own = self._owned[k][0]
            if int(own.broadcast_address) <= last and shortest <= own.prefixlen <= longest:
                yield k
            k += 1

    def _whole(self, slots: int) -> int:
        """The sites all prefixes of which are in `slots` (a mask), in C-speed passes:
        the guards the carry reaches (`_slots`), read in site order."""
        filled = (slots | self._fill) + self._carry
        digits = bin(filled)[:1:-1].ljust(self._width, "0")  # slot order, lowest first
        guards = (digits[self._stride - 1::self._stride] if self._stride
                  else gather(digits, self._guards))
        return int(guards[::-1] or "0", 2)
