"""The Python API: everything the CLI does, callable from CI jobs and other tools.

>>> from netorch import api
>>> inventory = api.load("inventories/eastern-region")   # doctest: +SKIP
>>> [f.render() for f in api.check(inventory)]          # doctest: +SKIP
[]
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from netorch.checks import check as _check
from netorch.errors import UserError
from netorch.findings import Finding, InventoryError
from netorch.fingerprint import source_files
from netorch.inventory import Inventory, InventoryNotFound
from netorch.inventory import load as _load
from netorch.plan import Allocations, FabricPlan, PlanResult, allocate_addresses, make_plan
from netorch.plan.allocate import allocation_date
from netorch.plan.lockfile import (
    allocations_path,
    missing_error,
    read_lock_if_any,
    stale_error,
    write_lock,
)
from netorch.validation import validate_all

if TYPE_CHECKING:
    from netorch.keys import Secret
    from netorch.pki import FabricPki, PkiStatus
    from netorch.render import RenderOptions

__all__ = ["Allocations", "FabricPlan", "Inventory", "InventoryError", "InventoryNotFound",
           "PlanResult", "RenderOptions", "Secret", "Validation", "allocate", "check",
           "check_clean", "load", "load_checked", "load_pki", "locked_allocations", "pki_status",
           "plan", "plan_result", "render", "validate"]

# Re-exported on first use: validate and plan start without Jinja2 and cryptography.
_LAZY = {"RenderOptions": "netorch.render", "Secret": "netorch.keys"}


def __getattr__(name: str) -> object:
    """`api.RenderOptions` and `api.Secret`, imported when first asked for (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def check_clean(inventory: Inventory) -> list[Finding]:
    """Every finding of `check` (the warnings and notes a caller may show).

    Raises:
        InventoryError: any finding is an error; `.findings` holds the errors.
    """
    findings = _check(inventory)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise InventoryError(errors)
    return findings


def load_checked(path: str | Path) -> Inventory:
    """Load and check: what every command but `validate` starts with.

    Raises:
        InventoryNotFound: the path is not an inventory.
        InventoryError: it does not load, or a check finds an error (all of them).
    """
    inventory = _load(path)
    check_clean(inventory)
    return inventory


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
        return [f for f in self.findings if f.is_warning]

    def ok(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


def validate(path: str | Path, *, today: date | None = None) -> Validation:
    """Every problem of every stage at once — YAML, schema, checks across sites, the
    plan, the lock file — never an exception for a bad inventory (only
    `InventoryNotFound` for a path that is not one). A stage that cannot look at part
    of the inventory says so in a note (`netorch.validation`).

    Never writes: the plan is made in memory with the lock file, and a missing or out of
    date lock file is an error naming `netorch plan`. `inventory` is None unless every
    site loaded."""
    findings, inventory = validate_all(path, today=today)
    files = [f.as_posix() for f in source_files(Path(path))]
    return Validation(str(path), findings, inventory, files)


def saved_allocations(inventory: Inventory) -> Allocations | None:
    """The inventory's lock file (`allocations.yaml`) checked whole, or None if it has
    none (or the inventory was built in Python).

    Raises:
        InventoryError: the file is damaged or truncated; findings say where.
        UserError: it cannot be read.
    """
    if not inventory.path:
        return None
    return read_lock_if_any(allocations_path(inventory.path), inventory.fabric.name)


def locked_allocations(inventory: Inventory, *, today: date | None = None) -> Allocations:
    """The allocations of the lock file, the only source of addresses for everything but
    `allocate`. Raises `UserError` when there is none or it is out of date (the
    inventory needs addresses it does not hold: run `netorch plan`), `InventoryError`
    when it is damaged."""
    saved = _lock(inventory)
    wanted, _ = allocate_addresses(inventory, saved, allocation_date(today))
    if wanted is not None and wanted != saved:
        raise stale_error(allocations_path(inventory.path), inventory.path)
    return saved


def _lock(inventory: Inventory) -> Allocations:
    """The lock file's allocations; `UserError` when there is none."""
    if not inventory.path:
        raise UserError("an inventory built in Python has no allocation file: pass the "
                        "allocations to use (`api.plan(inventory, allocations)`)")
    saved = saved_allocations(inventory)
    if saved is None:
        raise missing_error(allocations_path(inventory.path), inventory.path)
    return saved


def allocate(inventory: Inventory, *, create: bool = False, frozen: bool = False,
             today: date | None = None) -> tuple[PlanResult, bool]:
    """What `netorch plan` does: plan with the lock file and save the allocations it
    needs (atomically), released addresses retired on `today`. Returns the result and
    whether the file was written.

    Raises:
        UserError: no lock file and not `create`; out of date and `frozen`; unwritable.
        InventoryError: the lock file is damaged, or the plan has errors.
    """
    path = allocations_path(inventory.path)
    saved = saved_allocations(inventory)
    if saved is None and not create:
        raise missing_error(path, inventory.path)
    result = make_plan(inventory, saved, today=allocation_date(today), paths=True)
    if result.plan is None:
        raise InventoryError(result.findings)
    if frozen:
        if result.allocations != saved:
            raise stale_error(path, inventory.path)
        return result, False
    # unchanged allocations are rewritten only to bring an older file to this format
    return result, write_lock(path, inventory.fabric.name, result.allocations)


def plan_result(inventory: Inventory, allocations: Allocations | None = None, *,
                today: date | None = None) -> PlanResult:
    """Plan with the given allocations, else the lock file's (`locked_allocations`:
    refused when missing or out of date); never raises for plan-time problems (pool
    exhausted, no common proposal): they are findings."""
    if allocations is not None:
        return make_plan(inventory, allocations, today=today)
    saved = _lock(inventory)  # what `locked_allocations` checks, allocating only once
    result = make_plan(inventory, saved, today=today)
    if result.allocations != saved:
        raise stale_error(allocations_path(inventory.path), inventory.path)
    return result


def plan(inventory: Inventory, allocations: Allocations | None = None, *,
         today: date | None = None) -> FabricPlan:
    """The fabric plan, addresses from the lock file (or `allocations`). Raises
    `UserError` without an up-to-date lock file, `InventoryError` if a plan-time
    finding prevents the plan."""
    result = plan_result(inventory, allocations, today=today)
    if result.plan is None:
        raise InventoryError(result.findings)
    return result.plan


def render(plan: FabricPlan, secret: Secret | None = None, *, redact: bool = False,
           options: RenderOptions | None = None, devices: set[str] | None = None
           ) -> dict[str, dict[str, str]]:
    """Every device's configuration files, `{device: {file name: text}}`.

    A PSK fabric needs `secret` (`netorch.keys.load_secret()`), unless `redact`.
    """
    from netorch.render import render as _render  # noqa: PLC0415 - lazy: Jinja2, render only

    return _render(plan, secret, redact=redact, options=options, devices=devices)


def load_pki(inventory: Inventory, *, root: Path | None = None) -> FabricPki | None:
    """The fabric's PKI folder parsed (certificates, CRL, ledger); None for a PSK fabric
    or a certificate fabric without one (certificates managed out of band). `root`
    overrides the folder (`DIR/pki`, or `NAME.pki` beside a single file)."""
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509

    return pki.load_pki(pki.fabric_view(inventory, root))


def pki_status(path: str | Path | Inventory, *, now: datetime | None = None,
               renew_within: int = 30) -> PkiStatus:
    """`pki status`: the CA's and each device certificate's serial, expiry and state.

    Raises:
        UserError: the fabric has no PKI folder, or authenticates with PSKs.
    """
    from netorch import pki  # noqa: PLC0415 - lazy: cryptography's x509

    inventory = path if isinstance(path, Inventory) else load(path)
    view = pki.fabric_view(inventory)
    pki.require_ca(view)
    found = pki.load_pki(view)
    assert found is not None  # require_ca: a certificate fabric with a PKI folder
    return pki.status(found, now=now, renew_within=renew_within)
