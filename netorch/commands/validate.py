"""`netorch validate`: every problem of an inventory, at FILE:LINE:COL, all at once."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from netorch import api
from netorch.commands.common import FORMAT_HELP, InventoryArg, OutOption, emit, use_colour
from netorch.output import FORMATS


class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"


def validate(
    inventory: InventoryArg,
    fmt: Annotated[ValidateFormat, typer.Option("--format", "-f", help=FORMAT_HELP)]
    = ValidateFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="warnings fail too (exit 1)")]
    = False,
    out: OutOption = None,
) -> None:
    """Check an inventory: every problem at FILE:LINE:COL, all at once."""
    result = api.validate(inventory)
    text = FORMATS[fmt.value](result.findings, inventory.as_posix(), strict=strict,
                              colour=use_colour() and out is None, files=result.files)
    emit(text, out)
    raise typer.Exit(0 if result.ok(strict=strict) else 1)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
