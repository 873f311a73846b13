"""Inventory model and loader."""

from __future__ import annotations

from netorch.inventory.loader import InventoryNotFound, load, location_of
from netorch.inventory.model import Device, Fabric, Inventory, Link, Site

__all__ = ["Device", "Fabric", "Inventory", "InventoryNotFound", "Link", "Site", "load",
           "location_of"]
