"""Shared test helpers: where the repository and its example inventory are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "inventories" / "eastern-region"


@pytest.fixture
def example_inventory() -> Path:
    """The example inventory (directory form); it validates clean."""
    return EXAMPLE

