"""IOS-XE static routes beside the operator's: IOS keeps one `ip route` per prefix, mask
and next hop (`key`), so a second line with the same key replaces the first, its
distance and name included.

netorch therefore never sends a route whose key an operator route (one not named
`netorch-...`) already has (`fit`):

- a LAN anchor (`ip route P M Null0 254 name netorch-SITE`) is left out when the operator
  already routes `P M` to Null0 (their route originates the `network` statement just as
  well), or when the operator's own `network P mask M` originates the LAN (an anchor
  would make that statement look like netorch's, and a later LAN removal would delete
  it: see `netorch.platforms.cisco_iosxe.bgp`);
- any other route (a tunnel peer's `/32`) is a conflict.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from netorch.deploy.change import Conflict
from netorch.platforms.cisco_iosxe import PLATFORM

PREFIX = PLATFORM.owned["prefix"]
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_OPTIONS = {"name", "tag", "permanent", "track", "global", "dhcp", "multicast", "unicast"}
ANCHOR = re.compile(rf"^ip route (\S+) (\S+) Null0\b.* name {re.escape(PREFIX)}\S+$")


def key(line: str) -> tuple[str, ...] | None:
    """What IOS keys a static route by: its VRF, prefix, mask and next hop (interface,
    address or both); None for a line that is no static route.

    >>> key("ip route 10.0.0.0 255.0.0.0 GigabitEthernet1 192.0.2.1 254 name x")
    ('10.0.0.0', '255.0.0.0', 'GigabitEthernet1', '192.0.2.1')
    >>> key("ip route vrf C 10.0.0.0 255.0.0.0 Null0 tag 5")
    ('vrf', 'C', '10.0.0.0', '255.0.0.0', 'Null0')
    """
    words = line.split()
    if words[:2] != ["ip", "route"]:
        return None
    vrf, rest = (words[2:4], words[4:]) if words[2:3] == ["vrf"] else ([], words[2:])
    hop: list[str] = []
    for word in rest[2:4]:
        if word.isdigit() or word in _OPTIONS:
            break
        hop.append(word)
        if _IP.match(word):
            break
    return (*vrf, *rest[:2], *hop) if len(rest) >= 3 else None


def named(line: str) -> bool:
    """Whether a route carries netorch's name."""
    words = line.split()
    return words[-2:-1] == ["name"] and words[-1].startswith(PREFIX)


def anchored(have: list[list[str]]) -> set[tuple[str, str]]:
    """The prefixes netorch anchors on the device (its named Null0 routes)."""
    return {(m[1], m[2]) for s in have if (m := ANCHOR.match(s[0]))}


def fit(have: list[list[str]], want: list[list[str]],
        originated: Collection[tuple[str, str]]) -> tuple[list[list[str]], list[Conflict]]:
    """`want` without the anchors the operator's config makes unneeded (`originated`:
    prefixes the operator's own `network` statements announce), and a conflict for each
    other route whose key an operator route has."""
    theirs = {k: s[0] for s in have if (k := key(s[0])) is not None and not named(s[0])}
    out: list[list[str]] = []
    found: list[Conflict] = []
    for section in want:
        line = section[0]
        anchor = ANCHOR.match(line)
        other = theirs.get(key(line) or ())
        if anchor and (other is not None or (anchor[1], anchor[2]) in originated):
            continue
        if other is not None:
            found.append(Conflict(
                other, f"the operator's route has the prefix, mask and next hop of netorch's "
                f"`{line}`: IOS keeps one route per prefix, mask and next hop, so netorch's "
                "would replace it (its distance and name) and a later removal would delete it",
                "remove the operator's route (netorch's routes the same prefix over the same "
                f"next hop), or hand it to netorch by renaming it `name {line.split()[-1]}`"))
        out.append(section)
    return out, found


def replaced(line: str, rendered: Collection[str]) -> bool:
    """Whether `line` (`no ip route ...`) removes a route a rendered one replaces in place
    (same key, another distance or name): IOS would delete the new route with it.

    >>> replaced("no ip route 10.0.0.0 255.0.0.0 Null0 254 name netorch-a",
    ...          {"ip route 10.0.0.0 255.0.0.0 Null0 250 name netorch-b"})
    True
    """
    old = key(line.removeprefix("no ")) if line.startswith("no ") else None
    return old is not None and any(key(r) == old for r in rendered)
