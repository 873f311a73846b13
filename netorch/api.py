"""The Python API: everything the CLI does, callable from CI jobs and other tools.

>>> from netorch import api
>>> inventory = api.load("inventories/eastern-region")   # doctest: +SKIP
>>> [f.render() for f in api.check(inventory)]          # doctest: +SKIP
[]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netorch.checks import check as _check
from netorch.findings import Finding, InventoryError, sort_findings
from netorch.inventory import Inventory, InventoryNotFound
from netorch.inventory import load as _load

__all__ = ["Inventory", "InventoryError", "InventoryNotFound", "Validation", "check", "load",
           "validate"]


def load(path: str | Path) -> Inventory:
    """Load an inventory (directory or single file).

    Raises:
        InventoryNotFound: the path is not an inventory (a usage error).
        InventoryError: the files are not a valid inventory; `.findings` says where.
    """
    return _load(path)


def check(inventory: Inventory) -> list[Finding]:
    """Every semantic finding (errors and warnings), sorted by place."""
    return _check(inventory)


@dataclass(frozen=True)
class Validation:
    """The outcome of `validate`: the inventory (if it loaded) and every finding."""

    path: str
    findings: list[Finding]
    inventory: Inventory | None = None
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    def ok(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


def validate(path: str | Path) -> Validation:
    """Load and check; structural and semantic findings together, never an exception
    for a bad inventory (only `InventoryNotFound` for a path that is not one)."""
    try:
        inventory = _load(path)
    except InventoryError as exc:
        return Validation(str(path), exc.findings, None, _files_of(path))
    return Validation(str(path), sort_findings(_check(inventory)), inventory, _files_of(path))


def _files_of(path: str | Path) -> list[str]:
    root = Path(path)
    if root.is_file():
        return [root.as_posix()]
    sites = root / "sites"
    files = [root / "fabric.yaml"]
    if sites.is_dir():
        files += sorted(p for p in sites.iterdir() if p.suffix in (".yaml", ".yml"))
    return [p.as_posix() for p in files]
