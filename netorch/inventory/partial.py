"""Loading what loads, for `validate`: one site's mistake hides nothing of the others.

A site file that is not YAML is left out. An unknown key is reported and the rest is
checked without it (so what it would hide, such as an unknown platform beside it, is
reported too). A site with any other schema error is left out. The rest of the
inventory is checked as usual, each finding at its own file and line (`SubsetSource`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from netorch.findings import Finding, Location, error
from netorch.inventory.errors import findings_from
from netorch.inventory.loader import placed, read_inventory
from netorch.inventory.model import Inventory
from netorch.yamlsource import PathKey, SourceMap

_UNKNOWN_KEY = "extra_forbidden"


@dataclass
class SubsetSource(SourceMap):
    """The source of an inventory that holds only some of the sites it was read with:
    site `j` here is site `kept[j]` of `base`, so every finding still points at its own
    file and line."""

    base: SourceMap = field(default_factory=SourceMap)
    kept: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for prefix, filemap in self.base.mounts.items():
            renumbered = self._renumbered(prefix)
            if renumbered is not None:
                self.mounts[renumbered] = filemap

    def _renumbered(self, prefix: PathKey) -> PathKey | None:
        """A mount's prefix in this subset (None: the mount of a site left out)."""
        if len(prefix) < 2 or prefix[0] != "sites" or not isinstance(prefix[1], int):
            return prefix
        if prefix[1] not in self.kept:
            return None
        return ("sites", self.kept.index(prefix[1]), *prefix[2:])

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        if len(path) >= 2 and path[0] == "sites" and isinstance(path[1], int) \
                and 0 <= path[1] < len(self.kept):
            path = ("sites", self.kept[path[1]], *path[2:])
        return self.base.locate(path, key=key)


@dataclass(frozen=True)
class Partial:
    """What `load_partial` could make of an inventory: the sites that load (None when
    the fabric itself does not), every finding, the sites left out (file, or file and
    line in a single-file inventory) and their names where they have one."""

    inventory: Inventory | None
    findings: list[Finding]
    left_out: tuple[str, ...] = ()
    fabric_file: str = ""
    left_out_names: frozenset[str] = frozenset()


def load_partial(path: str | Path) -> Partial:
    """Load what can be loaded (see the module); only `InventoryNotFound` is raised."""
    data, source, findings, unread = read_inventory(Path(path))
    fabric_file = source.locate(()).file
    no_site = findings and not data.get("sites") if data is not None else False
    if data is None or no_site or any(f.location.file == fabric_file for f in findings):
        # a YAML problem in the fabric (or single inventory) file, or no site read at all
        # (the sites folder itself could not be read): nothing to judge the rest by
        return Partial(None, findings or [error("invalid", "not an inventory",
                                                source.locate(()))], (), fabric_file)
    names = frozenset(Path(f).stem for f in unread)  # a site file is named after its site
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as exc:
        findings = findings + findings_from(exc, Inventory, source)
        return _without_broken_sites(data, source, exc.errors(include_url=False),
                                     findings, (tuple(unread), names), str(path))
    return Partial(placed(inventory, source, str(path)), findings, tuple(unread),
                   fabric_file, names)


def _without_broken_sites(data: dict[str, Any], source: SourceMap, errors: list[ErrorDetails],
                          findings: list[Finding], unread: tuple[tuple[str, ...], frozenset[str]],
                          path: str) -> Partial:
    """The inventory without the sites whose schema errors are more than unknown keys
    (those keys are dropped); None when an error is in the fabric itself, or no site is
    left."""
    fabric_file = source.locate(()).file
    data = _without_keys(data, [e["loc"] for e in errors if e["type"] == _UNKNOWN_KEY])
    by_site = _errors_by_site([e for e in errors if e["type"] != _UNKNOWN_KEY])
    sites = data.get("sites")
    if by_site is None or not isinstance(sites, list):
        return Partial(None, findings, (), fabric_file)
    broken = set(by_site)
    kept = tuple(i for i in range(len(sites)) if i not in broken)
    try:
        inventory = Inventory.model_validate({**data, "sites": [sites[i] for i in kept]})
    except ValidationError:  # pragma: no cover - each site validates on its own
        return Partial(None, findings, (), fabric_file)
    if not kept:
        return Partial(None, findings, (), fabric_file)
    left_out = sorted([*unread[0], *(_site_place(source, i) for i in broken)])
    names = unread[1] | {s["name"] for i, s in enumerate(sites)
                         if i in broken and isinstance(s, dict) and isinstance(s.get("name"), str)}
    return Partial(placed(inventory, SubsetSource(base=source, kept=kept), path), findings,
                   tuple(left_out), fabric_file, frozenset(names))


def _errors_by_site(errors: list[ErrorDetails]) -> dict[int, list[ErrorDetails]] | None:
    """The schema errors of each site; None if an error is not in a site."""
    out: dict[int, list[ErrorDetails]] = {}
    for err in errors:
        loc = err["loc"]
        if len(loc) < 2 or loc[0] != "sites" or not isinstance(loc[1], int):
            return None
        out.setdefault(loc[1], []).append(err)
    return out


def _without_keys(data: dict[str, Any], paths: list[tuple[int | str, ...]]
                  ) -> dict[str, Any]:
    """A copy of the inventory's data without the unknown keys at `paths`."""
    data = copy.deepcopy(data)
    for key_path in paths:
        parent: Any = data
        for step in key_path[:-1]:
            parent = parent[step]
        parent.pop(key_path[-1], None)
    return data


def _site_place(source: SourceMap, index: int) -> str:
    """A site's own file, or its file and line in a single-file inventory."""
    mount = source.mounts.get(("sites", index))
    if mount is not None:
        return mount.file
    at = source.locate(("sites", index))
    return f"{at.file}:{at.line}"
