"""`netorch plan`: the tunnels, addresses, routing and crypto the fabric needs."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import typer

from netorch import api
from netorch.commands.common import InventoryArg, OutOption, emit, load_checked, use_colour
from netorch.inventory import Inventory
from netorch.output.plan import plan_json, plan_table
from netorch.plan import PlanResult
from netorch.plan.allocate import allocation_date
from netorch.plan.lockfile import allocations_path


class PlanFormat(str, Enum):
    table = "table"
    json = "json"


def plan(
    inventory: InventoryArg,
    fmt: Annotated[PlanFormat, typer.Option("--format", "-f")] = PlanFormat.table,
    out: OutOption = None,
    allocate: Annotated[bool, typer.Option(
        "--allocate", help="create the allocation file if the fabric has none yet")] = False,
    frozen: Annotated[bool, typer.Option(
        "--frozen", help="never write allocations; fail if they would change (for CI)")] = False,
) -> None:
    """Plan the fabric: every tunnel, address, BGP session and crypto proposal."""
    inv = load_checked(inventory)
    result = _plan(inv, allocate=allocate, frozen=frozen, today=allocation_date())
    assert result.plan is not None
    text = plan_json(result.plan) if fmt is PlanFormat.json else plan_table(
        result.plan, colour=use_colour() and out is None)
    emit(text, out)


def _plan(inventory: Inventory, *, allocate: bool, frozen: bool, today: date) -> PlanResult:
    """Plan and keep the lock file; warnings (an early reuse of a quarantined address)
    go to stderr."""
    result, written = api.allocate(inventory, create=allocate, frozen=frozen, today=today)
    for finding in result.findings:
        typer.echo(finding.render(), err=True)
    if written:
        typer.echo(f"netorch: updated {allocations_path(inventory.path).as_posix()}", err=True)
    return result


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
