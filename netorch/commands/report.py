"""`netorch report`: what the fabric connects, how it is protected, whether it complies."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from netorch import api
from netorch.commands.common import InventoryArg, OutOption, emit


class ReportFormat(str, Enum):
    html = "html"
    md = "md"
    json = "json"
    dot = "dot"
    mermaid = "mermaid"


def report(
    inventory: InventoryArg,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="html (self-contained), md, json, dot or mermaid")],
    out: OutOption = None,
    state: Annotated[Path | None, typer.Option(
        "--state", metavar="VERIFY.json", exists=True, dir_okay=False,
        help="live state written by `netorch verify --format json`")] = None,
    generated_at: Annotated[str | None, typer.Option(
        "--generated-at", metavar="TIME",
        help="report time (ISO 8601 or epoch seconds; default $SOURCE_DATE_EPOCH, else now)"),
    ] = None,
) -> None:
    """Report for auditors: topology diagram, tunnels, crypto compliance, reachability."""
    from netorch.report import make_report, render  # noqa: PLC0415 - lazy: the report stage

    result = make_report(api.load(inventory), state=state, generated_at=generated_at)
    emit(render(result, fmt.value), out)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
