"""What deploy works on: one `DeviceTarget` per device (where it is, what to put on it)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from netorch import errors


class UsageError(errors.UsageError):
    """The caller asked for something impossible (unknown device, bad option)."""


@dataclass(frozen=True)
class DeviceTarget:
    name: str
    platform: str
    host: str
    port: int = 22
    site: str = ""
    files: Mapping[str, str] = field(default_factory=dict, repr=False)


class _Device(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def mgmt(self) -> str: ...
    @property
    def site(self) -> str: ...


def split_mgmt(mgmt: str, default_port: int = 22) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port` into host and port.

    >>> split_mgmt("192.0.2.1:2201")
    ('192.0.2.1', 2201)
    >>> split_mgmt("[::1]:22")
    ('::1', 22)
    >>> split_mgmt("r1.example")
    ('r1.example', 22)
    """
    if mgmt.startswith("["):
        host, _, rest = mgmt[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    host, sep, port = mgmt.rpartition(":")
    return (host, int(port)) if sep and port.isdigit() else (mgmt, default_port)


def build_targets(devices: Iterable[_Device], rendered: Mapping[str, Mapping[str, str]],
                  limit: Sequence[str] = ()) -> list[DeviceTarget]:
    """Targets for `devices` (e.g. `FabricPlan.devices`), files from `render`, sorted.

    `limit` keeps devices whose name or site matches any of the patterns (globs).
    """
    chosen = [d for d in devices if not limit or _matches(d, limit)]
    if limit and not chosen:
        raise UsageError(f"--limit {','.join(limit)} matches no device")
    out = []
    for device in sorted(chosen, key=lambda d: d.name):
        host, port = split_mgmt(device.mgmt)
        out.append(DeviceTarget(device.name, device.platform, host, port, device.site,
                                dict(rendered.get(device.name, {}))))
    return out


def _matches(device: _Device, patterns: Sequence[str]) -> bool:
    names = (device.name, device.site)
    return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in names)
