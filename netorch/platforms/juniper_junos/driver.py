"""Juniper Junos over CLI: a candidate in `configure exclusive`, then `commit confirmed`.

The change is staged in an exclusive candidate (another session cannot interleave),
committed with `commit confirmed N` (which runs the commit checks first): if netorch loses
the device before confirming, Junos rolls back by itself after N minutes (the deploy's
`confirm_minutes`, 2 unless told). A failure before the commit leaves nothing behind
(the candidate is discarded on exit); after it, netorch rolls back explicitly
(`rollback 1` + `commit`) rather than wait.
What is netorch's in the running config, and what is a conflict, is decided by
`netorch.platforms.juniper_junos.config` (ownership by name; see there).
"""

from __future__ import annotations

from typing import ClassVar

from netorch.deploy.change import Change
from netorch.deploy.driver import DeviceError, Driver
from netorch.platforms.juniper_junos import config as junos


class JunosDriver(Driver):
    platform = "juniper_junos"
    automatic_rollback = True
    errors: ClassVar[str] = r"syntax error|(?m:^error:)|unknown command|missing argument|" \
                            r"invalid value"

    in_config = False

    def get_running(self) -> str:
        prefix = "run " if self.in_config else ""
        return self.show(f"{prefix}show configuration | display set")

    @classmethod
    def complete(cls, running: str) -> bool:
        """Junos always shows some statement (`set version`, `set system ...`)."""
        return any(line.startswith(("set ", "deactivate ")) for line in running.splitlines())

    def plan(self, running: str, *, rotate_keys: bool = False) -> Change:
        return junos.plan_change(running, self.intended, rotate_keys=rotate_keys)

    def managed(self, running: str) -> str:
        return junos.managed(running, self.intended)

    @classmethod
    def lines(cls, text: str) -> list[str]:
        return junos.lines(text)

    def _configure(self) -> None:
        output = self.conn.config_mode("configure exclusive")
        if "locked" in output:
            raise DeviceError("device", "configuration database is locked by another user")
        self.in_config = True

    def _exit(self) -> None:
        self.conn.exit_config_mode()
        self.in_config = False

    def reopen(self) -> None:
        self.in_config = False
        super().reopen()

    def push(self, change: Change) -> None:
        """Stage, diff and `commit confirmed`; stays in configuration mode so the check
        after commit and the confirming `commit` need no second `configure`."""
        self._configure()
        self.conn.send_config_set(change.commands, enter_config_mode=False,
                                  exit_config_mode=False, error_pattern=self.errors,
                                  cmd_verify=True)
        self.device_diff = self.send("show | compare")
        done = self.send(f"commit confirmed {self.options.confirm_minutes}")
        if "commit complete" not in done:
            raise DeviceError("rejected", "commit confirmed failed (commit check refused it)")

    def confirm(self) -> None:
        if not self.in_config:
            self._configure()
        done = self.send("commit")
        self._exit()
        if "commit complete" not in done:
            raise DeviceError("device", "confirming commit failed")

    def rollback(self) -> None:
        if not self.in_config:
            self._configure()
        self.send("rollback 1")
        done = self.send("commit")
        self._exit()
        if "commit complete" not in done:
            raise DeviceError("device", "rollback commit failed")
