"""Juniper Junos: `set` statements, diffed as sets of statements in the owned hierarchies.

netorch owns what the templates name: the `st0-N` IKE policies and gateways and IPsec
VPNs with the proposals they use, the `st0` tunnel interfaces, the `fabric` BGP group,
the per-neighbour `st0-N-in` / `st0-N-out` policies, the `site-NAME` / `fabric-all`
route-filter lists and address-book entries, the `vpn` zone and the two fabric security
policies, and every static route tagged `STATIC_TAG` (the templates tag each route they
render). A statement there that the rendered `config.set` does not have is deleted,
so stale tunnels, sites and routes go away; the operator's own VPNs, policies, zones
and (untagged) routes stay.

A bare container statement the templates render (`set security zones security-zone
trust`: create the zone if it is missing) is not printed by Junos once the container
has children, so it counts as present when any running statement lies below it.

Junos shows a pre-shared key encrypted (`ascii-text "$9$..."`): while the device has
one for the same IKE policy it counts as the rendered key, and it is sent again only
with `rotate_keys`. `managed` masks key values, so a comparison never depends on them.
The device's own `show | compare` of the candidate is what gets committed; this diff
decides whether there is anything to do at all (a no-change deploy never opens configuration mode).
"""

from __future__ import annotations

import re
import shlex

from netorch.deploy.configs import Change, unified

STATIC_TAG = "1000000000"  # templates/juniper_junos/_names.j2, static_tag
_SETS = r"(site-\S+|fabric-all)"
_ROUTE = re.compile(r"routing-options static route (\S+) ")
_KEY = re.compile(r"(?P<path>.* pre-shared-key) (?P<form>ascii-text|hexadecimal) (?P<value>.+)$")
MASK = "<secret>"
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


def _tagged_routes(lines: list[str]) -> set[str]:
    """The static routes (prefixes) carrying netorch's tag."""
    return {m[1] for s in lines if (m := _ROUTE.match(s)) and s == f"{m[0]}tag {STATIC_TAG}"}


def _owned(lines: list[str], wanted: set[str]) -> list[str]:
    tagged = _tagged_routes(lines)
    return [s for s in lines if mask(s) in wanted or OWNED.match(s)
            or ((m := _ROUTE.match(s)) is not None and m[1] in tagged)]


def mask(statement: str, placeholder: str = MASK) -> str:
    """A statement with its key value replaced.

    >>> mask('security ike policy p pre-shared-key ascii-text "$9$abc"')
    'security ike policy p pre-shared-key ascii-text <secret>'
    """
    m = _KEY.match(statement)
    return f"{m['path']} {m['form']} {placeholder}" if m else statement


def _encrypted(statement: str) -> bool:
    m = _KEY.match(statement)
    return m is not None and m["value"].strip('"').startswith("$9$")


def managed(running: str, intended: str = "") -> str:
    keep = _owned(statements(running), {mask(s) for s in statements(intended)})
    return "".join(f"set {mask(s)}\n" for s in keep)


def _same_key(have: str, want: str) -> bool:
    """Whether a running key statement stands for the rendered one without a rotation."""
    return mask(have) == mask(want) and (have == want or _encrypted(have))


def containers(lines: list[str]) -> set[str]:
    """Every statement prefix that has a statement below it (a container with children).

    >>> sorted(containers(["a b c"]))
    ['a', 'a b']
    """
    out: set[str] = set()
    for line in lines:
        words = line.split(" ")
        out.update(" ".join(words[:end]) for end in range(1, len(words)))
    return out


def plan_change(running: str, intended: str, *, rotate_keys: bool = False) -> Change:
    everything = statements(running)
    target = list(dict.fromkeys(statements(intended)))
    current = _owned(everything, {mask(s) for s in target})
    have, parents = set(current), containers(everything)
    keys = {mask(s): s for s in current if _KEY.match(s)}  # the device's, by path

    def present(statement: str) -> bool:
        if _KEY.match(statement):
            old = keys.get(mask(statement))
            return old is not None and not rotate_keys and _same_key(old, statement)
        return statement in have or statement in parents

    wanted = {mask(s) for s in target}
    commands = [_delete(s) for s in current if mask(s) not in wanted]
    commands += [f"set {s}" for s in target if not present(s)]
    if not commands:
        return Change()
    before = "".join(f"set {mask(s)}\n" for s in sorted(current))
    shown = [s for s in target if s in have or s not in parents]  # as the device prints it
    new = "<new secret>" if rotate_keys else MASK
    after = "".join(f"set {mask(s, new)}\n" for s in sorted(shown))
    return Change(unified(before, after, "config.set"), commands)


def _delete(statement: str) -> str:
    """A key is deleted by its path (its encrypted value is not the one to type)."""
    m = _KEY.match(statement)
    return f"delete {m['path']}" if m else f"delete {statement}"
