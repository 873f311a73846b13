"""What every rule needs: the inventory, places in files, and iteration helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from netorch.findings import Location
from netorch.inventory.loader import location_of
from netorch.inventory.model import Device, Inventory, Link, Site

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class LinkRef:
    site: Site
    device: Device
    link: Link
    path: PathKey


class Context:
    def __init__(self, inventory: Inventory, now: datetime | None = None) -> None:
        self.inventory = inventory
        self.fabric = inventory.fabric
        self.now = now  # what certificates are held against (None: the clock)

    def at(self, *path: str | int, key: bool = False) -> Location:
        return location_of(self.inventory, path, key=key)

    def sites(self) -> Iterator[tuple[PathKey, Site]]:
        for i, site in enumerate(self.inventory.sites):
            yield ("sites", i), site

    def devices(self) -> Iterator[tuple[PathKey, Site, Device]]:
        for path, site in self.sites():
            for j, device in enumerate(site.devices):
                yield (*path, "devices", j), site, device

    def links(self) -> Iterator[LinkRef]:
        for path, site, device in self.devices():
            for k, link in enumerate(device.links):
                yield LinkRef(site, device, link, (*path, "links", k))
