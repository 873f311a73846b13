"""What `vtysh -f` leaves behind: the `no` commands that take FRR from the old frr.conf
to the new one.

`vtysh -f FILE` only adds and changes: a prefix-list entry, route-map entry or anchor
route that the new file no longer holds would stay in the running FRR. netorch owns
frr.conf whole on Linux (`netorch.platforms.linux_strongswan.driver.foreign`), so whatever its
previous file held and the new one does not is netorch's to remove. `router bgp` is
cleared whole by the driver before a reload.
"""

from __future__ import annotations

import re

_PREFIX_LIST = re.compile(r"ip prefix-list (\S+) ")
_ROUTE_MAP = re.compile(r"route-map (\S+) (permit|deny) (\d+)$")


def _top_level(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()
            if line and not line[0].isspace() and not line.startswith("!")]


def _route_map_bodies(text: str) -> dict[str, list[str]]:
    """Each route-map entry's header -> the lines under it."""
    bodies: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if _ROUTE_MAP.match(line):
            current = bodies.setdefault(line, [])
        elif line[:1].isspace() and current is not None:
            current.append(line.strip())
        elif line:
            current = None
    return bodies


def frr_removals(previous: str, new: str) -> list[str]:
    """The configuration commands that remove what `previous` configured and `new` no
    longer does: prefix-lists (whole, or entry by entry), route-map entries (also one
    whose lines changed: `vtysh -f` would keep an old `set` under it, so it is removed
    and the new file adds it whole) and static routes.

    >>> old = "ip prefix-list a seq 5 permit 10.0.0.0/8\\nip prefix-list b seq 5 permit "
    >>> old += "10.1.0.0/16\\nroute-map x-in permit 10\\n match ip address prefix-list a\\n"
    >>> old += "route-map x-in permit 20\\n set as-path prepend 65000\\n"
    >>> old += "ip route 10.1.0.0/16 blackhole 254\\n"
    >>> new = "ip prefix-list a seq 10 permit 10.0.0.0/8\\nroute-map x-in permit 20\\n"
    >>> frr_removals(old, new)
    ['no route-map x-in permit 10', 'no route-map x-in permit 20', \
'no ip prefix-list a seq 5 permit 10.0.0.0/8', 'no ip prefix-list b', \
'no ip route 10.1.0.0/16 blackhole 254']
    """
    old_lines, new_lines = _top_level(previous), set(_top_level(new))
    new_lists = {m[1] for line in new_lines if (m := _PREFIX_LIST.match(line))}
    old_maps, new_maps = _route_map_bodies(previous), _route_map_bodies(new)
    maps: list[str] = []
    lists: list[str] = []
    routes: list[str] = []
    gone_lists: set[str] = set()
    for line in old_lines:
        if _ROUTE_MAP.match(line):
            if new_maps.get(line) != old_maps[line]:
                maps.append(f"no {line}")
            continue
        if line in new_lines:
            continue
        if (m := _PREFIX_LIST.match(line)) is not None:
            if m[1] in new_lists:
                if " seq " in line:
                    lists.append(f"no {line}")
            elif m[1] not in gone_lists:
                gone_lists.add(m[1])
                lists.append(f"no ip prefix-list {m[1]}")
        elif line.startswith("ip route "):
            routes.append(f"no {line}")
    # route-maps first: they reference the prefix-lists
    return maps + lists + routes
