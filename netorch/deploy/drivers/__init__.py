"""Deploy drivers by platform name (see `base.Driver` for the contract and the why)."""

from __future__ import annotations

from netorch.deploy.drivers.base import DeviceError, Driver
from netorch.deploy.drivers.fortios import FortiOsDriver
from netorch.deploy.drivers.iosxe import IosXeDriver
from netorch.deploy.drivers.junos import JunosDriver
from netorch.deploy.drivers.linux import LinuxDriver

DRIVERS: dict[str, type[Driver]] = {d.platform: d for d in (
    IosXeDriver, JunosDriver, FortiOsDriver, LinuxDriver)}

__all__ = ["DRIVERS", "DeviceError", "Driver", "driver_for"]


def driver_for(platform: str) -> type[Driver] | None:
    return DRIVERS.get(platform)
