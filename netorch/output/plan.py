"""The plan for people (a rich table and a summary) and for tools (versioned JSON)."""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.table import Table

from netorch.plan.model import FabricPlan, Tunnel

TABLE_WIDTH = 200


def plan_json(plan: FabricPlan) -> str:
    return plan.model_dump_json(indent=2) + "\n"


def plan_table(plan: FabricPlan, *, colour: bool = False, width: int = TABLE_WIDTH) -> str:
    """A table per tunnel and a summary; same plan → same text (fixed width)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system="standard" if colour else None,
                      force_terminal=colour, highlight=False, emoji=False)
    console.print(_tunnels(plan))
    console.print(_summary(plan))
    return buffer.getvalue()


def _tunnels(plan: FabricPlan) -> Table:
    table = Table(title=f"fabric {plan.fabric.name}: {len(plan.tunnels)} tunnels",
                  title_justify="left")
    for name in ("#", "site A", "device A", "address A", "site B", "device B", "address B",
                 "underlay", "pref", "kind", "proposal"):
        table.add_column(name, no_wrap=True)
    for t in plan.tunnels:
        table.add_row(*_row(t))
    return table


def _row(t: Tunnel) -> list[str]:
    underlay = t.underlay + (" (NAT-T)" if t.nat_traversal else "")
    return [str(t.index), t.a.site, t.a.device, str(t.a.address), t.b.site, t.b.device,
            str(t.b.address), underlay, f"{t.preference}{'' if t.rank else ' primary'}",
            t.kind, t.proposal.name]


def _policy(plan: FabricPlan) -> str:
    """One line: flat, or the policy's shape (what each rule allows: `report`)."""
    policy = plan.policy
    if policy is None:
        return "none: the fabric is flat, every site reaches every other"
    written = sum(1 for r in policy.rules if r.origin.startswith("rules["))
    return (f"default {policy.default}, same organisation {policy.same_organisation}; "
            f"{written} rules, {len(policy.rules)} flow rules compiled over "
            f"{len(policy.groups)} groups and {len(policy.services)} services")


def _summary(plan: FabricPlan) -> Table:
    f = plan.fabric
    by_underlay = Counter(t.underlay for t in plan.tunnels)
    table = Table(title="summary", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value")
    rows = [
        ("topology", f"{f.topology}" + (f" (hubs: {', '.join(f.hubs)})" if f.hubs else "")),
        ("sites / devices", f"{len(plan.sites)} / {len(plan.devices)}"),
        ("tunnels", ", ".join(f"{u}: {n}" for u, n in sorted(by_underlay.items()))
         + f" (total {len(plan.tunnels)})"),
        ("underlay preference", ", ".join(f"{u}={p}" for u, p in f.underlays.items())),
        ("crypto", f"{f.crypto_profile}, auth {f.auth}"),
        ("pools", f"tunnels {f.tunnel_pool}, loopbacks {f.loopback_pool}"),
        ("ASNs", f"{f.asn_base} + site id"),
        ("policy", _policy(plan)),
    ]
    for row in rows:
        table.add_row(*row)
    return table
