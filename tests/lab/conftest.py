"""Lab tests build real namespaces with charon, FRR and sshd: root and the tools needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netorch.lab import sh

FIXTURES = Path(__file__).parent / "fixtures"


def lab_skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "lab tests build network namespaces: run as root"
    missing = sh.missing_tools()
    if missing:
        return "lab tools missing: " + ", ".join(missing)
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = lab_skip_reason()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("lab") is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
