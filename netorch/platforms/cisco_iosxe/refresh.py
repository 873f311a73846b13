"""IOS-XE inbound soft resets: which BGP neighbours need `clear ip bgp X soft in`.

IOS applies a changed inbound route-map (or one of its prefix-lists, or a new
`neighbor X route-map M in`) only to routes received after the change; routes already
learned keep the attributes the old policy gave them until the neighbour is asked to
send them again (route refresh: `clear ip bgp X soft in`). netorch sends it, after its
config lines, for exactly the existing netorch neighbours whose inbound policy a commit
changes; never for a new neighbour (its routes arrive under the new policy) nor for the
operator's (not netorch's to refresh). See `netorch.platforms.cisco_iosxe.config`.
"""

from __future__ import annotations

import re

from netorch.platforms.cisco_iosxe import bgp

_IN = re.compile(r"^neighbor (\S+) route-map (\S+) in$")
_LIST = re.compile(r"^ match ip address prefix-list (.+)$")


def command(address: str) -> str:
    """The soft reset as typed in configuration mode (`do`: an exec command).

    >>> command("169.254.0.1")
    'do clear ip bgp 169.254.0.1 soft in'
    """
    return f"do clear ip bgp {address} soft in"


def _bindings(section: list[str] | None) -> dict[str, str]:
    """Each neighbour's inbound route-map in netorch's family."""
    process = bgp.parse(section)
    lines = process.families.get(bgp.GLOBAL, []) if process else []
    return {m[1]: m[2] for line in lines if (m := _IN.match(line))}


def _policy(sections: list[list[str]], name: str) -> tuple[object, ...]:
    """What a route-map does, descriptions left out: its entries and the entries of the
    prefix-lists they match, order-free (IOS shows both by sequence number)."""
    maps = sorted(tuple(line for line in s if not line.startswith(" description "))
                  for s in sections if s[0].startswith(f"route-map {name} "))
    lists = {w for s in maps for line in s if (m := _LIST.match(line)) for w in m[1].split()}
    entries = sorted(s[0] for s in sections if len(w := s[0].split()) > 3
                     and w[:2] == ["ip", "prefix-list"] and w[2] in lists
                     and w[3] != "description")
    return (*maps, *entries)


def resets(running: list[list[str]], current: list[list[str]],
           want: list[list[str]]) -> list[str]:
    """The soft resets to send after turning netorch's part of the device (`current`)
    into `want`: one per netorch neighbour (marked in the `running` sections) that
    already exists and is still rendered, whose inbound route-map binding or policy
    changes."""
    process = bgp.parse(bgp.find(running))
    mine = process.marked() if process else set()
    old, new = _bindings(bgp.find(current)), _bindings(bgp.find(want))
    return [command(address) for address, name in new.items()
            if address in mine and (old.get(address) != name
                                    or _policy(current, name) != _policy(want, name))]
