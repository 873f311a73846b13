"""The examples in netorch's docstrings run, so none can go stale (two had)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import netorch

MODULES = sorted(m.name for m in pkgutil.walk_packages(netorch.__path__, "netorch.")
                 if not m.name.endswith("__main__"))


def test_the_modules_are_found() -> None:
    assert len(MODULES) > 150
    assert "netorch.plan.routing" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
