"""Registry of the CLI commands of the later pipeline stages (plan, render, ...)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the commands whose stages are present."""
    del app
