"""The driver contract: NAPALM's lifecycle, over a plain Netmiko CLI session.

Why not the stock NAPALM drivers: `ios` loads candidates by SCP and diffs with
`show archive config differences`, `junos` speaks NETCONF; FortiOS and Linux have no
NAPALM driver at all. One CLI-over-SSH contract serves every platform, keeps the
device-side behaviour the same as an engineer typing, and is what the test suite's SSH
simulator and a real sshd can both provide. The lifecycle keeps NAPALM's shape:

    running = get_running(); change = plan(running)   # compare_config
    save()                                             # rollback point
    push(change)                                       # load + commit (confirmed, if any)
    confirm()                                          # make it permanent
    rollback()                                         # back to the saved point

A driver raises `DeviceError` (from `netorch.transport`, re-exported here) for a step
that failed; its options (`DriverOptions`) come with it when it is made.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from netorch.deploy.change import Change
from netorch.deploy.targets import DeviceTarget
from netorch.platforms import registry
from netorch.transport.errors import DeviceError

__all__ = ["Connect", "DeviceError", "Driver", "DriverOptions", "driver_for"]

Connect = Callable[[], Any]


@dataclass(frozen=True)
class DriverOptions:
    """What a driver is told when it is made (from `DeployOptions`), never read from a
    module global: a threaded deploy cannot change it under a running device.

    `timeout`: seconds one step may take (a command's output, one SFTP request);
    `confirm_minutes`: on a commit-confirm platform, how long the device waits for the
    confirming commit before it rolls back by itself (the check after commit must fit).
    """

    timeout: float = 60.0
    confirm_minutes: int = 2


class Driver(ABC):
    """One platform's way to read, change and restore a device over a CLI session."""

    platform: ClassVar[str]
    automatic_rollback: ClassVar[bool] = False
    errors: ClassVar[str] = r"$^"  # regex of the platform's "line rejected" texts

    def __init__(self, target: DeviceTarget, connect: Connect, reconnect: Connect,
                 options: DriverOptions | None = None) -> None:
        self.target = target
        self.options = options or DriverOptions()
        self._connect = connect
        self._reconnect = reconnect
        self.conn: Any = None
        self.saved: str = ""
        self.device_diff: str = ""

    def open(self) -> None:
        self.conn = self._connect()

    def alive(self) -> bool:
        """Whether the SSH session still stands (a dropped one looks like a timeout)."""
        try:
            return bool(self.conn is not None and self.conn.is_alive())
        except Exception:
            return False

    def reopen(self) -> None:
        self.conn = self._reconnect()

    @property
    def intended(self) -> str:
        return "".join(self.target.files.get(name, "") for name in self.files())

    @classmethod
    def files(cls) -> tuple[str, ...]:
        """The rendered files this driver deploys: its platform's `config_files`, in
        that order (the plugin states them once)."""
        return registry()[cls.platform].config_files

    @abstractmethod
    def get_running(self) -> str:
        """The device's running configuration as text."""

    @abstractmethod
    def plan(self, running: str, *, rotate_keys: bool = False) -> Change:
        """What would change `running` into the intended config (empty: nothing).

        A key the device shows encrypted cannot be compared with the rendered one: it
        counts as equal while present, and is sent again only with `rotate_keys`."""

    @abstractmethod
    def managed(self, running: str) -> str:
        """The part of `running` netorch owns, canonical: equal means same state."""

    @classmethod
    def complete(cls, running: str) -> bool:
        """Whether `running` reads as a whole config: not empty, and ending with the
        platform's `last_line` where it has one (IOS's `end`). A read cut short must
        never be diffed: it would hide the operator's BGP process and every conflict
        with it."""
        lines = running.rstrip().splitlines()
        return bool(running.strip()) and (cls.last_line is None or lines[-1] == cls.last_line)

    def read_running(self) -> str:
        """`get_running`, read again when it came back incomplete (a busy session), and
        refused if it still does."""
        for _ in range(self.READ_ATTEMPTS):
            running = self.get_running()
            if self.complete(running):
                return running
        raise DeviceError("device", f"the running config came back incomplete "
                          f"{self.READ_ATTEMPTS} times: nothing is planned from a partial read")

    @classmethod
    def lines(cls, text: str) -> list[str]:
        """Every line of a config as one full path, keys masked (see `configs.lines`).
        Default: the non-blank lines as they are."""
        return [line.rstrip() for line in text.splitlines() if line.strip()]

    def save(self, running: str) -> None:
        """Make a rollback point. Default: remember the running config."""
        self.saved = running

    @abstractmethod
    def push(self, change: Change) -> None:
        """Apply `change` (for commit-confirm platforms: commit it, still unconfirmed)."""

    def confirm(self) -> None:  # noqa: B027 - optional hook, most platforms need nothing
        """Make the pushed change permanent (confirm, save to startup)."""

    @abstractmethod
    def rollback(self) -> None:
        """Return the device to the saved rollback point."""

    def kick(self) -> int:
        """After the device's whole rollout tier committed: start again the tunnels it
        initiates and gave up on while its peers in the tier were still unconfigured; how
        many. Default: nothing (a device that retries by itself needs nothing)."""
        return 0

    # What follows the base prompt on a prompt line (a mode in brackets, then # > or $).
    prompt_tail: ClassVar[str] = r"(?:\([^)\n]*\))?[#>$] ?"
    # The line a whole running config ends with, where the platform has one (IOS's and
    # FortiOS's `end`): the read waits for it right before the prompt.
    last_line: ClassVar[str | None] = None
    READ_ATTEMPTS: ClassVar[int] = 3

    def show(self, command: str) -> str:
        """The whole output of a long `show`: read up to a line that is only the prompt
        (after the config's last line, where it has one). Netmiko's default stops at the
        first match of the base prompt (the host name), which a config prints and
        netorch's own descriptions carry; a prompt left over from an earlier command is
        cleared first, or it would end the read at once."""
        prompt = re.escape(self.conn.base_prompt.strip())
        last = rf"^{re.escape(self.last_line)}\s*" if self.last_line else ""
        self.conn.clear_buffer()
        return self.send(command, expect=rf"(?m){last}^{prompt}{self.prompt_tail}\r?$")

    def send(self, command: str, expect: str | None = None) -> str:
        # auto_find_prompt=False: the base prompt is known since login, and finding it
        # again costs a round trip plus a fixed sleep on every command
        output: str = self.conn.send_command(command, expect_string=expect, strip_prompt=True,
                                             strip_command=True, auto_find_prompt=False)
        return output


def driver_for(platform: str) -> type[Driver] | None:
    """The deploy driver of `platform`, from its plugin; None if it has none."""
    plugin = registry().get(platform)
    return plugin.deploy_driver() if plugin else None
