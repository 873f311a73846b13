"""The allocation lock file: the only source of tunnel and loopback addresses.

`allocations.yaml` beside the inventory (`NAME.allocations.yaml` beside a single-file
one). Only `netorch plan` writes it, atomically; every other command reads it and
refuses when it is missing, damaged or out of date. Reading checks the whole file
(every key, every address, the pools, the end marker) so a truncated or hand-damaged
file is an error, never a partial read that renumbers tunnels.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from netorch.errors import UserError
from netorch.findings import InventoryError
from netorch.fsio import read_regular, write_file
from netorch.plan.allocate import ALLOCATIONS_FILE, Allocations, Retired, allocations_path
from netorch.plan.lockcheck import VERSION, Checker
from netorch.yamlsource import MAX_FILE_BYTES, load_bytes


def missing_message(inventory_path: str) -> str:
    """The one message for a fabric without its lock file, whichever command met it."""
    return (f"no allocation file. For a new fabric run `netorch plan {inventory_path} "
            "--allocate` and commit the file; if it was lost, restore it from version "
            "control (allocating afresh may renumber tunnels)")


def stale_message(inventory_path: str) -> str:
    """The one message for a lock file that lacks what the inventory needs."""
    return (f"allocations are out of date (sites or links changed); run `netorch plan "
            f"{inventory_path}` and commit the updated file")


def missing_error(path: Path, inventory_path: str) -> UserError:
    return UserError(f"{path.as_posix()}: {missing_message(inventory_path)}")


def stale_error(path: Path, inventory_path: str) -> UserError:
    return UserError(f"{path.as_posix()}: {stale_message(inventory_path)}")


@dataclass(frozen=True)
class LockText:
    """What the lock file holds beyond the addresses: the fabric it belongs to."""

    fabric: str
    allocations: Allocations

    def render(self) -> str:
        """The file's text: sorted, one entry per line, an end marker with the counts."""
        a = self.allocations
        tunnels, loopbacks = a.pools or ("", "")
        retired = len(a.retired_loopbacks) + len(a.retired_tunnels)
        lines = [
            f"# Address allocations of fabric {self.fabric}, kept by `netorch plan`.",
            "# Commit this file with the inventory: it keeps every tunnel and loopback",
            "# address stable when sites are added or removed. Do not edit by hand.",
            f"version: {VERSION}",
            f"fabric: {_plain(self.fabric)}",
            f"pools: {{tunnels: {tunnels}, loopbacks: {loopbacks}}}",
            *_held("loopbacks", a.loopbacks),
            *_held("tunnels", a.tunnels),
            "retired:" + ("" if retired else " {loopbacks: {}, tunnels: {}}"),
            *(_retired("loopbacks", a.retired_loopbacks) if retired else ()),
            *(_retired("tunnels", a.retired_tunnels) if retired else ()),
            f"end: {{loopbacks: {len(a.loopbacks)}, tunnels: {len(a.tunnels)}, "
            f"retired: {retired}}}",
        ]
        return "\n".join(lines) + "\n"


def _plain(key: str) -> str:
    """`key` as YAML reads it back as the same string (quoted if it would be a number,
    a boolean, a date...)."""
    try:
        same = yaml.safe_load(key) == key
    except yaml.YAMLError:
        same = False
    return key if same else "'" + key.replace("'", "''") + "'"


def _held(kind: str, entries: dict[str, str]) -> list[str]:
    return [f"{kind}:" + ("" if entries else " {}"),
            *(f"  {_plain(k)}: {v}" for k, v in sorted(entries.items()))]


def _retired(kind: str, entries: dict[str, Retired]) -> list[str]:
    return [f"  {kind}:" + ("" if entries else " {}"),
            *(f"    {_plain(k)}: {{address: {r.address}, released: {r.released.isoformat()}}}"
              for k, r in sorted(entries.items()))]


def read_lock(path: Path, fabric: str) -> Allocations:
    """The allocations in `path`, checked whole against `fabric`'s name.

    The file belongs to the inventory: one that resolves, through a symbolic link,
    outside the folder it is in is refused unread (never quoted in an error).

    Raises:
        UserError: the file cannot be read (missing, not a regular file, too large, a
            link out of its folder).
        InventoryError: it is not a complete, consistent lock file; findings say where.
    """
    folder = Path(os.path.realpath(path.parent))
    raw = read_regular(path, limit=MAX_FILE_BYTES, what="allocation file", inside=folder)
    data, where, findings = load_bytes(raw, path.as_posix())  # one read: checked, parsed
    if findings:
        raise InventoryError(findings)
    parsed = Checker(where, fabric).check(raw, data)
    if parsed.findings:
        raise InventoryError(parsed.findings)
    assert parsed.allocations is not None
    return parsed.allocations


def read_lock_if_any(path: Path, fabric: str) -> Allocations | None:
    """`read_lock`, or None when there is no file at `path` (a dangling link is read,
    and refused as one)."""
    if not path.exists() and not path.is_symlink():
        return None
    return read_lock(path, fabric)


def write_lock(path: Path, fabric: str, allocations: Allocations) -> bool:
    """Write the lock file atomically (temp file in its folder, fsync, rename); False if
    it already held exactly this text. An unwritable folder is a `UserError`."""
    return write_file(path, LockText(fabric, allocations).render())


__all__ = ["ALLOCATIONS_FILE", "VERSION", "LockText", "allocations_path", "missing_error",
           "missing_message", "read_lock", "read_lock_if_any", "stale_error", "stale_message",
           "write_lock"]
