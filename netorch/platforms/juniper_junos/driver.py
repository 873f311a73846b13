"""Juniper Junos over CLI: a candidate in `configure exclusive`, then `commit confirmed`.

The change is staged in an exclusive candidate (another session cannot interleave),
committed with `commit confirmed N` (which runs the commit checks first): if netorch loses
the device before confirming, Junos rolls back by itself after N minutes (the deploy's
`confirm_minutes`, 2 unless told). A failure before the commit leaves nothing behind
(the candidate is discarded on exit); after it, netorch rolls back explicitly
(`rollback 1` + `commit`) rather than wait.
What is netorch's in the running config, and what is a conflict, is decided by
`netorch.platforms.juniper_junos.config` (ownership by name; see there).

A certificate fabric's CA certificate, device certificate and CRL (rendered beside
config.set) are compared with what the box has loaded whenever the running config is
read, and the ones it lacks are uploaded over SFTP and loaded right after `commit
confirmed`, before the check (`pki`); a load the box refuses fails the deploy with the
box's own words, and the config is rolled back.
"""

from __future__ import annotations

import re
from typing import ClassVar

from netorch.deploy.change import Change
from netorch.deploy.driver import Connect, DeviceError, Driver, DriverOptions
from netorch.deploy.targets import DeviceTarget
from netorch.platforms.juniper_junos import config as junos
from netorch.platforms.juniper_junos import pki
from netorch.transport.sftp import RemoteFiles


class JunosDriver(Driver):
    platform = "juniper_junos"
    automatic_rollback = True
    errors: ClassVar[str] = r"syntax error|(?m:^error:)|unknown command|missing argument|" \
                            r"invalid value"

    in_config = False

    def __init__(self, target: DeviceTarget, connect: Connect, reconnect: Connect,
                 options: DriverOptions | None = None) -> None:
        super().__init__(target, connect, reconnect, options)
        self.pki_items = pki.items(self.intended, target.files)
        self.pki_have: dict[str, str | None] = {}

    def get_running(self) -> str:
        prefix = "run " if self.in_config else ""
        running = self.show(f"{prefix}show configuration | display set")
        self.pki_have = {i.kind: pki.shown(i.kind, self.send(prefix + i.show))
                         for i in self.pki_items}
        return running

    @classmethod
    def complete(cls, running: str) -> bool:
        """Junos always shows some statement (`set version`, `set system ...`)."""
        return any(line.startswith(("set ", "deactivate ")) for line in running.splitlines())

    def plan(self, running: str, *, rotate_keys: bool = False) -> Change:
        change = junos.plan_change(running, self.intended, rotate_keys=rotate_keys)
        loads = pki.stale(self.pki_items, self.pki_have)
        if not loads:
            return change
        return Change(change.diff + pki.diff_lines(loads, self.pki_have),
                      [*change.commands, *(i.load for i in loads)], change.conflicts)

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
        config = [c for c in change.commands if not c.startswith(pki.LOAD_PREFIX)]
        if config:
            self.conn.send_config_set(config, enter_config_mode=False,
                                      exit_config_mode=False, error_pattern=self.errors,
                                      cmd_verify=True)
        self.device_diff = self.send("show | compare")
        done = self.send(f"commit confirmed {self.options.confirm_minutes}")
        if "commit complete" not in done:
            raise DeviceError("rejected", "commit confirmed failed (commit check refused it)")
        self._load([i for i in self.pki_items if i.load in change.commands])

    def _load(self, loads: list[pki.Item]) -> None:
        """Upload each file to /var/tmp and load it (answering the CA fingerprint
        question); the uploaded copies are removed again."""
        if not loads:
            return
        files = RemoteFiles(self.conn.remote_conn_pre, self.options.timeout)
        try:
            for item in loads:
                files.replace(files.write_temp(item.remote, self.target.files[item.file],
                                               0o644), item.remote)
                output = self._answer(item.load)
                files.remove(item.remote)
                why = pki.failed(item, output)
                if why is not None:
                    raise DeviceError("device", why)
        finally:
            files.close()

    def _answer(self, command: str) -> str:
        prompt = rf"^{re.escape(self.conn.base_prompt.strip())}{self.prompt_tail}\r?$"
        output = self.send(command, expect=rf"(?m)\[yes,no\]|{prompt}")
        if "[yes,no]" in output:
            output += self.send("yes", expect=f"(?m){prompt}")
        return output

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
