"""Juniper Junos: `set` statements, diffed as sets of statements in the owned hierarchies.

netorch owns `security ike`, `security ipsec`, the `st0` tunnel interfaces, the
`netorch` BGP group and netorch-* policy objects; a statement there that the rendered
`config.set` does not have is deleted, so stale tunnels go away. The device's own
`show | compare` of the candidate is what gets committed; this diff decides whether
there is anything to do at all (a no-change deploy never opens configuration mode).
"""

from __future__ import annotations

import shlex

from netorch.deploy.configs import Change, unified

OWNED = ("security ike ", "security ipsec ", "interfaces st0 ", "protocols bgp group netorch",
         "policy-options policy-statement netorch", "policy-options prefix-list netorch",
         "security zones security-zone vpn ")


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
    keep = [s for s in statements(running) if s in wanted or s.startswith(OWNED)]
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
