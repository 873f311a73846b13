"""flatcli over SSH: configure mode holds a candidate, `commit` applies it at once.

The session is IOS-like (prompt `NAME#`, `terminal length 0`), so Netmiko's
`cisco_ios` handling serves it. The rollback point is a named checkpoint on the device
(`checkpoint save netorch`); a failed push is undone with `checkpoint restore netorch`,
which puts back the whole running config. A line the device refuses stops the push
before `commit`: the candidate dies with the session, nothing was applied.
"""

from __future__ import annotations

from typing import ClassVar

from netorch.deploy.change import Change
from netorch.deploy.driver import DeviceError, Driver

from . import config

CHECKPOINT = "netorch"


class FlatCliDriver(Driver):
    platform = "flatcli"
    errors: ClassVar[str] = r"% (?:Invalid|Incomplete|In use|Commit failed)"
    last_line: ClassVar[str | None] = "end"  # how `show running-config` ends

    def get_running(self) -> str:
        return self.show("show running-config")

    def plan(self, running: str, *, rotate_keys: bool = False) -> Change:
        return config.plan_change(running, self.intended, rotate_keys=rotate_keys)

    def managed(self, running: str) -> str:
        return config.managed(running, self.intended)

    @classmethod
    def lines(cls, text: str) -> list[str]:
        return config.lines(text)

    def save(self, running: str) -> None:
        super().save(running)
        self._expect(f"checkpoint save {CHECKPOINT}", "saved", "save the rollback point")

    def push(self, change: Change) -> None:
        # `configure terminal` ... `commit` ... `end`: Netmiko checks each echoed line
        # against `errors` and stops at the first refusal, before `commit`.
        self.conn.send_config_set([*change.commands, "commit"], error_pattern=self.errors,
                                  cmd_verify=True)

    def rollback(self) -> None:
        if self.conn.check_config_mode():
            self.conn.exit_config_mode()
        self._expect(f"checkpoint restore {CHECKPOINT}", "restored", "restore the checkpoint")

    def _expect(self, command: str, word: str, what: str) -> None:
        if word not in self.send(command):
            raise DeviceError("device", f"could not {what} ({command})")
