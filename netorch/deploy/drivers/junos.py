"""Juniper Junos over CLI: a candidate in `configure exclusive`, then `commit confirmed`.

The change is staged in an exclusive candidate (another session cannot interleave),
checked with `commit check`, and committed with `commit confirmed N`: if netorch loses
the device before confirming, Junos rolls back by itself after N minutes. A failure
before the commit leaves nothing behind (the candidate is discarded on exit); after it,
netorch rolls back explicitly (`rollback 1` + `commit`) rather than wait.
"""

from __future__ import annotations

from typing import ClassVar

from netorch.deploy.configs import Change, junos
from netorch.deploy.drivers.base import DeviceError, Driver

CONFIRM_MINUTES = 2


class JunosDriver(Driver):
    platform = "juniper_junos"
    netmiko_type = "juniper_junos"
    automatic_rollback = True
    errors: ClassVar[str] = r"syntax error|(?m:^error:)|unknown command|missing argument|" \
                            r"invalid value"

    @classmethod
    def files(cls) -> tuple[str, ...]:
        return ("config.set",)

    def get_running(self) -> str:
        return self.send("show configuration | display set")

    def plan(self, running: str) -> Change:
        return junos.plan_change(running, self.intended)

    def managed(self, running: str) -> str:
        return junos.managed(running, self.intended)

    def _configure(self) -> None:
        output = self.conn.config_mode("configure exclusive")
        if "locked" in output:
            raise DeviceError("device", "configuration database is locked by another user")

    def push(self, change: Change) -> None:
        self._configure()
        self.conn.send_config_set(change.commands, enter_config_mode=False,
                                  exit_config_mode=False, error_pattern=self.errors,
                                  cmd_verify=True)
        self.device_diff = self.send("show | compare")
        check = self.send("commit check")
        if "configuration check succeeds" not in check:
            raise DeviceError("rejected", "commit check failed")
        done = self.send(f"commit confirmed {CONFIRM_MINUTES}")
        if "commit complete" not in done:
            raise DeviceError("rejected", "commit confirmed failed")
        self.conn.exit_config_mode()

    def confirm(self) -> None:
        self._configure()
        done = self.send("commit")
        self.conn.exit_config_mode()
        if "commit complete" not in done:
            raise DeviceError("device", "confirming commit failed")

    def rollback(self) -> None:
        self._configure()
        self.send("rollback 1")
        done = self.send("commit")
        self.conn.exit_config_mode()
        if "commit complete" not in done:
            raise DeviceError("device", "rollback commit failed")
