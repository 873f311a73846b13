"""Write rendered files: one folder per site and device, keys 0600, unchanged untouched."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from netorch.errors import UserError
from netorch.inventory.errors import did_you_mean
from netorch.keys import Secret
from netorch.plan.model import FabricPlan

SECRET_MODE = 0o600
PLAIN_MODE = 0o644


@dataclass
class WriteResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def select_devices(plan: FabricPlan, limit: list[str] | None) -> set[str] | None:
    """Devices named by `--limit` (site or device names); None = all."""
    if not limit:
        return None
    sites = {s.name: s.devices for s in plan.sites}
    names = {d.name for d in plan.devices}
    chosen: set[str] = set()
    for item in limit:
        if item in sites:
            chosen.update(sites[item])
        elif item in names:
            chosen.add(item)
        else:
            hint = did_you_mean(item, [*sites, *names])
            raise UserError(f"--limit {item}: no such site or device{hint}")
    return chosen


def device_keys(plan: FabricPlan, secret: Secret | None, devices: set[str] | None = None
                ) -> dict[str, set[str]]:
    """The PSKs of each device (all, or those named), to know which files hold keys."""
    keys: dict[str, set[str]] = {}
    if secret is None or plan.fabric.auth != "psk":
        return keys
    for t in plan.tunnels:
        if t.key_ref is None or (devices is not None
                                 and t.a.device not in devices and t.b.device not in devices):
            continue
        key = secret.derive(plan.fabric.name, t.key_ref)
        for end in (t.a, t.b):
            keys.setdefault(end.device, set()).add(key)
    return keys


def write_tree(out: Path, plan: FabricPlan, rendered: dict[str, dict[str, str]],
               secrets: dict[str, set[str]]) -> WriteResult:
    """out/SITE/DEVICE/FILE; files holding a key are mode 0600, others 0644."""
    site_of = {d.name: d.site for d in plan.devices}
    result = WriteResult()
    for device in sorted(rendered):
        folder = out / site_of[device] / device
        for name, text in sorted(rendered[device].items()):
            keyed = any(k in text for k in secrets.get(device, ()))
            _write(folder / name, text, SECRET_MODE if keyed else PLAIN_MODE, result)
    return result


def _write(path: Path, text: str, mode: int, result: WriteResult) -> None:
    data = text.encode()
    if path.is_file() and path.read_bytes() == data:
        path.chmod(mode)
        result.unchanged.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    tmp.chmod(mode)
    tmp.replace(path)
    result.written.append(path)
