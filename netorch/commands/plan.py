"""`netorch plan`: the tunnels, addresses, routing and crypto the fabric needs."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from netorch import api
from netorch.commands.common import InventoryArg, OutOption, emit, load_checked, use_colour
from netorch.errors import UserError
from netorch.findings import InventoryError
from netorch.inventory import Inventory
from netorch.output.plan import plan_json, plan_table
from netorch.plan import PlanResult
from netorch.plan.allocate import allocations_path


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
    result = _plan(inv, allocate=allocate, frozen=frozen)
    assert result.plan is not None
    text = plan_json(result.plan) if fmt is PlanFormat.json else plan_table(
        result.plan, colour=use_colour() and out is None)
    emit(text, out)


def _plan(inventory: Inventory, *, allocate: bool, frozen: bool) -> PlanResult:
    path = allocations_path(inventory.path)
    saved = api.saved_allocations(inventory)
    if saved is None and not allocate:
        raise UserError(
            f"{path.as_posix()}: no allocation file. For a new fabric run `netorch plan "
            f"{inventory.path} --allocate` and commit the file; if it was lost, restore it "
            "from version control (allocating afresh may renumber tunnels)")
    result = api.plan_result(inventory, saved)
    if result.plan is None:
        raise InventoryError(result.findings)
    fabric = inventory.fabric
    text = result.allocations.to_yaml(fabric.name, (str(fabric.pools.tunnels),
                                                    str(fabric.pools.loopbacks)))
    _save(path, text, frozen=frozen)
    return result


def _save(path: Path, text: str, *, frozen: bool) -> None:
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current == text:
        return
    if frozen:
        raise UserError(f"{path.as_posix()}: allocations are out of date (sites or links "
                        "changed); run `netorch plan` and commit the updated file")
    path.write_text(text, encoding="utf-8")
    typer.echo(f"netorch: updated {path.as_posix()}", err=True)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
