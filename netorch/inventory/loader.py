"""Load an inventory from a directory (fabric.yaml + sites/*.yaml) or one file."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from netorch.findings import INVISIBLE_CATEGORIES, Finding, InventoryError, Location, error
from netorch.fsio import os_reason
from netorch.inventory.errors import findings_from, shape
from netorch.inventory.model import Inventory
from netorch.yamlsource import FileMap, SourceMap, excerpt, load_file

FABRIC_FILE = "fabric.yaml"
SITES_DIR = "sites"
PKI_FOLDER = "pki"


def pki_dir(inventory_path: str | Path) -> Path:
    """The inventory's public PKI folder (`netorch.pki`): `DIR/pki` for the directory
    form, `NAME.pki` beside a single-file inventory.

    >>> pki_dir("fabric.yaml").as_posix()
    'fabric.pki'
    """
    path = Path(inventory_path)
    if path.is_dir():
        return path / PKI_FOLDER
    return path.with_name(f"{path.stem}.{PKI_FOLDER}")
SITE_SUFFIXES = (".yaml", ".yml")


class InventoryNotFound(Exception):
    """The path is not an inventory at all (a usage error, not a finding)."""


def load(path: str | Path) -> Inventory:
    """Load and structurally validate an inventory; raise `InventoryError` with findings."""
    data, source, findings, _ = read_inventory(Path(path))
    if findings or data is None:
        raise InventoryError(findings or [error("invalid", "not an inventory",
                                                source.locate(()))])
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as exc:
        raise InventoryError(findings_from(exc, Inventory, source)) from None
    return placed(inventory, source, str(path))


def placed(inventory: Inventory, source: SourceMap, path: str) -> Inventory:
    """`inventory`, knowing where it was read from (for findings' places)."""
    inventory._source = source
    inventory._path = path
    return inventory


def read_inventory(root: Path) -> tuple[dict[str, Any] | None, SourceMap, list[Finding], list[str]]:
    """The inventory's data, where each part came from, the findings of reading it, and
    the site files that could not be read as YAML."""
    if root.is_dir():
        return _read_directory(root)
    if os.path.lexists(root):  # a file, or something that is not one: say which
        return (*_read_single(root, "inventory file"), [])
    raise InventoryNotFound(f"no such file or directory: {root}")


def _display(path: Path) -> str:
    return path.as_posix()


def _read_single(path: Path, what: str, inside: Path | None = None
                 ) -> tuple[dict[str, Any] | None, SourceMap, list[Finding]]:
    source = SourceMap()
    data, filemap, findings = load_file(path, _display(path), what, inside=inside)
    source.mount((), filemap)
    if data is not None and not isinstance(data, dict):
        findings.append(_not_mapping(filemap, data, "an inventory file holds 'fabric:' and "
                                     "'sites:'"))
        data = None
    return data, source, findings


def _read_directory(root: Path
                    ) -> tuple[dict[str, Any] | None, SourceMap, list[Finding], list[str]]:
    fabric_path = root / FABRIC_FILE
    if not os.path.lexists(fabric_path):
        raise InventoryNotFound(f"{root} is not an inventory: it has no {FABRIC_FILE}")
    # Files are read only if they resolve inside the inventory: a site file linked to the
    # master secret (or to anything else of the user's) is an error, never read or quoted.
    inside = Path(os.path.realpath(root))
    data, source, findings = _read_single(fabric_path, "fabric file", inside=inside)
    inline = data.get("sites") if isinstance(data, dict) else None
    sites: list[Any] = list(inline) if isinstance(inline, list) else []
    site_paths, listing = site_files(root / SITES_DIR)
    findings.extend(listing)
    unread: list[str] = []
    for site_path in site_paths:
        site, filemap, site_findings = load_file(site_path, _display(site_path), "site file",
                                                 inside=inside)
        findings.extend(site_findings)
        if site is None or site_findings:  # not YAML as meant: left out, not guessed at
            unread.append(_display(site_path))
            continue
        if not isinstance(site, dict):
            findings.append(_not_mapping(filemap, site, "a site file holds one site"))
            unread.append(_display(site_path))
            continue
        source.mount(("sites", len(sites)), filemap)
        sites.append(site)
    if isinstance(data, dict) and (isinstance(inline, list) or "sites" not in data):
        data = {**data, "sites": sites}
    if isinstance(data, dict) and data["sites"] in ([], None) and not findings:
        findings.append(error("no-sites", f"the inventory has no sites: add one YAML file per "
                              f"site in {_display(root / SITES_DIR)}/",
                              source.locate(("sites",), key=True)))
    return data, source, findings, unread


def site_files(sites_dir: Path) -> tuple[list[Path], list[Finding]]:
    """The site files of `sites/`: every entry named exactly `*.yaml` or `*.yml`, whatever
    it is (a folder, FIFO, dangling symlink or symlink loop by that name is reported where
    it is read, never skipped: a site must not vanish silently), sorted; and a finding for
    each entry whose name only looks like one (`x.YAML`, `x.yaml `, `x.yml.`). Hidden
    entries are skipped unless named exactly so, and an editor's lock file (`.#x.yaml`)
    always is."""
    if not os.path.lexists(sites_dir):
        return [], []
    try:
        entries = list(sites_dir.iterdir())
    except OSError as exc:
        return [], [error("io", f"cannot list the sites folder: {os_reason(sites_dir, exc)}",
                          Location(_display(sites_dir), 1, 1))]
    files, misnamed = [], []
    for entry in sorted(entries):
        if entry.name.startswith(".#"):
            continue
        if entry.name.endswith(SITE_SUFFIXES):
            files.append(entry)
        elif not entry.name.startswith(".") and (rename := _intended_name(entry.name)):
            misnamed.append(error(
                "site-file-name", "not read as a site file: its name must end in exactly "
                f"'.yaml' or '.yml' (lower case, nothing after it); rename it to "
                f"{excerpt(rename, 255)}", Location(_display(entry), 1, 1)))
    return files, misnamed


def _intended_name(name: str) -> str | None:
    """The site file name `name` was meant to be, if it looks like YAML but is not named
    exactly so: other case, fullwidth letters, trailing blanks, dots or invisible
    characters, bytes that are not UTF-8. None if it does not look like YAML at all.

    >>> _intended_name("beds-hq.YAML"), _intended_name("x.yml. "), _intended_name("x.txt")
    ('beds-hq.yaml', 'x.yml', None)
    """
    trimmed = unicodedata.normalize("NFKC", name)
    while trimmed and (trimmed[-1] in ". " or trimmed[-1].isspace()
                       or unicodedata.category(trimmed[-1]) in _TRAILING_JUNK):
        trimmed = trimmed[:-1]
    suffix = next((s for s in SITE_SUFFIXES if trimmed.lower().endswith(s)), None)
    if suffix is None or len(trimmed) == len(suffix):
        return None
    return trimmed[: -len(suffix)] + suffix


_TRAILING_JUNK = INVISIBLE_CATEGORIES | {"Zs"}


def site_file_of(inventory: Inventory, index: int) -> str | None:
    """The file site `index` was read from, when it has one of its own (the directory
    form); None for a single-file inventory or one built in Python."""
    source: SourceMap | None = inventory.source
    filemap = source.mounts.get(("sites", index)) if source is not None else None
    return filemap.file if filemap is not None else None


def _not_mapping(filemap: FileMap, data: Any, what: str) -> Finding:
    """A whole file that is not a mapping. Its content is not quoted, not even a prefix:
    it may be anything (a secret a symbolic link leads to), so only its shape is named."""
    return error("yaml-not-mapping", f"expected a mapping, got {shape(data)}: {what}",
                 filemap.locate(()))


def location_of(inventory: Inventory, path: tuple[str | int, ...], *, key: bool = False
                ) -> Location:
    """Where `path` came from; for inventories built in Python, a synthetic place."""
    source: SourceMap | None = inventory.source
    if source is None:
        return Location(inventory.path or "<inventory>", 0, 0)
    return source.locate(path, key=key)
