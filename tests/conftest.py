"""Shared test helpers: where the repository and its example inventory are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "inventories" / "eastern-region"


@pytest.fixture
def example_inventory() -> Path:
    """The example inventory (directory form); it validates clean."""
    return EXAMPLE



@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of the example inventory, at `tmp_path/inv`."""
    copy = tmp_path / "inv"
    shutil.copytree(EXAMPLE, copy)
    return copy
