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
"""

from __future__ import annotations

import re
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from netorch.deploy.configs import Change
from netorch.deploy.targets import DeviceTarget

Connect = Callable[[], Any]


class DeviceError(Exception):
    """A device step failed. `kind` is one of unreachable, auth, timeout, rejected,
    session-lost, verify, device; the message is already scrubbed of secrets."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def classify(exc: BaseException) -> str:
    """The kind of a Netmiko / paramiko / socket exception, without reading its text."""
    from netmiko.exceptions import (
        ConfigInvalidException,
        NetmikoAuthenticationException,
        NetmikoTimeoutException,
        ReadTimeout,
    )

    if isinstance(exc, DeviceError):
        return exc.kind
    if isinstance(exc, NetmikoAuthenticationException):
        return "auth"
    if isinstance(exc, ConfigInvalidException):
        return "rejected"
    if isinstance(exc, ReadTimeout):
        return "timeout"
    if isinstance(exc, NetmikoTimeoutException | ConnectionRefusedError | socket.gaierror):
        return "unreachable"
    if isinstance(exc, EOFError | OSError) or type(exc).__name__ in ("SSHException",):
        return "session-lost"
    return "device"


_WHAT = {"auth": "authentication failed", "unreachable": "cannot connect",
         "timeout": "timed out waiting for the device", "session-lost": "SSH session lost",
         "rejected": "the device rejected a line", "device": "unexpected device error"}


def as_device_error(exc: BaseException, step: str, alive: bool = True,
                    where: str = "") -> DeviceError:
    """A safe `DeviceError` for `exc`: the kind and the step, never the library's text
    (Netmiko quotes the command it was sending, which may carry a key). `where` (host
    and port) is named when the step is connecting.

    >>> print(as_device_error(ConnectionRefusedError(), "connect", where="192.0.2.1:22"))
    unreachable: cannot connect to 192.0.2.1:22 (ConnectionRefusedError): is the device up, \
and is its `mgmt:` address and port right?
    """
    if isinstance(exc, DeviceError):
        return exc
    kind = classify(exc)
    if kind == "timeout" and not alive:
        kind = "session-lost"
    name = type(exc).__name__
    if step == "connect" and where:
        if kind == "unreachable":
            return DeviceError(kind, f"cannot connect to {where} ({name}): is the device up, "
                               "and is its `mgmt:` address and port right?")
        return DeviceError(kind, f"{_WHAT[kind]} connecting to {where} ({name})")
    return DeviceError(kind, f"{_WHAT[kind]} during {step} ({name})")


class Driver(ABC):
    """One platform's way to read, change and restore a device over a CLI session."""

    platform: ClassVar[str]
    netmiko_type: ClassVar[str]
    automatic_rollback: ClassVar[bool] = False
    errors: ClassVar[str] = r"$^"  # regex of the platform's "line rejected" texts

    def __init__(self, target: DeviceTarget, connect: Connect, reconnect: Connect) -> None:
        self.target = target
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
    @abstractmethod
    def files(cls) -> tuple[str, ...]:
        """The rendered files this driver deploys."""

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
