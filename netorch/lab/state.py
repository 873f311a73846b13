"""The lab's state file: everything `up` made, so `down` can remove it after a crash.

`up` writes the names it is about to create before creating them, and adds each
process as it starts it; `down` removes whatever of that still exists, then
anything else carrying the lab's prefix.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from netorch.lab.errors import LabError
from netorch.verify.origin import LAB_NAME_PATTERN

DEFAULT_ROOT = Path("/var/lib/netorch/lab")
STATE_FILE = "state.json"


@dataclass
class Proc:
    """One daemon: its PID and a word its command line must contain (guards PID reuse)."""

    device: str
    role: str
    pid: int
    marker: str


@dataclass
class LabState:
    lab: str
    tag: str
    workdir: str
    inventory: str = ""
    mgmt_subnet: str = ""
    namespaces: list[str] = field(default_factory=list)
    root_links: list[str] = field(default_factory=list)
    frr_dirs: list[str] = field(default_factory=list)
    procs: list[Proc] = field(default_factory=list)
    phase: str = "creating"

    def save(self) -> None:
        path = Path(self.workdir) / STATE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        tmp.replace(path)


_LAB_NAME = re.compile(f"^{LAB_NAME_PATTERN}$")  # also in `lab:<name>` state sources


def lab_dir(lab: str, root: Path | None = None) -> Path:
    """Where a lab keeps its files; the name must be a plain name (no path)."""
    if not _LAB_NAME.match(lab) or ".." in lab:
        raise LabError(f"'{lab}' is not a lab name: use letters, digits, '.', '_' and '-', "
                       "at most 63 characters")
    return (root or DEFAULT_ROOT) / lab


def load_state(workdir: Path) -> LabState | None:
    path = workdir / STATE_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        procs = [Proc(**p) for p in data.pop("procs", [])]
        return LabState(**data, procs=procs)
    except (ValueError, TypeError) as exc:
        raise LabError(f"{path}: unreadable lab state ({exc}); remove the lab with "
                       "'netorch lab down' by name, it also finds leftovers by prefix") from None
