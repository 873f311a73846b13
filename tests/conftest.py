"""Shared test helpers: where the repository and its example inventory are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "inventories" / "eastern-region"


@pytest.fixture
def example_inventory() -> Path:
    """The example inventory (directory form); it validates clean."""
    return EXAMPLE


@pytest.fixture(autouse=True)
def _fresh_cli_commands() -> Iterator[None]:
    """Keep the typer app's command list from growing across tests.

    `netorch.cli.main` registers the pipeline commands on every call, so hundreds of
    in-process runs would otherwise make each run slower than the last.
    """
    from netorch.cli import app

    before = list(app.registered_commands)
    yield
    app.registered_commands[:] = before
