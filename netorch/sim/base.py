"""What every simulated device shares: identity, faults, and the CLI session contract.

A `SimDevice` holds the device's state (running config, files, commit history) and
is shared by every SSH session to it; a `CliSession` is one logged-in user typing
lines, with its own mode (exec / config / sub-mode) and, on Junos, its own candidate.
All of it runs on the simulator's single event-loop thread, so no locks are needed.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal

from netorch.deploy.change import ConfigParseError

Action = Literal["ok", "hang", "drop"]


__all__ = ["ConfigParseError"]  # one error type for every config reader


@dataclass
class Faults:
    """Failures a test injects into one device.

    `hang_on` / `drop_on` are regular expressions matched against each received
    line; they fire once (so the driver's reconnect-and-rollback can succeed) unless
    `sticky` is set. `ignore_on_commit` lines are accepted but silently not applied,
    like a device that takes a command and does nothing with it.
    """

    refuse: bool = False
    reject_auth: bool = False
    hang_on: str | None = None
    drop_on: str | None = None
    ignore_on_commit: str | None = None
    sas_down: bool = False
    sticky: bool = False
    fired: list[str] = field(default_factory=list)

    def match(self, kind: Literal["hang_on", "drop_on"], line: str) -> bool:
        pattern = getattr(self, kind)
        if pattern is None or not re.search(pattern, line):
            return False
        self.fired.append(f"{kind}: {line.split(maxsplit=1)[0] if line.split() else ''}")
        if not self.sticky:
            setattr(self, kind, None)
        return True


@dataclass
class Reply:
    text: str = ""
    action: Action = "ok"


class SimDevice(ABC):
    """One simulated box: its name, credentials, faults and platform state."""

    platform: str = ""

    def __init__(self, name: str, username: str = "netorch", password: str = "lab-pass") -> None:
        self.name = name
        self.username = username
        self.password = password
        self.faults = Faults()
        self.port = 0
        self.commands: list[str] = []
        self.config_lines_received = 0

    @abstractmethod
    def session(self) -> CliSession:
        """A new CLI session for a freshly logged-in user."""

    @abstractmethod
    def running_text(self) -> str:
        """The running configuration, as `show running-config` prints it."""

    @abstractmethod
    def load_text(self, text: str) -> None:
        """Replace the running configuration (used by tests to seed a device)."""


class CliSession(ABC):
    """One SSH shell on a device: a prompt and a line handler."""

    def __init__(self, device: SimDevice) -> None:
        self.device = device

    def banner(self) -> str:
        return ""

    @abstractmethod
    def prompt(self) -> str:
        """The prompt printed after each command."""

    @abstractmethod
    def handle(self, line: str) -> Reply:
        """Execute one line the user typed."""

    def closed(self) -> None:  # noqa: B027 - optional hook
        """The SSH session went away (dropped or exited)."""


def caret(prompt: str, line: str, token_index: int) -> str:
    """The `^` line real CLIs print under the offending word.

    >>> caret("r1(config)#", "foo bar", 1)
    '               ^'
    """
    words = line.split(" ")
    offset = len(" ".join(words[:token_index])) + (1 if token_index else 0)
    return " " * (len(prompt) + offset) + "^"
