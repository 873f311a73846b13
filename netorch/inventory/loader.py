"""Load an inventory from a directory (fabric.yaml + sites/*.yaml) or one file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from netorch.findings import Finding, InventoryError, Location, error
from netorch.fsio import os_reason
from netorch.inventory.errors import describe, findings_from
from netorch.inventory.model import Inventory
from netorch.yamlsource import FileMap, SourceMap, load_file

FABRIC_FILE = "fabric.yaml"
SITES_DIR = "sites"
SITE_SUFFIXES = (".yaml", ".yml")


class InventoryNotFound(Exception):
    """The path is not an inventory at all (a usage error, not a finding)."""


def load(path: str | Path) -> Inventory:
    """Load and structurally validate an inventory; raise `InventoryError` with findings."""
    root = Path(path)
    if root.is_dir():
        data, source, findings = _read_directory(root)
    elif os.path.lexists(root):  # a file, or something that is not one: say which
        data, source, findings = _read_single(root, "inventory file")
    else:
        raise InventoryNotFound(f"no such file or directory: {path}")
    if findings or data is None:
        raise InventoryError(findings or [error("invalid", "not an inventory",
                                                source.locate(()))])
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as exc:
        raise InventoryError(findings_from(exc, Inventory, source)) from None
    inventory._source = source
    inventory._path = str(path)
    return inventory


def _display(path: Path) -> str:
    return path.as_posix()


def _read_single(path: Path, what: str
                 ) -> tuple[dict[str, Any] | None, SourceMap, list[Finding]]:
    source = SourceMap()
    data, filemap, findings = load_file(path, _display(path), what)
    source.mount((), filemap)
    if data is not None and not isinstance(data, dict):
        findings.append(_not_mapping(filemap, data, "an inventory file holds 'fabric:' and "
                                     "'sites:'"))
        data = None
    return data, source, findings


def _read_directory(root: Path) -> tuple[dict[str, Any] | None, SourceMap, list[Finding]]:
    fabric_path = root / FABRIC_FILE
    if not os.path.lexists(fabric_path):
        raise InventoryNotFound(f"{root} is not an inventory: it has no {FABRIC_FILE}")
    data, source, findings = _read_single(fabric_path, "fabric file")
    inline = data.get("sites") if isinstance(data, dict) else None
    sites: list[Any] = list(inline) if isinstance(inline, list) else []
    site_paths, listing = _site_files(root / SITES_DIR)
    findings.extend(listing)
    for site_path in site_paths:
        site, filemap, site_findings = load_file(site_path, _display(site_path), "site file")
        findings.extend(site_findings)
        if site is None:
            continue
        if not isinstance(site, dict):
            findings.append(_not_mapping(filemap, site, "a site file holds one site"))
            continue
        source.mount(("sites", len(sites)), filemap)
        sites.append(site)
    if isinstance(data, dict) and (isinstance(inline, list) or "sites" not in data):
        data = {**data, "sites": sites}
    if isinstance(data, dict) and data["sites"] in ([], None) and not findings:
        findings.append(error("no-sites", f"the inventory has no sites: add one YAML file per "
                              f"site in {_display(root / SITES_DIR)}/",
                              source.locate(("sites",), key=True)))
    return data, source, findings


def _site_files(sites_dir: Path) -> tuple[list[Path], list[Finding]]:
    """Every `*.yaml`/`*.yml` entry of `sites/`, whatever it is: a folder, FIFO, dangling
    symlink or symlink loop by that name is reported where it is read, never skipped (a
    site must not vanish silently). Only an editor's lock file (`.#name.yaml`) is."""
    if not os.path.lexists(sites_dir):
        return [], []
    try:
        entries = list(sites_dir.iterdir())
    except OSError as exc:
        return [], [error("io", f"cannot list the sites folder: {os_reason(sites_dir, exc)}",
                          Location(_display(sites_dir), 1, 1))]
    files = [p for p in entries if p.suffix in SITE_SUFFIXES and not p.name.startswith(".#")]
    return sorted(files), []


def _not_mapping(filemap: FileMap, data: Any, what: str) -> Finding:
    return error("yaml-not-mapping", f"expected a mapping, got {describe(data)}: {what}",
                 filemap.locate(()))


def location_of(inventory: Inventory, path: tuple[str | int, ...], *, key: bool = False
                ) -> Location:
    """Where `path` came from; for inventories built in Python, a synthetic place."""
    source: SourceMap | None = inventory.source
    if source is None:
        return Location(inventory.path or "<inventory>", 0, 0)
    return source.locate(path, key=key)
