"""Cisco IOS-XE over CLI: lines apply as typed, so save first and `configure replace` back.

The rollback point is a copy of the running config in flash
(`copy running-config flash:netorch-rollback.cfg`); a failed push is undone with
`configure replace flash:netorch-rollback.cfg force`, which restores the whole config
atomically. A successful deploy is saved with `write memory`.
"""

from __future__ import annotations

import re
from typing import ClassVar

from netorch.deploy.change import Change
from netorch.deploy.driver import DeviceError, Driver
from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe import pki

ROLLBACK_FILE = "flash:netorch-rollback.cfg"


class IosXeDriver(Driver):
    platform = "cisco_iosxe"
    # IOS's refusals: a bad line, and a change IOS will not make (a second BGP process,
    # an object still in use)
    errors: ClassVar[str] = (r"% Invalid input|% Incomplete command|% Ambiguous command|% Unknown"
                             r"|% BGP is already running|is in use by|% ?Error")

    def get_running(self) -> str:
        return self.show("show running-config")

    last_line: ClassVar[str | None] = "end"  # how `show running-config` ends

    def plan(self, running: str, *, rotate_keys: bool = False) -> Change:
        return ios.plan_change(running, self.intended, rotate_keys=rotate_keys)

    def managed(self, running: str) -> str:
        return ios.managed(running, self.intended)

    @classmethod
    def lines(cls, text: str) -> list[str]:
        return ios.lines(text)

    def save(self, running: str) -> None:
        super().save(running)
        output = self.send(f"copy running-config {ROLLBACK_FILE}", expect=r"\]\?|#\s*$")
        if "?" in output:
            output += self.send("", expect=r"#\s*$")
        if "bytes copied" not in output:
            raise DeviceError("device", f"could not save the rollback copy to {ROLLBACK_FILE}")

    def push(self, change: Change) -> None:
        """The commands in one configuration session; each that IOS confirms with a
        [yes/no] question (`pki.CONFIRM`: removing a certificate) is sent alone and
        answered `yes`."""
        batch: list[str] = []
        for command in change.commands:
            if not pki.CONFIRM.match(command):
                batch.append(command)
                continue
            self._send_batch(batch)
            batch = []
            self._confirmed(command)
        self._send_batch(batch)
        self.conn.exit_config_mode()

    def _send_batch(self, commands: list[str]) -> None:
        if commands:
            self.conn.send_config_set(commands, error_pattern=self.errors, cmd_verify=True,
                                      exit_config_mode=False)

    def _confirmed(self, command: str) -> None:
        self.conn.config_mode()
        output = self.conn.send_command(command, expect_string=r"\[yes/no\]", strip_prompt=False,
                                        strip_command=True, auto_find_prompt=False)
        output += self.conn.send_command("yes", expect_string=r"#\s*$", strip_prompt=False,
                                         strip_command=True, auto_find_prompt=False)
        if re.search(self.errors, output):
            raise DeviceError("device", f"{command!r} was refused: {output.strip()}")

    def confirm(self) -> None:
        output = self.send("write memory")
        if "[OK]" not in output:
            raise DeviceError("device", "write memory did not report [OK]")

    def rollback(self) -> None:
        if self.conn.check_config_mode():
            self.conn.exit_config_mode()
        output = self.send(f"configure replace {ROLLBACK_FILE} force")
        if not re.search(r"Rollback Done", output):
            raise DeviceError("device", "configure replace did not report 'Rollback Done'")
