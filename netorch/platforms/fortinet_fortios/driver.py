"""Fortinet FortiOS over CLI: no candidate, so keep the config found and restore it.

Each `config ... end` block takes effect as it is typed. On a device in VDOM mode the
commands arrive already wrapped (`config global` ... `end`, `config vdom` / `edit VDOM`
... `end`, see `configs.fortios`), so this driver sends them as they are. Before
pushing, netorch keeps the device's own `show` output; a failed push is undone by
computing, from the config now on the box back to the saved one, the commands that
restore the managed tables (deleting what the push created, setting back what it
changed).
"""

from __future__ import annotations

from typing import ClassVar

from netorch.deploy.change import Change
from netorch.deploy.driver import Driver
from netorch.platforms.fortinet_fortios import config as fortios


class FortiOsDriver(Driver):
    platform = "fortinet_fortios"
    errors: ClassVar[str] = r"Command fail\. Return code|command parse error|" \
                            r"value parse error|node_check_object fail"

    prompt_tail: ClassVar[str] = r"(?: \([^)\n]*\))? [#$] ?"  # `NAME # `, `NAME (vdom) # `

    def get_running(self) -> str:
        return self.show("show")

    last_line: ClassVar[str | None] = "end"

    @classmethod
    def complete(cls, running: str) -> bool:
        """FortiOS's `show` is `config` blocks, each closed by `end`."""
        stripped = [line.strip() for line in running.splitlines() if line.strip()]
        return any(line.startswith("config ") for line in stripped) and stripped[-1] == "end"

    def plan(self, running: str, *, rotate_keys: bool = False) -> Change:
        return fortios.plan_change(running, self.intended, rotate_keys=rotate_keys)

    def managed(self, running: str) -> str:
        return fortios.managed(running, self.intended)

    @classmethod
    def lines(cls, text: str) -> list[str]:
        return fortios.lines(text)

    def push(self, change: Change) -> None:
        self._send(change.commands)

    def rollback(self) -> None:
        now = self.read_running()
        restore = fortios.plan_change(now, self.intended, restore_from=self.saved)
        if restore:
            self._send(restore.commands)

    def _send(self, commands: list[str]) -> None:
        """Send commands, each checked against its echo; a value over several lines (a
        PEM certificate or key) is typed line by line, as FortiOS takes it (Fortinet KB
        198661), and only its last line, which closes the quote, is checked: FortiOS
        answers once the value is whole."""
        batch: list[str] = []
        for command in commands:
            if "\n" not in command:
                batch.append(command)
                continue
            self._batch(batch)
            batch = []
            *lines, last = command.split("\n")
            for line in lines:
                self.conn.write_channel(line + "\n")
            self._batch([last])
        self._batch(batch)

    def _batch(self, commands: list[str]) -> None:
        if commands:
            self.conn.send_config_set(commands, error_pattern=self.errors, cmd_verify=True)
