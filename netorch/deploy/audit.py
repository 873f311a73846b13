"""The audit log: one JSON line per device per deploy, appended, never a secret.

Each record says when, who (the local user and the device login), which device, the
SHA-256 of the redacted diff, what happened and whether a rollback ran. Lines are
written with O_APPEND in one `write` (`fsio.append_file`), so concurrent deploys never
interleave a record; a symlink, FIFO or device at the log's path is refused.

Where: `--audit-log` / `DeployOptions.audit_log`, else `$NETORCH_AUDIT_LOG`, else
`./netorch-audit.jsonl` in the directory the deploy runs from. Deliberately not the
inventory's directory: the inventory is the reviewed source of truth, usually a git
checkout (often read-only in CI), and a log of who deployed when does not belong in
its history; the run's directory is what a CI job archives as an artifact. Production
setups should point `NETORCH_AUDIT_LOG` at a persistent, append-only location. Tests
always set it to a temporary path (tests/deploy/conftest.py).
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from netorch.deploy.results import DeviceResult
from netorch.fsio import append_file

DEFAULT_PATH = "netorch-audit.jsonl"


def audit_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`explicit`, else `$NETORCH_AUDIT_LOG`, else ./netorch-audit.jsonl."""
    return Path(explicit or os.environ.get("NETORCH_AUDIT_LOG") or DEFAULT_PATH)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(result: DeviceResult, *, run_id: str, action: str, login: str) -> dict[str, object]:
    return {"time": datetime.now(UTC).isoformat(timespec="seconds"), "run": run_id,
            "user": _user(), "login": login, "action": action, "device": result.device,
            "platform": result.platform, "tier": result.tier,
            "diff_sha256": result.diff_sha256,
            "result": result.outcome.value, "state": result.state.value,
            "rollback": result.rollback, "error": result.error}


def append(path: Path, results: Iterable[DeviceResult], *, run_id: str, action: str,
           login: str) -> None:
    lines = "".join(json.dumps(record(r, run_id=run_id, action=action, login=login),
                               sort_keys=True) + "\n" for r in results)
    append_file(path, lines, mode=0o640)
