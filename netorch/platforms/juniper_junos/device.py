"""What a Junos device already has: netorch's statements present, and conflicts.

A shared statement is present when the device says the same in its own way (an ASN in
asdot, IKE allowed by an operator zone's `all`); a conflict is something there that
netorch would have to overwrite (the rules: netorch/platforms/juniper_junos/config.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from netorch.deploy.change import Conflict
from netorch.platforms.juniper_junos.routing import route_conflicts, router_id_conflicts
from netorch.platforms.juniper_junos.text import KEY, MARKER, UNIT, Running, mask

_MSS = "security flow tcp-mss ipsec-vpn mss "
_ZONE_IKE = re.compile(r"(security zones security-zone (\S+)) interfaces (\S+) "
                       r"host-inbound-traffic system-services ike$")
_SINGLE = {"routing-options autonomous-system": "asn", "routing-options router-id": "router_id"}


def present(statement: str, have: Running, rotate_keys: bool) -> bool:
    """Whether the device already has a statement netorch renders (nothing to send)."""
    if KEY.match(statement):
        old = next((s for s in have.statements if mask(s) == mask(statement)), None)
        return old is not None and not rotate_keys and _same_key(old, statement)
    if statement.startswith(_MSS):
        return any(s.startswith(_MSS) for s in have.effective)
    if (zone := _ZONE_IKE.match(statement)) and not have.root(statement):
        return _ike_allowed(have, zone[1], zone[3])
    path = statement.rsplit(" ", 1)[0]
    if path in _SINGLE:
        return _same(path, statement.rsplit(" ", 1)[1], have.values(path))
    if have.root(statement):
        return statement in have.index or statement in have.parents
    return have.has(statement)


def _ike_allowed(have: Running, zone: str, interface: str) -> bool:
    """Whether IKE already reaches the device on `interface`, a member of an operator's
    zone: its own system-services, else (when it has none) the zone's, say `ike` or `all`
    (Junos: interface-level host-inbound-traffic overrides the zone's)."""
    member = f"{zone} interfaces {interface}"
    own, shared = _services(have, member), _services(have, zone)
    return _member(have, member) and bool((own or shared) & {"ike", "all"})


def _services(have: Running, path: str) -> set[str]:
    return {s.split(" ")[-1] for s in have.effective
            if s.startswith(f"{path} host-inbound-traffic system-services ")}


def _member(have: Running, path: str) -> bool:
    return have.has(path)


def _same(path: str, want: str, values: list[str]) -> bool:
    return any(_number(v) == _number(want) if _SINGLE[path] == "asn" else v == want
               for v in values)


def _number(asn: str) -> str:
    """An AS number in plain form (asdot `64086.59925` is 4200000021).

    >>> _number("64086.59925"), _number("65001")
    ('4200000021', '65001')
    """
    high, dot, low = asn.partition(".")
    return str(int(high) * 65536 + int(low)) if dot and high.isdigit() and low.isdigit() else asn


def _same_key(have: str, want: str) -> bool:
    """Whether a running key statement stands for the rendered one without a rotation."""
    m = KEY.match(have)
    encrypted = m is not None and m["value"].strip('"').startswith("$9$")
    return mask(have) == mask(want) and (have == want or encrypted)


def conflicts(have: Running, target: list[str]) -> Iterator[Conflict]:
    """What on the device netorch would have to overwrite to apply `target`."""
    yield from _unit_conflicts(have, target)
    yield from _single_conflicts(have, target)
    yield from router_id_conflicts(have, target)
    yield from _member_conflicts(have, target)
    yield from _inbound_conflicts(have, target)
    yield from route_conflicts(have, target)


def _unit_conflicts(have: Running, target: list[str]) -> Iterator[Conflict]:
    units = sorted({m[1] for s in target if (m := UNIT.match(s))}, key=int)
    for unit in units:
        if unit in have.units:
            continue
        used = [s for s in have.effective if s.startswith(f"interfaces st0 unit {unit} ")
                or (f" st0.{unit} " in f" {s} " and not have.root(s) and not _MEMBER.match(s))]
        if used:
            yield Conflict(have.source(used[0]),
                           f"st0.{unit} is the operator's (no '{MARKER}' description)",
                           "set `tunnel_offset:` on the device to a free range of st0 units")


def _single_conflicts(have: Running, target: list[str]) -> Iterator[Conflict]:
    """Another autonomous-system or router-id; a BGP-wide `local-as` counts as the
    device's ASN too (a different global one would change its sessions' AS paths)."""
    for statement in target:
        path, _, want = statement.rpartition(" ")
        setting = _SINGLE.get(path)
        places = (path, "protocols bgp local-as") if setting == "asn" else (path,)
        found = [(place, v) for place in places if setting for v in have.values(place)]
        if not found or _same(path, want, [v for _, v in found]):
            continue
        place, value = found[0]
        usable = _number(value) if setting == "asn" else value
        yield Conflict(have.source(f"{place} {value}"),
                       f"the device's {place.split()[-1]} is {value}, netorch's {want}",
                       f"set `{setting}: {usable}` on the device to use it")


_MEMBER = re.compile(r"(security zones (?:security|functional)-zone (\S+) interfaces|"
                     r"protocols bgp group (\S+) neighbor) (\S+)")


def _member_conflicts(have: Running, target: list[str]) -> Iterator[Conflict]:
    """An interface Junos allows in one zone only, a neighbour in one BGP group only."""
    homes: dict[str, tuple[str, str]] = {}
    for statement in have.effective:
        if (m := _MEMBER.match(statement)) and not have.root(statement):
            homes.setdefault(m[4], (m[1], have.source(m[0])))
    seen: set[str] = set()
    for statement in target:
        m = _MEMBER.match(statement)
        if m is None or m[4] not in homes or homes[m[4]][0] == m[1] or m[4] in seen:
            continue
        seen.add(m[4])
        kind = "BGP group" if " neighbor" in homes[m[4]][0] else "zone"
        yield Conflict(homes[m[4]][1], f"{m[4]} is already in the operator's {kind} "
                       f"{homes[m[4]][0].split(' ')[-2]}", _member_fix(m[4], homes[m[4]][0]))


def _member_fix(member: str, home: str) -> str:
    if member.startswith("st0."):
        return "set `tunnel_offset:` on the device to a free range of st0 units"
    if " neighbor" in home:
        return "choose a fabric tunnel pool that does not overlap the operator's BGP peers"
    if "functional-zone" in home:
        return f"take {member} out of the management zone, or use another underlay interface"
    return f"set `zone: {home.split(' ')[3]}` on the link with interface {member}"


def _inbound_conflicts(have: Running, target: list[str]) -> Iterator[Conflict]:
    """IKE on an underlay interface in an operator zone that allows system-services at
    zone level only: netorch's interface-level line would replace them for it."""
    for statement in target:
        m = _ZONE_IKE.match(statement)
        if m is None or have.root(statement) is not None or present(statement, have, False):
            continue
        member = f"{m[1]} interfaces {m[3]}"
        zone_level = _services(have, m[1])
        if _member(have, member) and zone_level and not _services(have, member):
            yield Conflict(f"{m[1]} host-inbound-traffic system-services {min(zone_level)}",
                           f"IKE on {m[3]} itself would override zone {m[2]}'s "
                           "system-services for it", f"allow `ike` in zone {m[2]}'s "
                           f"system-services, or list {m[3]}'s own services with `ike`")
