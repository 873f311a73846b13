"""What every command shares: the inventory argument, options, output.

Every command module is imported to build the CLI, whichever command runs: a module
imports here only what `netorch validate` loads anyway (typer, the inventory model, the
checks and the plan), and a command's own stage (render, deploy, lab, ...) inside its
function, marked `# noqa: PLC0415 - lazy: ...` (tests/cli/test_startup.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from netorch.errors import UserError
from netorch.findings import printable
from netorch.fsio import write_output

InventoryArg = Annotated[Path, typer.Argument(metavar="INVENTORY", show_default=False,
                                              exists=True,
                                              help="inventory directory or single YAML file")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", metavar="FILE",
                                                help="write to FILE instead of stdout")]
SecretFileOption = Annotated[Path | None, typer.Option(
    "--secret-file", metavar="FILE", exists=True, dir_okay=False, show_default=False,
    help="PSK master secret, at least 16 random bytes (default: $NETORCH_SECRET); a file "
         "group or others can access is a warning, an error with --strict")]
StrictOption = Annotated[bool, typer.Option(
    "--strict", help="warnings fail too (exit 1), e.g. a --secret-file group or others "
                     "can access")]
TemplatesOption = Annotated[list[Path] | None, typer.Option(
    "--templates", "--template-dir", metavar="DIR", exists=True, file_okay=False,
    show_default=False, help="your template folder, searched before netorch's (repeatable)")]
LimitOption = Annotated[list[str] | None, typer.Option(
    "--limit", "-l", metavar="GLOB", show_default=False,
    help="only the devices whose name or site name matches GLOB (`essex-*`, `dc-north`); "
         "repeatable; a GLOB that matches nothing is an error")]
WorkersOption = Annotated[int, typer.Option(
    "--workers", metavar="N", min=1, help="devices worked on in parallel")]
TimeoutOption = Annotated[float, typer.Option(
    "--timeout", metavar="SECONDS", min=0.1, help="seconds per device operation")]
FORMAT_HELP = "output format"

# Old option names that still work but are not shown (one name per meaning in the help).
HIDDEN_ALIASES = ("--template-dir",)


class Command(TyperCommand):
    """A command whose help names an argument by its metavar alone (never a Python type
    such as `<path>`) and an option without its hidden aliases."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                args.append((param.metavar or str(param.name).upper(), record[1]))
            else:
                opts.append((shown_names(record[0]), record[1]))
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def shown_names(names: str) -> str:
    """An option's names as help shows them, hidden aliases left out.

    >>> shown_names("--templates, --template-dir DIR")
    '--templates DIR'
    """
    for alias in HIDDEN_ALIASES:
        names = names.replace(f", {alias}", "").replace(f"{alias}, ", "")
    return names


def use_colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and "CI" not in os.environ


def emit(text: str, out: Path | None = None) -> None:
    """Write to stdout, or atomically to a file (only if its content changed; a FIFO or
    device such as /dev/stdout is written into)."""
    if out is None:
        sys.stdout.write(text)
        return
    write_output(out, text)


def check_secret_file(path: Path | None, *, strict: bool) -> None:
    """Warn on stderr (or fail with --strict) if group or others can read `path`."""
    from netorch.keys import secret_file_exposure  # noqa: PLC0415 - lazy: cryptography

    problem = secret_file_exposure(path) if path is not None else None
    if problem is None:
        return
    if strict:
        raise UserError(f"{problem} (refused with --strict)")
    typer.echo(f"netorch: warning: {printable(problem)}", err=True)
