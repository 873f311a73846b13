"""Stable address allocation from the fabric's pools, with quarantine of released ones.

Addresses cannot be a pure function of the inventory and stay stable when sites come
and go (the pools are far smaller than the space of identities), so allocations are
state: the lock file beside the inventory (`netorch.plan.lockfile`), sorted,
reviewable, committed with it. Entries of tunnels and devices that still exist never
move; new ones take the lowest free address. Entries of removed ones are *retired*
with the date: a retired address goes to no one else until its hold has passed (unless
the pool has nothing else, which the plan warns about), and a key that comes back
gets its own address again.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from netorch.errors import UsageError

ALLOCATIONS_FILE = "allocations.yaml"
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"  # reproducible-builds.org: "now" for a build


def allocations_path(inventory_path: str | Path) -> Path:
    """`DIR/allocations.yaml` for the directory form, `NAME.allocations.yaml` beside a file."""
    path = Path(inventory_path)
    if path.is_dir():
        return path / ALLOCATIONS_FILE
    return path.with_name(f"{path.stem}.{ALLOCATIONS_FILE}")


@dataclass(frozen=True)
class Retired:
    """An address given up on `released`, held back from others for a while."""

    address: str
    released: date


@dataclass
class Allocations:
    """Who holds which address (keys are device names and tunnel ids), who held which
    before, and the pools (tunnels, loopbacks) they come from.

    The addresses are the lock file's text. An allocation made by `allocate` also
    carries each holder's slot in its pool (`loopback_slots`, `tunnel_slots`): the
    planner builds typed addresses from those, never by reading the text back. A lock
    file read alone has none (it is only the `previous` of the next allocation).
    """

    loopbacks: dict[str, str] = field(default_factory=dict)
    tunnels: dict[str, str] = field(default_factory=dict)
    retired_loopbacks: dict[str, Retired] = field(default_factory=dict)
    retired_tunnels: dict[str, Retired] = field(default_factory=dict)
    pools: tuple[str, str] | None = None
    loopback_slots: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    tunnel_slots: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


_BLOCK = re.compile(r"(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})"
                    r"/([0-9]|[12][0-9]|3[0-2])")


def _parse_block(text: object) -> tuple[int, int] | None:
    """(address as int, prefix length) of "a.b.c.d/len" in the canonical form the lock
    file is written in; None for anything else. ~10x faster than `ipaddress` (a
    10,000-site lock file holds 100,000 entries).

    >>> _parse_block("100.64.0.3/31"), _parse_block("100.64.0.03/31")
    ((1681915907, 31), None)
    """
    match = _BLOCK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    octets = [int(g) for g in match.groups()[:4]]
    if max(octets) > 255:
        return None
    return int.from_bytes(bytes(octets), "big"), int(match[5])


# What each of the fabric's pools hands out: (prefix length, first usable slot). A
# loopback pool's network address is never used.
BLOCKS = {"tunnels": (31, 0), "loopbacks": (32, 1)}


@dataclass(frozen=True)
class Pool:
    """A pool cut into blocks of `prefixlen`; slots below `first` are never handed out."""

    network: ipaddress.IPv4Network
    prefixlen: int
    first: int = 0

    @classmethod
    def of(cls, kind: str, network: ipaddress.IPv4Network) -> Pool:
        """The fabric's `kind` pool ("tunnels" or "loopbacks") over `network`."""
        prefixlen, first = BLOCKS[kind]
        return cls(network, prefixlen, first)

    @property
    def size(self) -> int:
        return self.network.num_addresses >> (32 - self.prefixlen)

    def slot(self, address: str) -> int | None:
        """The slot of `address` ("a.b.c.d/len") if it is an aligned block of this pool,
        else None.

        >>> Pool(ipaddress.IPv4Network("10.0.0.0/30"), 31).slot("10.0.0.2/31")
        1
        """
        parsed = _parse_block(address)
        if parsed is None or parsed[1] != self.prefixlen:
            return None
        offset = parsed[0] - int(self.network.network_address)
        slot, rest = divmod(offset, 1 << (32 - self.prefixlen))
        return slot if rest == 0 and self.first <= slot < self.size else None

    def _start(self, slot: int) -> int:
        """The first address of `slot`'s block, as an integer."""
        return int(self.network.network_address) + (slot << (32 - self.prefixlen))

    def block(self, slot: int) -> str:
        """The lock file's text of `slot`'s block, "a.b.c.d/len"."""
        return f"{ipaddress.IPv4Address(self._start(slot))}/{self.prefixlen}"

    def interface(self, slot: int, host: int = 0) -> ipaddress.IPv4Interface:
        """The `host`-th address of `slot`'s block, with the block's length.

        >>> pool = Pool(ipaddress.IPv4Network("100.64.0.0/16"), 31)
        >>> pool.interface(3), pool.interface(3, 1)
        (IPv4Interface('100.64.0.6/31'), IPv4Interface('100.64.0.7/31'))
        """
        return ipaddress.IPv4Interface((self._start(slot) + host, self.prefixlen))


