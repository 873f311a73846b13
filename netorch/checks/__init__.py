"""Semantic checks: rules across the whole inventory, each finding at its YAML node.

Every rule is a function `rule(ctx) -> Iterable[Finding]`; `check` runs them all
and returns every finding, sorted. Adding a rule = adding it to `RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from netorch.checks import (
    addressing,
    brownfield,
    crypto,
    identity,
    interfaces,
    steering,
    topology,
)
from netorch.checks.context import Context
from netorch.findings import Finding, sort_findings
from netorch.inventory.model import Inventory

Rule = Callable[[Context], Iterable[Finding]]

RULES: tuple[Rule, ...] = (
    *identity.RULES,
    *addressing.RULES,
    *steering.RULES,
    *topology.RULES,
    *interfaces.RULES,
    *brownfield.RULES,
    *crypto.RULES,
)


def check(inventory: Inventory) -> list[Finding]:
    """Run every semantic rule; return all findings, sorted by place."""
    ctx = Context(inventory)
    return sort_findings([f for rule in RULES for f in rule(ctx)])
