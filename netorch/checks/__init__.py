"""Semantic checks: rules across the whole inventory, each finding at its YAML node.

Every rule is a function `rule(ctx) -> Iterable[Finding]`; `check` runs them all
and returns every finding, sorted. Adding a rule = adding it to `RULES`.

The certificate rules (`pki.RULES`: a certificate fabric's PKI folder against its
devices and the clock) run too unless `certificates=False`: `validate` runs them as a
stage of their own, so an expired certificate does not hold back the plan's checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from netorch.checks import (
    addressing,
    brownfield,
    crypto,
    identity,
    interfaces,
    pki,
    policy,
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
    *policy.RULES,
)


def check(inventory: Inventory, *, now: datetime | None = None,
          certificates: bool = True) -> list[Finding]:
    """Run every semantic rule; return all findings, sorted by place. Certificates are
    held against `now` (default: the clock)."""
    ctx = Context(inventory, now)
    rules = RULES + pki.RULES if certificates else RULES
    return sort_findings([f for rule in rules for f in rule(ctx)])


def check_certificates(inventory: Inventory, *, now: datetime | None = None
                       ) -> list[Finding]:
    """The certificate rules alone (`validate`'s certificate stage, the report)."""
    ctx = Context(inventory, now)
    return sort_findings([f for rule in pki.RULES for f in rule(ctx)])
