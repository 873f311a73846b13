"""Write rendered files: one folder per site and device, keys 0600 in 0700 folders,
unchanged files untouched, every write atomic and inside its folder (netorch.fsio)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from netorch.fsio import DIR_MODE, SECRET_DIR_MODE, make_folder, write_under
from netorch.keys import holds_key
from netorch.limit import limit_devices
from netorch.plan.model import FabricPlan

SECRET_MODE = 0o600
PLAIN_MODE = 0o644


@dataclass
class WriteResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def select_devices(plan: FabricPlan, limit: list[str] | None) -> set[str] | None:
    """Devices matched by `--limit` (globs on site or device names, `netorch.limit`);
    None = all."""
    return {d.name for d in limit_devices(plan.devices, limit)} if limit else None


def write_tree(out: Path, plan: FabricPlan, rendered: dict[str, dict[str, str]]
               ) -> WriteResult:
    """out/SITE/DEVICE/FILE, each written atomically inside its folder (fsio): a file
    holding a key (render marked it: `holds_key`) is 0600, others 0644; a device folder
    holding a key, and its site folder, are 0700 whatever the umask (tightened if they
    existed), others 0755; `out`, if created, is 0700 when any file holds a key.
    A symlink planted at a file is replaced, at a folder refused: never followed."""
    site_of = {d.name: d.site for d in plan.devices}
    keyed = {device: {name for name, text in files.items() if holds_key(text)}
             for device, files in rendered.items()}
    make_folder(out, SECRET_DIR_MODE if any(keyed.values()) else DIR_MODE)
    result = WriteResult()
    for device in sorted(rendered):
        dir_mode = SECRET_DIR_MODE if keyed[device] else DIR_MODE
        for name, text in sorted(rendered[device].items()):
            relative = PurePosixPath(site_of[device], device, name)
            mode = SECRET_MODE if name in keyed[device] else PLAIN_MODE
            changed = write_under(out, relative, text, mode=mode, dir_mode=dir_mode)
            (result.written if changed else result.unchanged).append(out / relative)
    return result