@dataclass(frozen=True)
class Reuse:
    """A quarantined address handed out before its hold ended: the pool had no other."""

    key: str
    address: str
    previous: str
    until: date


@dataclass
class Ledger:
    """One pool after allocation: holders, retired entries, early reuses."""

    held: dict[str, str]
    retired: dict[str, Retired]
    reused: list[Reuse] = field(default_factory=list)
    slots: dict[str, int] = field(default_factory=dict)


class PoolExhausted(Exception):
    def __init__(self, pool: str, wanted: int, size: int) -> None:
        super().__init__(pool)
        self.pool, self.wanted, self.size = pool, wanted, size


def allocation_date(today: date | None = None) -> date:
    """`today` if given, else the UTC date of $SOURCE_DATE_EPOCH, else today's UTC date."""
    if today is not None:
        return today
    epoch = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not epoch:
        return datetime.now(UTC).date()
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"{SOURCE_DATE_EPOCH}={epoch!r} is not seconds since the "
                         "epoch") from None


@dataclass
class _Book:
    """Work state of one allocation: slots taken and quarantined, by slot."""

    pool: Pool
    taken: dict[str, int]
    retired: dict[int, tuple[str, Retired]]

    def free(self, today: date, hold: timedelta) -> Iterator[int]:
        used = set(self.taken.values())
        for slot in range(self.pool.first, self.pool.size):
            entry = self.retired.get(slot)
            if slot not in used and (entry is None or today - entry[1].released >= hold):
                yield slot


def allocate(pool: Pool, keys: Iterable[str], held: dict[str, str],
             retired: dict[str, Retired], *, today: date, hold: timedelta) -> Ledger:
    """Give every key a block of `pool`, keeping holders and quarantining released blocks.

    >>> pool = Pool(ipaddress.IPv4Network("10.0.0.0/29"), 31)
    >>> ledger = allocate(pool, ["c", "a"], {"a": "10.0.0.0/31", "b": "10.0.0.2/31"}, {},
    ...                   today=date(2026, 1, 1), hold=timedelta(days=30))
    >>> ledger.held, ledger.retired
    ({'a': '10.0.0.0/31', 'c': '10.0.0.4/31'}, {'b': Retired(address='10.0.0.2/31', \
released=datetime.date(2026, 1, 1))})
    """
    wanted = list(keys)
    book = _Book(pool, _kept(pool, wanted, held), {})
    _quarantine(book, wanted, held, retired, today)
    reused: list[Reuse] = []
    free = book.free(today, hold)
    for key in (k for k in wanted if k not in book.taken):
        slot = next(free, None)
        if slot is None:
            slot = _early(book, key, hold, reused)
        if slot is None:  # `first` slots stay unused
            raise PoolExhausted(str(pool.network), len(wanted), pool.size - pool.first)
        book.retired.pop(slot, None)
        book.taken[key] = slot
    slots = dict(sorted(book.taken.items()))
    return Ledger({k: pool.block(s) for k, s in slots.items()},
                  dict(sorted(book.retired.values())), reused, slots)


def _kept(pool: Pool, wanted: list[str], held: dict[str, str]) -> dict[str, int]:
    """Previous slots still valid: in the pool, aligned, not held twice."""
    kept: dict[str, int] = {}
    seen: set[int] = set()
    for key in wanted:
        slot = pool.slot(held[key]) if key in held else None
        if slot is not None and slot not in seen:
            kept[key] = slot
            seen.add(slot)
    return kept


def _quarantine(book: _Book, wanted: list[str], held: dict[str, str],
                retired: dict[str, Retired], today: date) -> None:
    """Retired entries still in the pool (a returning key takes its own back), then the
    blocks of keys no longer wanted, released today."""
    used = set(book.taken.values())
    for key, entry in sorted(retired.items()):
        slot = book.pool.slot(entry.address)
        if slot is not None and slot not in used and slot not in book.retired:
            book.retired[slot] = (key, entry)
    wanted_set = set(wanted)
    for slot, (key, _) in sorted(book.retired.items()):
        if key in wanted_set and key not in book.taken:
            book.taken[key] = slot
            del book.retired[slot]
    for key, address in sorted(held.items()):
        slot = book.pool.slot(address)
        if key not in wanted_set and slot is not None and slot not in used \
                and slot not in book.retired:
            book.retired[slot] = (key, Retired(address, today))


def _early(book: _Book, key: str, hold: timedelta, reused: list[Reuse]) -> int | None:
    """The longest-held quarantined slot, for a pool with nothing else (None: none)."""
    if not book.retired:
        return None
    slot = min(book.retired, key=lambda s: (book.retired[s][1].released, s))
    previous, entry = book.retired[slot]
    reused.append(Reuse(key, entry.address, previous, hold_ends(entry.released, hold)))
    return slot


def hold_ends(released: date, hold: timedelta) -> date:
    """The day a hold that began on `released` ends; `date.max` past the calendar's end
    (date arithmetic must never raise on a date from a file).

    >>> hold_ends(date(9999, 12, 1), timedelta(days=3650))
    datetime.date(9999, 12, 31)
    """
    return released + hold if date.max - released >= hold else date.max
