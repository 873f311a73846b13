from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .parsers import Charon, ThrowawayCA, missing_tools, new_charon


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "real-parser tests need root (network namespaces)"
    missing = missing_tools()
    return f"missing {', '.join(missing)} (installed by .ci/run)" if missing else None


@pytest.fixture(scope="session")
def charon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Charon]:
    """A throwaway charon in a throwaway network namespace (only `lo`, down)."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    proc = new_charon(tmp_path_factory.mktemp("charon"))
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def ca() -> ThrowawayCA:
    return ThrowawayCA()


@pytest.fixture
def tools() -> None:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
