"""A Nornir inventory built in memory from netorch's targets: no hosts.yaml to keep.

Hosts carry only how to reach the device (address, port, Netmiko device type,
credentials from the environment); rendered configs, which may hold keys, stay in
netorch's own `DeviceTarget`s and never enter Nornir's inventory. The plugin is also
registered as `NetorchInventory` for scripts that prefer `InitNornir`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nornir.core import Nornir
from nornir.core.configuration import Config, LoggingConfig, RunnerConfig
from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Groups,
    Host,
    Hosts,
    Inventory,
)
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.plugins.inventory import InventoryPluginRegister
from nornir.plugins.runners import ThreadedRunner

from netorch.deploy.credentials import Credentials
from netorch.deploy.driver import driver_for
from netorch.deploy.targets import DeviceTarget


class NetorchInventory:
    """Nornir inventory plugin: `load()` turns targets into hosts."""

    def __init__(self, targets: Sequence[DeviceTarget], credentials: Credentials,
                 timeout: float = 60.0, connect_timeout: float = 10.0) -> None:
        self.targets = targets
        self.credentials = credentials
        self.timeout = timeout
        self.connect_timeout = connect_timeout

    def load(self) -> Inventory:
        hosts = Hosts({t.name: self._host(t) for t in self.targets})
        return Inventory(hosts=hosts, groups=Groups(), defaults=Defaults())

    def _host(self, target: DeviceTarget) -> Host:
        driver = driver_for(target.platform)
        extras: dict[str, Any] = {
            **self.credentials.netmiko_args(), "conn_timeout": self.connect_timeout,
            "auth_timeout": self.connect_timeout, "banner_timeout": self.connect_timeout,
            "read_timeout_override": self.timeout, "fast_cli": True,
        }
        return Host(name=target.name, hostname=target.host, port=target.port,
                    username=self.credentials.username, password=self.credentials.password,
                    platform=driver.netmiko_type if driver else None,
                    data={"netorch_platform": target.platform, "site": target.site},
                    connection_options={"netmiko": ConnectionOptions(extras=extras)})


InventoryPluginRegister.register("NetorchInventory", NetorchInventory)


def build_nornir(targets: Sequence[DeviceTarget], credentials: Credentials, *, workers: int,
                 timeout: float = 60.0, connect_timeout: float = 10.0) -> Nornir:
    """A Nornir with a threaded runner and logging off (its log could quote commands)."""
    # imported here, not at the top: Netmiko brings paramiko (~0.2 s), which validate,
    # plan and render never need (documented lazy import)
    from nornir_netmiko.connections import Netmiko

    ConnectionPluginRegister.register("netmiko", Netmiko)  # the one connection plugin used
    inventory = NetorchInventory(targets, credentials, timeout, connect_timeout).load()
    config = Config(logging=LoggingConfig(enabled=False),
                    runner=RunnerConfig(plugin="threaded", options={"num_workers": workers}))
    return Nornir(inventory=inventory, runner=ThreadedRunner(num_workers=workers),
                  config=config)
