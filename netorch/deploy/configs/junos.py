"""Juniper Junos: `set` statements, diffed as sets of statements in the owned hierarchies.

netorch owns what the templates name: the `st0-N` IKE policies and gateways and IPsec
VPNs with the proposals they use, the `st0` tunnel interfaces, the `fabric` BGP group,
the per-neighbour `st0-N-in` / `st0-N-out` policies, the `site-NAME` / `fabric-all`
route-filter lists and address-book entries, the `vpn` zone and the two fabric security
policies. A statement there that the rendered `config.set` does not have is deleted,
so stale tunnels and sites go away; the operator's own VPNs, policies and zones stay.
The device's own `show | compare` of the candidate is what gets committed; this diff
decides whether there is anything to do at all (a no-change deploy never opens configuration mode).
"""

from __future__ import annotations

import re
import shlex

from netorch.deploy.configs import Change, unified

_SETS = r"(site-\S+|fabric-all)"
OWNED = re.compile("|".join((
    r"security ike (policy|gateway) st0-\d+ ", r"security ipsec vpn st0-\d+ ",
    r"security ike proposal \S+-prf\S+ ", r"security ipsec (proposal|policy) esp-\S+ ",
    r"interfaces st0 ", r"protocols bgp group fabric ",
    r"policy-options policy-statement st0-\d+-(in|out) ",
    rf"policy-options route-filter-list {_SETS} ",
    rf"security address-book global address(-set)? {_SETS} ",
    r"security zones security-zone vpn ",
    r"security policies from-zone (trust to-zone vpn policy lan-to-fabric|"
    r"vpn to-zone trust policy fabric-to-lan) ")))


def statements(text: str) -> list[str]:
    """The `set` statements of a config, without `set ` and normalised spacing."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("set "):
            out.append(" ".join(_words(line[4:])))
    return out


def _words(text: str) -> list[str]:
    try:
        return [shlex.quote(w) if " " in w else w for w in shlex.split(text)]
    except ValueError:
        return text.split()


def managed(running: str, intended: str = "") -> str:
    wanted = set(statements(intended))
    keep = [s for s in statements(running) if s in wanted or OWNED.match(s)]
    return "".join(f"set {s}\n" for s in keep)


def plan_change(running: str, intended: str) -> Change:
    current = statements(managed(running, intended))
    target = list(dict.fromkeys(statements(intended)))
    have = set(current)
    want = set(target)
    commands = [f"delete {s}" for s in current if s not in want]
    commands += [f"set {s}" for s in target if s not in have]
    if not commands:
        return Change()
    before = "".join(f"set {s}\n" for s in sorted(current))
    after = "".join(f"set {s}\n" for s in sorted(target))
    return Change(unified(before, after, "config.set"), commands)
