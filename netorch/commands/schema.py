"""`netorch schema`: the JSON Schema of inventory files, for editors and CI."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from netorch.schema import schema_json


class SchemaPart(str, Enum):
    inventory = "inventory"
    fabric = "fabric"
    site = "site"
    plan = "plan"


def schema(
    part: Annotated[SchemaPart, typer.Option("--part", help="which file's schema")]
    = SchemaPart.inventory,
) -> None:
    """Print the JSON Schema of inventory files (for editors and CI)."""
    sys.stdout.write(schema_json(part.value))


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)
