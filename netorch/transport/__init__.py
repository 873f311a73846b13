"""How netorch reaches a device: SSH through Netmiko sessions in a Nornir run.

Deploy and verify both connect through this package and nothing else:

- `credentials`: who logs in (`NETORCH_USERNAME`, `NETORCH_PASSWORD` or
  `NETORCH_SSH_KEY`) and which host keys are trusted (`NETORCH_KNOWN_HOSTS`);
- `endpoint`: what a device must say to be reached (`Endpoint`);
- `nornir_inventory`: the in-memory Nornir inventory, one Netmiko session per host;
- `sftp`: files onto a device over SFTP on that session;
- `errors`: what went wrong, as a `DeviceError` safe to print.

This module itself loads neither Nornir nor Netmiko: import the submodules that need
them where a command really connects.
"""

from __future__ import annotations

from netorch.transport.credentials import CredentialError, Credentials, from_env
from netorch.transport.endpoint import Endpoint, address
from netorch.transport.errors import DeviceError, as_device_error

__all__ = ["CredentialError", "Credentials", "DeviceError", "Endpoint", "address",
           "as_device_error", "from_env"]
