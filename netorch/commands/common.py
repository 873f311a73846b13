"""What every command shares: the inventory argument, loading with findings, output."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from netorch import api
from netorch.findings import InventoryError
from netorch.inventory import Inventory

InventoryArg = Annotated[Path, typer.Argument(metavar="INVENTORY", show_default=False,
                                              exists=True,
                                              help="inventory directory or single YAML file")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", metavar="FILE",
                                                help="write to FILE instead of stdout")]
SecretFileOption = Annotated[Path | None, typer.Option(
    "--secret-file", metavar="FILE", help="PSK master secret (default: $NETORCH_SECRET)")]


def use_colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and "CI" not in os.environ


def load_checked(path: Path) -> Inventory:
    """Load and check; any error finding stops the command (exit 1, all findings shown)."""
    inventory = api.load(path)
    errors = [f for f in api.check(inventory) if f.is_error]
    if errors:
        raise InventoryError(errors)
    return inventory


def emit(text: str, out: Path | None = None) -> None:
    """Write to a file (only if its content changed) or to stdout."""
    if out is None:
        sys.stdout.write(text)
        return
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
