"""`netorch lab exec`: one command in a site's LAN test host or in a device's namespace.

The command is an argv list run with `ip netns exec NS ARGV...`: no shell, so nothing
in it is interpreted twice. Its output goes to ours (or is captured for the API), and
its exit status is the result, 128 + N when signal N ended it (as shells report it).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netorch.lab import sh
from netorch.lab.errors import LabError
from netorch.lab.runtime import Runtime
from netorch.lab.spec import LabDevice, LabHost, LabSpec

MAX_LISTED = 12  # names listed in an "unknown site/device" error


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str | None  # None unless captured
    stderr: str | None


def target(rt: Runtime, site: str, device: str | None) -> LabHost | LabDevice:
    """The site's LAN test host, or `device` (which must be at `site`).

    Raises:
        LabError: no such site in the lab, no such device, or the device is elsewhere.
    """
    spec = rt.spec
    host = next((h for h in spec.hosts if h.site == site), None)
    if host is None:
        raise LabError(f"no site '{site}' in lab '{spec.lab}': its sites are "
                       f"{_listed(h.site for h in spec.hosts)}")
    if device is None:
        return host
    dev = next((d for d in spec.devices if d.name == device), None)
    at_site = _listed(d.name for d in spec.devices if d.site == site)
    if dev is None:
        raise LabError(f"no device '{device}' in lab '{spec.lab}': the devices of site "
                       f"'{site}' are {at_site}")
    if dev.site != site:
        raise LabError(f"device '{device}' is at site '{dev.site}', not '{site}' (whose "
                       f"devices are {at_site})")
    return dev


def _listed(names: Iterable[str]) -> str:
    items = sorted(names)
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def require_namespace(spec: LabSpec, ns: str, present: set[str]) -> None:
    if ns not in present:
        raise LabError(f"namespace {ns} of lab '{spec.lab}' is gone (the lab is broken, e.g. "
                       "after a reboot): run `netorch lab down`, then `netorch lab up`")


def require_command(argv: Sequence[str]) -> None:
    """Refuse an empty command or one that is not there (`ip netns exec` would only
    say 'exec failed' with exit 1, indistinguishable from the command's own 1)."""
    if not argv or not argv[0]:
        raise LabError("give the command to run after `--`, e.g. `netorch lab exec "
                       "INVENTORY SITE -- ip -4 addr`")
    if shutil.which(argv[0]) is None:  # a name on PATH, or a path to an executable file
        raise LabError(f"command not found: {argv[0]}")


def run_in(ns: str, argv: Sequence[str], *, capture: bool = False,
           timeout: float | None = None) -> Ran:
    """Run `argv` in namespace `ns`; its status (128 + N if signal N ended it)."""
    try:
        proc = subprocess.run(sh.in_ns(ns, argv), capture_output=capture,
                              text=capture, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise LabError(f"timed out after {timeout:g} s: {' '.join(argv)}") from None
    code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    return Ran(code, proc.stdout if capture else None, proc.stderr if capture else None)
