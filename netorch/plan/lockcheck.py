"""Checking a parsed lock file whole: structure, keys, addresses, uniqueness, end marker.

Every problem is a finding at its line and column, all of them at once. A file that
lacks a section, is cut mid-entry or has lost its last lines (no end marker, counts
that do not add up) is incomplete: an error, never a partial read.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from netorch.findings import Finding, error
from netorch.inventory.types import is_name
from netorch.plan.allocate import Allocations, Pool, Retired, allocation_date
from netorch.plan.tunnels import SEPARATOR
from netorch.yamlsource import FileMap, PathKey

VERSION = 2
TOP = ("version", "fabric", "pools", "loopbacks", "tunnels", "retired", "end")
KINDS = ("loopbacks", "tunnels")
RESTORE = "restore the file from version control"


def is_tunnel_id(text: str) -> bool:
    """`DEVICE--DEVICE--UNDERLAY` (or `...--UNDERLAY+UNDERLAY` across underlays), as
    `netorch.plan.tunnels.tunnel_id` makes it.

    >>> is_tunnel_id("a-r1--b-r1--private"), is_tunnel_id("a-r1--private")
    (True, False)
    """
    parts = text.split(SEPARATOR)
    return len(parts) == 3 and is_name(parts[0]) and is_name(parts[1]) and all(
        is_name(u) for u in parts[2].split("+"))


@dataclass
class Parsed:
    allocations: Allocations | None
    findings: list[Finding]


@dataclass
class Checker:
    """Checks one parsed lock file of fabric `fabric`, placing findings with `where`."""

    where: FileMap
    fabric: str
    today: date | None = None  # None: `latest_today()`; no release is dated after it
    findings: list[Finding] = field(default_factory=list)
    pools: dict[str, Pool] = field(default_factory=dict)
    seen: dict[tuple[str, int], str] = field(default_factory=dict)

    def check(self, raw: bytes, data: Any) -> Parsed:
        if raw and not raw.endswith(b"\n"):
            self.fail((), "the file ends in the middle of a line: it is truncated; " + RESTORE)
        if not isinstance(data, dict):
            self.fail((), "not an allocation file: expected the mapping `netorch plan` writes")
            return Parsed(None, self.findings)
        self.top(data)
        if len(self.pools) < len(KINDS) or not all(k in data for k in KINDS):
            return Parsed(None, self.findings)
        allocations = self.sections(data)
        if "end" in data:
            self.end(data)
        return Parsed(None if self.findings else allocations, self.findings)

    def fail(self, path: PathKey, message: str, *, key: bool = False) -> None:
        self.findings.append(error("allocations", message, self.where.locate(path, key=key)))

    def top(self, data: dict[Any, Any]) -> None:
        for key in data:
            if key not in TOP:
                self.fail((str(key),), f"unknown key '{key}' in the allocation file "
                          f"(expected {', '.join(TOP)})", key=True)
        versioned = "version" in data
        if versioned and data["version"] != VERSION:
            self.fail(("version",), f"allocation file version {data['version']!r}: this "
                      f"netorch reads version {VERSION} (or files without a version)")
        required = TOP[1:] if versioned else TOP[1:5]
        for key in (k for k in required if k not in data):
            self.fail((), f"'{key}' is missing: the file is incomplete (truncated?); " + RESTORE)
        if versioned and "end" in data and list(data)[-1] != "end":
            self.fail(("end",), "'end' must be the last entry of the file", key=True)
        if "fabric" in data and data["fabric"] != self.fabric:
            self.fail(("fabric",), f"this allocation file belongs to fabric "
                      f"'{data['fabric']}', not '{self.fabric}'")
        if "pools" in data:
            self.read_pools(data["pools"])

    def read_pools(self, pools: Any) -> None:
        if not isinstance(pools, dict) or sorted(map(str, pools)) != sorted(KINDS):
            self.fail(("pools",), "'pools' must be {tunnels: PREFIX, loopbacks: PREFIX}")
            return
        for kind in KINDS:
            try:
                net = ipaddress.IPv4Network(str(pools[kind]))
            except ValueError:
                self.fail(("pools", kind), f"'{pools[kind]}' is not an IPv4 prefix")
                continue
            pool = Pool.of(kind, net)
            if pool.size <= pool.first:
                self.fail(("pools", kind), f"{net} is too small for {kind}")
                continue
            self.pools[kind] = pool

    def sections(self, data: dict[str, Any]) -> Allocations:
        held = {kind: self.held(kind, data[kind]) for kind in KINDS}
        retired = self.retired(data["retired"], held) if "retired" in data else {
            kind: {} for kind in KINDS}
        pools = data["pools"]
        return Allocations(held["loopbacks"], held["tunnels"], retired["loopbacks"],
                           retired["tunnels"], (str(pools["tunnels"]), str(pools["loopbacks"])))

    def held(self, kind: str, entries: Any) -> dict[str, str]:
        if not isinstance(entries, dict):
            self.fail((kind,), f"'{kind}' must be a mapping of {_what(kind)} to addresses")
            return {}
        out: dict[str, str] = {}
        for key, value in entries.items():
            if self.entry(kind, (kind, _step(key)), key, value):
                out[key] = value
        return out

    def retired(self, section: Any, held: dict[str, dict[str, str]]
                ) -> dict[str, dict[str, Retired]]:
        out: dict[str, dict[str, Retired]] = {kind: {} for kind in KINDS}
        if not isinstance(section, dict) or sorted(map(str, section)) != sorted(KINDS):
            self.fail(("retired",), "'retired' must be {loopbacks: {...}, tunnels: {...}}")
            return out
        for kind in KINDS:
            entries = section[kind]
            if not isinstance(entries, dict):
                self.fail(("retired", kind), f"'retired.{kind}' must be a mapping")
                continue
            for key, value in entries.items():
                entry = self.retired_entry(kind, key, value, held[kind])
                if entry is not None:
                    out[kind][key] = entry
        return out

    def retired_entry(self, kind: str, key: Any, value: Any, held: dict[str, str]
                      ) -> Retired | None:
        path = ("retired", kind, _step(key))
        if not isinstance(value, dict) or sorted(map(str, value)) != ["address", "released"]:
            self.fail(path, "a retired entry is {address: ADDRESS, released: YYYY-MM-DD}")
            return None
        released = value["released"]
        if not isinstance(released, date) or isinstance(released, datetime):
            self.fail((*path, "released"), f"'{released}' is not a date (YYYY-MM-DD)")
            return None
        today = self.today or latest_today()
        if released > today:
            self.fail((*path, "released"), f"released {released.isoformat()} is after today "
                      f"({today.isoformat()}): `netorch plan` dates a release on the day it "
                      "happens, so this entry was edited; " + RESTORE)
            return None
        if key in held:
            self.fail(path, f"'{key}' is both held and retired", key=True)
            return None
        ok = self.entry(kind, path, key, value["address"], at=(*path, "address"))
        return Retired(value["address"], released) if ok else None

    def entry(self, kind: str, path: PathKey, key: Any, value: Any,
              at: PathKey | None = None) -> bool:
        """Check one key and its address; remember the address to catch it held twice."""
        legal = is_name if kind == "loopbacks" else is_tunnel_id
        if not isinstance(key, str) or not legal(key):
            self.fail(path, f"'{key}' is not a {_what(kind)[:-1]}", key=True)
            return False
        at = at or path
        pool = self.pools[kind]
        problem = _address_problem(pool, value)
        if problem:
            self.fail(at, problem)
            return False
        slot = pool.slot(value)
        assert slot is not None
        holder = self.seen.setdefault((kind, slot), key)
        if holder != key:
            self.fail(at, f"{value} is held twice: by '{holder}' and by '{key}'")
            return False
        return True

    def end(self, data: dict[str, Any]) -> None:
        counts = {"loopbacks": len(data["loopbacks"] or {}),
                  "tunnels": len(data["tunnels"] or {}),
                  "retired": sum(len(v or {}) for v in (data.get("retired") or {}).values()
                                 if isinstance(v, dict))}
        if data["end"] != counts:
            self.fail(("end",), f"the end marker says {data['end']}, the file holds "
                      f"{counts}: entries are missing or were added by hand; " + RESTORE)


def latest_today() -> date:
    """The latest date `plan` could have dated a release with: today by $SOURCE_DATE_EPOCH
    or by the clock, whichever is later (an epoch pinned in the past, as reproducible
    builds do, must not make a genuine lock file unreadable)."""
    return max(allocation_date(), datetime.now(UTC).date())


def _step(key: Any) -> str | int:
    """A mapping key as the step of a path into the file (as `yamlsource` records it)."""
    return key if isinstance(key, str | int) else str(key)


def _what(kind: str) -> str:
    return "device names" if kind == "loopbacks" else "tunnel ids"


def _address_problem(pool: Pool, value: Any) -> str | None:
    """Why `value` is not an aligned block of `pool` (None: it is)."""
    if pool.slot(value) is not None:
        return None
    try:
        iface = ipaddress.IPv4Interface(value if isinstance(value, str) else "")
    except ValueError:
        return f"'{value}' is not an address with its length (e.g. {pool.block(pool.first)})"
    if iface.network.prefixlen != pool.prefixlen:
        return f"{value} must be a /{pool.prefixlen}"
    if iface.ip not in pool.network:
        return f"{value} is outside the pool {pool.network}"
    if iface.ip == pool.network.network_address:
        return f"{value} is the pool's network address, never allocated"
    if str(iface) != value:
        return f"'{value}' is not written as netorch writes it: {iface}"
    return f"{value} is not the first address of a /{pool.prefixlen} (not aligned)"
