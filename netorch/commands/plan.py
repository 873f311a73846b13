"""`netorch plan`: the tunnels, addresses, routing and crypto the fabric needs."""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from netorch import api
from netorch.commands.common import FORMAT_HELP, InventoryArg, OutOption, emit, use_colour
from netorch.findings import printable
from netorch.inventory import Inventory
from netorch.plan import PlanResult
from netorch.plan.allocate import allocation_date
from netorch.plan.lockfile import allocations_path


class PlanFormat(str, Enum):
    table = "table"
    json = "json"


def plan(
    inventory: InventoryArg,
    fmt: Annotated[PlanFormat, typer.Option("--format", "-f", help=FORMAT_HELP)]
    = PlanFormat.table,
    out: OutOption = None,
    allocate: Annotated[bool, typer.Option(
        "--allocate", help="create the allocation file if the fabric has none yet")] = False,
    frozen: Annotated[bool, typer.Option(
        "--frozen", help="never write allocations; fail if they would change (for CI)")] = False,
) -> None:
    """Plan the fabric: every tunnel, address, BGP session and crypto proposal.

    plan is the one command that writes the allocation file (allocations.yaml beside the
    inventory, NAME.allocations.yaml beside a single file): the lock file that keeps
    every tunnel and loopback address stable, to commit with the inventory. plan updates
    it when sites or links change and says so on stderr; --allocate creates it for a new
    fabric; --frozen never writes it and fails if it is out of date (for CI). Every other
    command only reads it, and refuses when it is missing or out of date.
    """
    from netorch.output.plan import plan_json, plan_table  # noqa: PLC0415 - lazy: rich

    inv = api.load_checked(inventory)
    result = _plan(inv, allocate=allocate, frozen=frozen, today=allocation_date())
    assert result.plan is not None
    text = plan_json(result.plan) if fmt is PlanFormat.json else plan_table(
        result.plan, colour=use_colour() and out is None)
    emit(text, out)


def _plan(inventory: Inventory, *, allocate: bool, frozen: bool, today: date) -> PlanResult:
    """Plan and keep the lock file; warnings (an early reuse of a quarantined address)
    go to stderr."""
    path = allocations_path(inventory.path)
    existed = path.exists()
    result, written = api.allocate(inventory, create=allocate, frozen=frozen, today=today)
    for finding in result.findings:
        typer.echo(finding.render(), err=True)
    if written:
        typer.echo(printable(f"netorch: {_what_was_written(path, existed)}"), err=True)
    return result


def _what_was_written(path: Path, existed: bool) -> str:
    """The line that says the lock file was written, and what to do with it."""
    if existed:
        return (f"updated the allocation file {path.as_posix()} (the addresses the sites "
                "and links now need): commit it with the inventory")
    return (f"wrote the allocation file {path.as_posix()} (this fabric's tunnel and "
            "loopback addresses): commit it with the inventory")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
