"""What deploy works on: one `DeviceTarget` per device (where it is, what to put on it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from netorch import errors
from netorch.limit import limit_devices

HUBS, SPOKES, MESH = "hubs", "spokes", "all"
TIER_ORDER = (HUBS, SPOKES, MESH)  # rollout order: hubs before the spokes that dial them


class UsageError(errors.UsageError):
    """The caller asked for something impossible (unknown device, bad option)."""


@dataclass(frozen=True)
class DeviceTarget:
    name: str
    platform: str
    host: str
    port: int = 22
    site: str = ""
    # {file name: text} from `render`; one holding a key is marked (`keys.holds_key`),
    # and a driver writing files writes it 0600
    files: Mapping[str, str] = field(default_factory=dict, repr=False)
    tier: str = MESH  # HUBS, SPOKES, or MESH when the fabric has no hub
    peers: frozenset[str] | None = None  # devices it has tunnels with (None: not known)


class _Device(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def mgmt(self) -> str: ...
    @property
    def site(self) -> str: ...
    @property
    def hub(self) -> bool: ...


class _End(Protocol):
    @property
    def device(self) -> str: ...


class _Tunnel(Protocol):
    @property
    def a(self) -> _End: ...
    @property
    def b(self) -> _End: ...


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
                  limit: Sequence[str] = (), tunnels: Iterable[_Tunnel] | None = None
                  ) -> list[DeviceTarget]:
    """Targets for `devices` (e.g. `FabricPlan.devices`), files from `render`, sorted.

    `limit` keeps devices whose name or site matches any of the patterns (globs). Each
    target's tier: HUBS for a hub site's device, SPOKES for the others, MESH for every
    device of a fabric without hubs (a full mesh). `tunnels` (e.g. `FabricPlan.tunnels`)
    name each target's peers (see `runner`: a device is kicked after its tier only when a
    peer is in the same tier).
    """
    peers = None if tunnels is None else _peers(tunnels)
    devices = list(devices)
    has_hubs = any(d.hub for d in devices)
    chosen = limit_devices(devices, limit)  # the one `--limit` matcher of every command
    out = []
    for device in sorted(chosen, key=lambda d: d.name):
        host, port = split_mgmt(device.mgmt)
        tier = (HUBS if device.hub else SPOKES) if has_hubs else MESH
        out.append(DeviceTarget(device.name, device.platform, host, port, device.site,
                                dict(rendered.get(device.name, {})), tier,
                                None if peers is None else frozenset(peers.get(device.name, ()))))
    return out


def _peers(tunnels: Iterable[_Tunnel]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for tunnel in tunnels:
        out.setdefault(tunnel.a.device, set()).add(tunnel.b.device)
        out.setdefault(tunnel.b.device, set()).add(tunnel.a.device)
    return out

