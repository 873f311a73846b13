"""Shared fixtures: the example inventory, reported at a fixed time from the repo root."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from netorch import api
from netorch.report import Report, make_report
from netorch.verify import VerifyReport
from netorch.verify.origin import StateOrigin, origin_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "inventories/eastern-region"
FIXED_TIME = "2024-01-01T00:00:00Z"


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return ROOT


@pytest.fixture
def example(at_root: Path) -> Report:
    return make_report(api.load(EXAMPLE), generated_at=FIXED_TIME)


def state_header(inventory: str | Path = EXAMPLE, source: str = "production") -> dict[str, str]:
    """The header `netorch verify --format json` writes, for a hand-made state file."""
    fabric = api.load(inventory).fabric.name
    return origin_of(inventory, fabric, source, datetime(2024, 1, 1, tzinfo=UTC)).model_dump()


def state_document(checks: VerifyReport, inventory: str | Path = EXAMPLE,
                   source: str = "production") -> str:
    """What `netorch verify --format json` writes for `checks`, headed by `state_header`."""
    return checks.result(StateOrigin(**state_header(inventory, source))).to_json()
