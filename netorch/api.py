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
from netorch.keys import Secret
from netorch.plan import Allocations, FabricPlan, PlanResult, make_plan
from netorch.plan.allocate import allocations_path, read_allocations
from netorch.render import RenderOptions
from netorch.render import render as _render

__all__ = ["Allocations", "FabricPlan", "Inventory", "InventoryError", "InventoryNotFound",
           "PlanResult", "RenderOptions", "Secret", "Validation", "check", "load", "plan",
           "plan_result", "render", "validate"]


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
    findings = _check(inventory)
    if not any(f.is_error for f in findings):
        findings += plan_result(inventory).findings
    return Validation(str(path), sort_findings(findings), inventory, _files_of(path))


def saved_allocations(inventory: Inventory) -> Allocations | None:
    """The inventory's allocation file (`allocations.yaml`), or None if it has none yet."""
    if not inventory.path:
        return None
    path = allocations_path(inventory.path)
    return read_allocations(path) if path.is_file() else None


def plan_result(inventory: Inventory, allocations: Allocations | None = None) -> PlanResult:
    """Plan with the given allocations, else the saved ones, else fresh; never raises
    for plan-time problems (pool exhausted, no common proposal): they are findings."""
    if allocations is None:
        allocations = saved_allocations(inventory)
    return make_plan(inventory, allocations)


def plan(inventory: Inventory, allocations: Allocations | None = None) -> FabricPlan:
    """The fabric plan. Raises `InventoryError` if a plan-time finding prevents it."""
    result = plan_result(inventory, allocations)
    if result.plan is None:
        raise InventoryError(result.findings)
    return result.plan


def _files_of(path: str | Path) -> list[str]:
    root = Path(path)
    if root.is_file():
        return [root.as_posix()]
    sites = root / "sites"
    files = [root / "fabric.yaml"]
    if sites.is_dir():
        files += sorted(p for p in sites.iterdir() if p.suffix in (".yaml", ".yml"))
    return [p.as_posix() for p in files]


def render(plan: FabricPlan, secret: Secret | None = None, *, redact: bool = False,
           options: RenderOptions | None = None, devices: set[str] | None = None
           ) -> dict[str, dict[str, str]]:
    """Every device's configuration files, `{device: {file name: text}}`.

    A PSK fabric needs `secret` (`netorch.keys.load_secret()`), unless `redact`.
    """
    return _render(plan, secret, redact=redact, options=options, devices=devices)
