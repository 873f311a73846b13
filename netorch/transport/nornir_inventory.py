"""A Nornir inventory built in memory from netorch's endpoints: no hosts.yaml to keep.

Hosts carry only how to reach the device (address, port, the platform's Netmiko
device type, credentials from the environment, host keys from `NETORCH_KNOWN_HOSTS`);
rendered configs, which may hold keys, stay in deploy's own `DeviceTarget`s and never
enter Nornir's inventory. The plugin is also registered as `NetorchInventory` for
scripts that prefer `InitNornir`. Deploy and verify both connect through here.
"""

from __future__ import annotations

import contextlib
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
from nornir.core.task import Task
from nornir.plugins.runners import ThreadedRunner

from netorch.platforms import registry
from netorch.transport.credentials import Credentials
from netorch.transport.endpoint import Endpoint

CONNECTION = "netmiko"  # the one connection plugin netorch uses


class NetorchInventory:
    """Nornir inventory plugin: `load()` turns endpoints into hosts."""

    def __init__(self, targets: Sequence[Endpoint], credentials: Credentials,
                 timeout: float = 60.0, connect_timeout: float = 10.0) -> None:
        self.targets = targets
        self.credentials = credentials
        self.timeout = timeout
        self.connect_timeout = connect_timeout

    def load(self) -> Inventory:
        hosts = Hosts({t.name: self._host(t) for t in self.targets})
        return Inventory(hosts=hosts, groups=Groups(), defaults=Defaults())

    def _host(self, target: Endpoint) -> Host:
        plugin = registry().get(target.platform)
        extras: dict[str, Any] = {
            **self.credentials.netmiko_args(), "conn_timeout": self.connect_timeout,
            "auth_timeout": self.connect_timeout, "banner_timeout": self.connect_timeout,
            "read_timeout_override": self.timeout, "fast_cli": True,
        }
        return Host(name=target.name, hostname=target.host, port=target.port,
                    username=self.credentials.username, password=self.credentials.password,
                    platform=plugin.netmiko_device_type if plugin else None,
                    data={"netorch_platform": target.platform, "site": target.site},
                    connection_options={CONNECTION: ConnectionOptions(extras=extras)})


InventoryPluginRegister.register("NetorchInventory", NetorchInventory)


def build_nornir(targets: Sequence[Endpoint], credentials: Credentials, *, workers: int,
                 timeout: float = 60.0, connect_timeout: float = 10.0) -> Nornir:
    """A Nornir with a threaded runner and logging off (its log could quote commands)."""
    from nornir_netmiko.connections import (  # noqa: PLC0415 - lazy: Netmiko loads paramiko (~0.2 s)
        Netmiko,
    )

    ConnectionPluginRegister.register(CONNECTION, Netmiko)
    inventory = NetorchInventory(targets, credentials, timeout, connect_timeout).load()
    config = Config(logging=LoggingConfig(enabled=False),
                    runner=RunnerConfig(plugin="threaded", options={"num_workers": workers}))
    return Nornir(inventory=inventory, runner=ThreadedRunner(num_workers=workers),
                  config=config)


def session(task: Task) -> Any:
    """The task's host's Netmiko session: opened on first use, then the same one."""
    return task.host.get_connection(CONNECTION, task.nornir.config)


def close(task: Task) -> None:
    """Close the task's host's session if it has one (failing to close is no failure)."""
    with contextlib.suppress(Exception):
        task.host.close_connection(CONNECTION)
