"""Lab tests build real namespaces with charon, FRR and sshd: root and the tools needed."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch.lab import LabUpResult, lab_up, runtime, sh
from netorch.lab.names import lab_tag
from netorch.lab.teardown import lab_namespaces

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


@contextlib.contextmanager
def module_lab(tmp_path_factory: pytest.TempPathFactory, inventory: Path, lab: str
               ) -> Iterator[tuple[LabUpResult, Path]]:
    """A test module's lab: up in a fresh root, always stopped, no namespace left."""
    root = tmp_path_factory.mktemp("labs")
    try:
        yield lab_up(inventory, lab=lab, root=root), root
    finally:
        runtime.stop(lab, root)
        assert not lab_namespaces(lab_tag(lab)), "the module's lab left namespaces behind"
