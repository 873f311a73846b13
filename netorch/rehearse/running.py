"""The running configs to rehearse on: `DIR/DEVICE.cfg`, one per device, as it prints them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from netorch.findings import Finding, InventoryError, Location, error
from netorch.fsio import ReadRefused, read_regular
from netorch.sim.base import ConfigParseError, SimDevice
from netorch.sim.fleet import device_class, simulated
from netorch.yamlsource import MAX_FILE_BYTES

SUFFIX = ".cfg"
T = TypeVar("T")


@dataclass(frozen=True)
class Running:
    device: str
    platform: str
    path: Path
    text: str


def read_running(folder: Path, platforms: dict[str, str],
                 others: set[str] | None = None) -> list[Running]:
    """The running config of each device in `platforms` (name -> platform) that `folder`
    holds; files of `others` (inventory devices not chosen) are skipped. A file naming
    no device, one that cannot be read or decoded, and a platform without a simulator are
    errors, all reported at once."""
    if not folder.is_dir():
        raise InventoryError([error("running-folder", "not a folder of DEVICE.cfg files",
                                    Location(str(folder)))])
    skip = others or set()
    return every_or_errors(_one(path, folder, platforms) for path in sorted(folder.iterdir())
                           if path.suffix == SUFFIX and path.stem not in skip)


def every_or_errors(items: Iterable[T | Finding]) -> list[T]:
    """The items, or, if any is a finding, an `InventoryError` with all the findings."""
    found: list[T] = []
    problems: list[Finding] = []
    for item in items:
        if isinstance(item, Finding):
            problems.append(item)
        else:
            found.append(item)
    if problems:
        raise InventoryError(problems)
    return found


def _one(path: Path, folder: Path, platforms: dict[str, str]) -> Running | Finding:
    where = Location(str(path))
    platform = platforms.get(path.stem)
    if platform is None:
        return error("running-device", f"no device '{path.stem}' in the inventory: name "
                     "the file after the device", where)
    if device_class(platform) is None:
        return error("running-platform", f"netorch has no simulator for {platform}: "
                     "rehearse runs on " + ", ".join(simulated()), where)
    try:
        raw = read_regular(path, limit=MAX_FILE_BYTES, what="running config",
                           inside=folder.resolve(), folder_is="the --running folder")
        text = raw.decode("utf-8")
    except ReadRefused as exc:
        return error("running-read", exc.reason, where)
    except UnicodeDecodeError as exc:
        return error("running-read", f"not UTF-8 text (byte {exc.start})", where)
    return Running(path.stem, platform, path, text)


def seeded(running: Running, password: str) -> SimDevice | Finding:
    """A simulated device loaded with `running`, or an error at the line it cannot load."""
    cls = device_class(running.platform)
    assert cls is not None  # read_running refused platforms without a simulator
    device = cls(running.device)
    device.password = password
    try:
        device.load_text(running.text)
    except ConfigParseError as exc:
        return error("running-parse", f"the {running.platform} simulator cannot load this "
                     f"line, so the rehearsal would prove nothing: {exc.message}",
                     Location(str(running.path), exc.line, 1))
    if hasattr(device, "rehearsal"):
        # a saved running config says nothing of the box's key pairs: a simulator that
        # checks a certificate against one (Junos) takes the rehearsal's on trust
        device.rehearsal = True
    return device
