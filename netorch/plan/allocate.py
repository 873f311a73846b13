"""Stable address allocation from the fabric's pools, remembered in a lock file.

Addresses cannot be a pure function of the inventory and stay stable when sites come
and go (the pools are far smaller than the space of identities), so allocations are
state: `allocations.yaml` beside the inventory, sorted, reviewable, committed with it
(like a package lock file). Entries of tunnels and devices that still exist never
move; new ones take the lowest free address; entries of removed ones are released.
A missing file for a fabric that has one is the user's call — see `api.plan`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from netorch.errors import UserError

ALLOCATIONS_FILE = "allocations.yaml"


@dataclass
class Allocations:
    """Who holds which address; keys are device names and tunnel ids."""

    loopbacks: dict[str, str] = field(default_factory=dict)
    tunnels: dict[str, str] = field(default_factory=dict)

    def to_yaml(self, fabric: str, pools: tuple[str, str]) -> str:
        lines = [
            f"# Address allocations of fabric {fabric}, kept by `netorch plan`.",
            "# Commit this file with the inventory: it keeps every tunnel and loopback",
            "# address stable when sites are added or removed. Do not edit by hand.",
            f"fabric: {fabric}",
            f"pools: {{tunnels: {pools[0]}, loopbacks: {pools[1]}}}",
            "loopbacks:" + ("" if self.loopbacks else " {}"),
            *(f"  {k}: {v}" for k, v in sorted(self.loopbacks.items())),
            "tunnels:" + ("" if self.tunnels else " {}"),
            *(f"  {k}: {v}" for k, v in sorted(self.tunnels.items())),
        ]
        return "\n".join(lines) + "\n"


def allocations_path(inventory_path: str | Path) -> Path:
    """`DIR/allocations.yaml` for the directory form, `NAME.allocations.yaml` beside a file."""
    path = Path(inventory_path)
    if path.is_dir():
        return path / ALLOCATIONS_FILE
    return path.with_name(f"{path.stem}.{ALLOCATIONS_FILE}")


def read_allocations(path: Path) -> Allocations:
    """Parse an allocation file; a damaged one is a clear error, never a renumbering."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot read the allocation file: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: not an allocation file (expected a mapping)")
    loopbacks, tunnels = data.get("loopbacks") or {}, data.get("tunnels") or {}
    if not isinstance(loopbacks, dict) or not isinstance(tunnels, dict):
        raise UserError(f"{path}: 'loopbacks' and 'tunnels' must be mappings")
    return Allocations({str(k): str(v) for k, v in loopbacks.items()},
                       {str(k): str(v) for k, v in tunnels.items()})


class PoolExhausted(Exception):
    def __init__(self, pool: str, wanted: int, size: int) -> None:
        super().__init__(pool)
        self.pool, self.wanted, self.size = pool, wanted, size


def allocate(pool: str, keys: Iterable[str], previous: dict[str, str], *, prefixlen: int,
             first: int = 0) -> dict[str, str]:
    """Give every key a block of `prefixlen` from `pool`, keeping previous holders.

    >>> allocate("10.0.0.0/30", ["b", "a"], {"b": "10.0.0.2/31"}, prefixlen=31)
    {'a': '10.0.0.0/31', 'b': '10.0.0.2/31'}
    """
    net = ipaddress.IPv4Network(pool)
    step = 1 << (32 - prefixlen)
    size = net.num_addresses // step
    base = int(net.network_address)
    wanted = list(keys)
    kept = _kept(wanted, previous, base, step, size, first)
    taken = set(kept.values())
    result = {k: _block(base, i, step, prefixlen) for k, i in kept.items()}
    slots = (i for i in range(first, size) if i not in taken)
    for key in (k for k in wanted if k not in kept):
        slot = next(slots, None)
        if slot is None:
            raise PoolExhausted(pool, len(wanted), size - first)  # `first` slots stay unused
        result[key] = _block(base, slot, step, prefixlen)
    return dict(sorted(result.items()))


def _kept(wanted: list[str], previous: dict[str, str], base: int, step: int, size: int,
          first: int) -> dict[str, int]:
    """Previous slots still valid: in the pool, aligned, not held twice."""
    kept: dict[str, int] = {}
    seen: set[int] = set()
    for key in wanted:
        slot = _slot(previous.get(key), base, step)
        if slot is not None and first <= slot < size and slot not in seen:
            kept[key] = slot
            seen.add(slot)
    return kept


def _slot(value: str | None, base: int, step: int) -> int | None:
    if value is None:
        return None
    try:
        offset = int(ipaddress.IPv4Interface(value).ip) - base
    except ValueError:
        return None
    return offset // step if offset >= 0 and offset % step == 0 else None


def _block(base: int, slot: int, step: int, prefixlen: int) -> str:
    return f"{ipaddress.IPv4Address(base + slot * step)}/{prefixlen}"
