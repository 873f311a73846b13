"""Sets of sites as bit masks (Python ints: bit i is the i-th site by name), and
partitions of them by a small vector (which services a flow may use).

A 10,000-site fabric has 10^8 ordered site pairs: too many to visit one by one, but a
row of them (one source, every destination) is one int, and a source's destinations
fall into a handful of parts that allow the same services. So every computation here
is one source at a time, over parts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from itertools import compress, repeat
from operator import itemgetter

Partition = dict[int, int]  # vector (services allowed: a bit per atom) -> mask of sites


DIGITS = bytes.maketrans(b"\x00\x01", b"01")  # a byte per bit -> binary digits
_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def mask_of(indices: Iterable[int]) -> int:
    """The mask holding `indices` (any order, repeats allowed).

    >>> bin(mask_of([0, 3])), bin(mask_of(range(0, 200, 2)))[-7:], mask_of([])
    ('0b1001', '1010101', 0)
    """
    chosen = indices if isinstance(indices, list) else list(indices)
    if len(chosen) < 64:  # a few bits: shifting is quicker
        total = 0
        for i in chosen:
            total |= 1 << i
        return total
    flags = bytearray(max(chosen) + 1)  # a byte per site, set in C (`map`), then read
    deque(map(flags.__setitem__, chosen, repeat(1)), maxlen=0)  # as binary digits
    return int(flags.translate(DIGITS)[::-1], 2)


def bits(mask: int) -> list[int]:
    """The indices set in `mask`, lowest first.

    >>> bits(0b10110)
    [1, 2, 4]
    """
    flags = bin(mask)[:1:-1].encode().translate(_FLAGS)
    return list(compress(range(len(flags)), flags))


def gather(text: str, positions: list[int]) -> str:
    """The characters of `text` at `positions`, in C (`itemgetter`).

    >>> gather("abcdef", [4, 0, 0]), gather("abc", [1]), gather("abc", [])
    ('eaa', 'b', '')
    """
    if len(positions) < 2:
        return "".join(text[p] for p in positions)
    return "".join(itemgetter(*positions)(text))


def lowest(mask: int) -> int:
    """The lowest index in a non-empty mask."""
    return (mask & -mask).bit_length() - 1


def has(mask: int, i: int) -> bool:
    return bool(mask >> i & 1)


def uniform(vector: int, universe: int) -> Partition:
    return {vector: universe} if universe else {}


def grant(parts: Partition, where: int, vector: int) -> Partition:
    """`parts` with `vector` added to the destinations in `where`.

    >>> grant({0: 0b111}, 0b011, 0b1)
    {1: 3, 0: 4}
    """
    out: Partition = {}
    for v, m in parts.items():
        inside = m & where
        for key, part in ((v | vector, inside), (v, m ^ inside)):
            if part:
                out[key] = out.get(key, 0) | part
    return out


def meet(a: Partition, b: Partition) -> Partition:
    """Both partitions at once: each destination gets the services both allow.

    >>> meet({0b11: 0b0011, 0b01: 0b1100}, {0b10: 0b0101, 0b00: 0b1010})
    {2: 1, 0: 14}
    """
    if a is b:
        return a
    out: Partition = {}
    for va, vb, part in _cut(a, b):
        out[va & vb] = out.get(va & vb, 0) | part
    return out


def pair(a: Partition, b: Partition) -> dict[tuple[int, int], int]:
    """Destinations by (vector in `a`, vector in `b`); both cover the same sites."""
    out: dict[tuple[int, int], int] = {}
    for va, vb, part in _cut(a, b):
        out[(va, vb)] = part
    return out


def _cut(a: Partition, b: Partition) -> Iterator[tuple[int, int, int]]:
    """The non-empty intersections of two partitions of the same sites. Partitions
    made from the same rules mostly share parts: those are matched whole, by value,
    and only the others are cut (a few masks each, not every pair of parts)."""
    if len(b) == 1:
        (vb, _), = b.items()
        yield from ((va, vb, ma) for va, ma in a.items())
        return
    whole = {m: v for v, m in b.items()}
    rest: list[tuple[int, int]] = []
    for va, ma in a.items():
        if ma in whole:
            yield va, whole.pop(ma), ma
        else:
            rest.append((va, ma))
    for va, ma in rest:
        for mb, vb in whole.items():
            part = ma & mb
            if part:
                yield va, vb, part


class Folds:
    """Partitions made by granting rules one after another, from everything at vector
    0, remembered by the rules granted so far: sources whose rules begin alike (the
    rules with most `users`, the sources they apply to, come first: `order`) share
    that work."""

    def __init__(self, universe: int, rules: list[tuple[int, int]], users: list[int]) -> None:
        self.rules = rules  # (where, vector) per rule
        self._memo: dict[tuple[int, ...], Partition] = {(): uniform(0, universe)}
        self._rank = {n: r for r, n in enumerate(sorted(range(len(rules)),
                                                        key=lambda n: (-users[n], n)))}

    def order(self, rules: Iterable[int]) -> tuple[int, ...]:
        return tuple(sorted(rules, key=self._rank.__getitem__))

    def of(self, rules: tuple[int, ...]) -> Partition:
        """The partition of `rules` (in `order`)."""
        known = len(rules)
        while rules[:known] not in self._memo:
            known -= 1
        parts = self._memo[rules[:known]]
        for j in range(known, len(rules)):
            parts = grant(parts, *self.rules[rules[j]])
            self._memo[rules[:j + 1]] = parts
        return parts
