"""The `netorch` command: thin typer commands over `netorch.api`.

Exit codes (ARCHITECTURE.md): 0 success; 1 findings, failed devices or failed
verification; 2 wrong usage (unknown option, missing path). Every user mistake is
mapped to one of them here, in one place — never a traceback.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from netorch import __version__, api
from netorch.commands.common import InventoryArg, OutOption, emit, use_colour
from netorch.errors import UsageError, UserError
from netorch.findings import InventoryError
from netorch.inventory import InventoryNotFound
from netorch.output import FORMATS
from netorch.schema import schema_json

app = typer.Typer(
    name="netorch",
    help="One secure comms fabric from one inventory: validate, plan, render, deploy, verify.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"


class SchemaPart(str, Enum):
    inventory = "inventory"
    fabric = "fabric"
    site = "site"
    plan = "plan"


@app.command()
def validate(
    inventory: InventoryArg,
    fmt: Annotated[ValidateFormat, typer.Option("--format", "-f", help="output format")]
    = ValidateFormat.text,
    strict: Annotated[bool, typer.Option(help="warnings fail too (exit 1)")] = False,
    out: OutOption = None,
) -> None:
    """Check an inventory: every problem at FILE:LINE:COL, all at once."""
    result = api.validate(inventory)
    text = FORMATS[fmt.value](result.findings, inventory.as_posix(), strict=strict,
                              colour=use_colour() and out is None, files=result.files)
    emit(text, out)
    raise typer.Exit(0 if result.ok(strict=strict) else 1)


@app.command()
def schema(
    part: Annotated[SchemaPart, typer.Option(help="which file's schema")] = SchemaPart.inventory,
) -> None:
    """Print the JSON Schema of inventory files (for editors and CI)."""
    sys.stdout.write(schema_json(part.value))


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"netorch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback,
                                          is_eager=True, help="show the version")] = False,
) -> None:
    """netorch: one secure comms fabric from one inventory."""


_registered = False


def _register_optional_commands() -> None:
    """Register the pipeline commands once (lazily: `netorch --version` stays fast)."""
    global _registered  # noqa: PLW0603  (one app per process)
    if _registered:
        return
    from netorch import commands

    commands.register(app)
    _registered = True


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app and map every user error to an exit code."""
    _register_optional_commands()
    try:
        app(args=argv, prog_name="netorch")
    except SystemExit as exc:  # click's standalone mode: usage errors exit 2 with a message
        return exc.code if isinstance(exc.code, int) else 1
    except InventoryNotFound as exc:
        return _report(f"{exc}", 2)
    except InventoryError as exc:
        for finding in exc.findings:
            typer.echo(finding.render(), err=True)
        return 1
    except UsageError as exc:
        return _report(str(exc), 2)
    except UserError as exc:
        return _report(str(exc), 1)
    except KeyboardInterrupt:
        return _report("interrupted", 130)
    return 0


def _report(message: str, code: int) -> int:
    typer.echo(f"netorch: error: {message}", err=True)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def run() -> None:
    """setuptools console-script target."""
    sys.exit(main())
