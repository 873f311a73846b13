"""Device credentials: from the environment only, never from the inventory, never printed.

`NETORCH_USERNAME` plus either `NETORCH_PASSWORD` or `NETORCH_SSH_KEY` (a private key
file). The password lives in one object whose `repr` hides it, and is handed only to
the SSH library.
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

    def __repr__(self) -> str:
        secret = "password=<redacted>" if self.password else f"key_file={self.key_file!r}"
        return f"Credentials(username={self.username!r}, {secret})"

    def netmiko_args(self) -> dict[str, object]:
        """What Netmiko needs beyond host and port (the password goes separately)."""
        if self.key_file:
            return {"use_keys": True, "key_file": self.key_file, "allow_agent": False}
        return {"use_keys": False, "allow_agent": False}


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
    return Credentials(username, password,
                       str(Path(key_file).expanduser()) if key_file else None)
