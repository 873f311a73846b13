"""CLI commands of the pipeline stages, one module each; `cli.py` registers them."""

from __future__ import annotations

import typer

from netorch.commands import deploy, lab, plan, rehearse, render, report


def register(app: typer.Typer) -> None:
    for module in (plan, render, report, deploy, rehearse, lab):
        module.register(app)
