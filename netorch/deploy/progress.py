"""Progress while devices deploy: a rich bar and live per-device lines on a TTY, plain
one-line-per-device output in CI (or anywhere stdout is not a terminal)."""

from __future__ import annotations

import threading
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from netorch.deploy.results import DeviceResult, Outcome

_STYLE = {Outcome.COMMITTED: "green", Outcome.UNCHANGED: "dim", Outcome.WOULD_CHANGE: "cyan",
          Outcome.ROLLED_BACK: "yellow", Outcome.FAILED: "red", Outcome.UNKNOWN: "bold red",
          Outcome.SKIPPED: "dim", Outcome.CONFLICT: "red"}


class Reporter(Protocol):
    def start(self, total: int, title: str) -> None: ...
    def tier(self, line: str) -> None: ...
    def device_done(self, result: DeviceResult) -> None: ...
    def finish(self) -> None: ...


class SilentReporter:
    def start(self, total: int, title: str) -> None:
        """Nothing to show."""

    def tier(self, line: str) -> None:
        """Nothing to show."""

    def device_done(self, result: DeviceResult) -> None:
        """Nothing to show."""

    def finish(self) -> None:
        """Nothing to show."""


def line(result: DeviceResult) -> str:
    """The plain status line for one device.

    >>> line(DeviceResult("r1", "any_platform", Outcome.UNCHANGED))
    'r1: unchanged (on old config)'
    """
    text = f"{result.device}: {result.outcome.value} (on {result.state.value} config)"
    if result.rollback:
        text += f", rollback {result.rollback}"
    return text + (f": {result.error}" if result.error else "")


class ConsoleReporter:
    """Rich progress on a terminal, plain lines otherwise (decided by the console)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._task = TaskID(0)

    def start(self, total: int, title: str) -> None:
        if not self.console.is_terminal:
            return
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  console=self.console, transient=True)
        self._progress.start()
        self._task = self._progress.add_task(title, total=total)

    def tier(self, line: str) -> None:
        """A rollout tier starts or was checked: one plain line."""
        with self._lock:
            console = self._progress.console if self._progress else self.console
            console.print(line, markup=False, highlight=False, soft_wrap=True)

    def device_done(self, result: DeviceResult) -> None:
        with self._lock:
            if self._progress is None:
                self.console.print(line(result), markup=False, highlight=False,
                                   soft_wrap=True)
                return
            style = _STYLE.get(result.outcome, "")
            self._progress.console.print(f"[{style}]{escape(line(result))}[/]", highlight=False)
            self._progress.advance(self._task)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
