"""Device credentials: from the environment only, never from the inventory, never printed.

`NETORCH_USERNAME` plus either `NETORCH_PASSWORD` or `NETORCH_SSH_KEY` (a private key
file). `NETORCH_KNOWN_HOSTS` (an OpenSSH known_hosts file) makes every connection check
the device's host key against it: an unknown or changed key refuses the device. The
password lives in one object whose `repr` hides it, and is handed only to the SSH
library.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from netorch.errors import UserError


class CredentialError(UserError):
    """Credentials are missing or unusable: a user mistake, reported without a traceback."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str | None = field(default=None, repr=False)
    key_file: str | None = None
    known_hosts: str | None = None

    def __repr__(self) -> str:
        secret = "password=<redacted>" if self.password else f"key_file={self.key_file!r}"
        return f"Credentials(username={self.username!r}, {secret})"

    def netmiko_args(self) -> dict[str, object]:
        """What Netmiko needs beyond host and port (the password goes separately)."""
        keys: dict[str, object] = (
            {"use_keys": True, "key_file": self.key_file, "allow_agent": False}
            if self.key_file else {"use_keys": False, "allow_agent": False})
        if self.known_hosts:  # strict: only the keys of this file, none added on the way
            keys |= {"ssh_strict": True, "system_host_keys": False, "alt_host_keys": True,
                     "alt_key_file": self.known_hosts}
        return keys


def from_env(env: Mapping[str, str] | None = None) -> Credentials:
    """Read credentials from `env` (default: the process environment).

    >>> from_env({"NETORCH_USERNAME": "ops", "NETORCH_PASSWORD": "x"})
    Credentials(username='ops', password=<redacted>)
    """
    env = os.environ if env is None else env
    username = env.get("NETORCH_USERNAME", "").strip()
    password = env.get("NETORCH_PASSWORD") or None
    key_file = env.get("NETORCH_SSH_KEY", "").strip() or None
    if not username:
        raise CredentialError("set NETORCH_USERNAME (and NETORCH_PASSWORD or NETORCH_SSH_KEY) "
                              "to reach the devices")
    if not password and not key_file:
        raise CredentialError("set NETORCH_PASSWORD or NETORCH_SSH_KEY for user "
                              f"'{username}'")
    if key_file and not Path(key_file).expanduser().is_file():
        raise CredentialError(f"NETORCH_SSH_KEY: no such file: {key_file}")
    known = env.get("NETORCH_KNOWN_HOSTS", "").strip() or None
    if known and not Path(known).expanduser().is_file():
        raise CredentialError(f"NETORCH_KNOWN_HOSTS: no such file: {known}")
    return Credentials(username, password,
                       str(Path(key_file).expanduser()) if key_file else None,
                       str(Path(known).expanduser()) if known else None)
