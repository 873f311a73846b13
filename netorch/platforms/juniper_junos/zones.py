"""netorch's security zones beside the operator's statements: what deleting them breaks.

netorch's zones (`netorch-vpn`, `netorch-<underlay>`) are its own by name, so a deploy
deletes what it no longer renders there. Two things would then hurt the operator: their
own statements inside such a zone (an interface they added to `netorch-vpn`) going with
it, and a deleted zone their statements still name (a policy `from-zone netorch-internet`,
which Junos refuses to commit). Both are conflicts: the operator moves them out first.

Inside a netorch zone, netorch renders only: IKE on an underlay interface
(`interfaces IF host-inbound-traffic system-services ike`, underlay zones), and in
`netorch-vpn` its marked st0 units and `host-inbound-traffic` ping, bgp and bfd. Any other
statement there is the operator's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from netorch.deploy.change import Conflict
from netorch.platforms.juniper_junos import PLATFORM
from netorch.platforms.juniper_junos.text import PREFIX, Running

VPN_ZONE = PLATFORM.owned["vpn_zone"]
_ZONE = re.compile(rf"security zones security-zone ({PREFIX}-\S+)(?: (.*))?$")
_DELETE = re.compile(rf"delete security zones security-zone ({PREFIX}-\S+)")
_VPN_OWN = re.compile(r"host-inbound-traffic (system-services ping|protocols (bgp|bfd))$"
                      r"|interfaces st0\.(\d+)$")
_UNDERLAY_OWN = re.compile(r"interfaces \S+ host-inbound-traffic system-services ike$")


def netorchs(have: Running, zone: str, rest: str) -> bool:
    """Whether `rest` (a statement inside netorch's `zone`) is one netorch renders."""
    if not rest:
        return True
    if zone != VPN_ZONE:
        return _UNDERLAY_OWN.match(rest) is not None
    m = _VPN_OWN.match(rest)
    return m is not None and (m[3] is None or m[3] in have.units)


def zone_conflicts(have: Running, stale: list[str], commands: list[str]) -> Iterator[Conflict]:
    """The operator's statements a deploy would delete from, or strand outside, netorch's
    zones (`stale`: netorch's statements it deletes; `commands`: its commands)."""
    seen: set[str] = set()
    for statement in stale:
        m = _ZONE.match(statement)
        if m is None or netorchs(have, m[1], m[2] or ""):
            continue
        words = m[2].split(" ")
        member = words[1] if words[0] == "interfaces" else None
        what = f"interfaces {member}" if member else m[2]
        if what not in seen:
            seen.add(what)
            yield Conflict(statement, f"the operator's `{what}` in netorch's zone {m[1]} "
                           "would be deleted", f"move {member or 'it'} out of {m[1]} into "
                           "a zone of the operator's")
    for zone in (m[1] for c in commands if (m := _DELETE.fullmatch(c))):
        uses = [s for s in have.effective if zone in s.split(" ") and not have.root(s)]
        if uses:
            yield Conflict(have.source(uses[0]), f"the operator's configuration uses "
                           f"netorch's zone {zone} ({len(uses)} statement(s)), which this "
                           "deploy deletes", f"move the operator's statements off {zone} "
                           "(e.g. their policies to a zone of their own)")
