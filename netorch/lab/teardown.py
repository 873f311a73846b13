"""Removing a lab: its processes, namespaces, root-namespace links and run directories.

Idempotent and crash-safe: it removes what the state file lists and still exists,
then anything else carrying the lab's tag (processes found through their
namespace, never by a name pattern over the whole machine).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
from pathlib import Path

from netorch.lab import sh
from netorch.lab.daemons import FRR_RUN
from netorch.lab.state import LabState

STOP_TIMEOUT = 1.5


def lab_namespaces(tag: str) -> list[str]:
    out = sh.run(["ip", "netns", "list"], check=False).stdout
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    return sorted(n for n in names if n.startswith(f"{tag}-"))


def lab_root_links(tag: str) -> list[str]:
    out = sh.run(["ip", "-j", "link", "show"], check=False).stdout
    links = json.loads(out or "[]")
    return sorted(str(link["ifname"]) for link in links
                  if str(link.get("ifname", "")).startswith(tag))


def namespace_pids(ns: str) -> list[int]:
    out = sh.run(["ip", "netns", "pids", ns], check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def pid_alive(pid: int, marker: str = "") -> bool:
    """Whether `pid` runs (not a zombie) and its command line contains `marker`."""
    _reap(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z" and marker in cmdline


def _reap(pid: int) -> None:
    """Collect a child of ours that has exited (daemons spawned by this process)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def remove(tag: str, state: LabState | None, workdir: Path | None) -> list[str]:
    """Remove everything; return what was removed (for the report)."""
    removed: list[str] = []
    namespaces = sorted(set(lab_namespaces(tag)) | set(state.namespaces if state else []))
    pids = {p.pid for p in (state.procs if state else []) if pid_alive(p.pid, p.marker)}
    for ns in namespaces:
        pids.update(namespace_pids(ns))
    stopped = _stop(pids)
    if stopped:
        removed.append(f"{stopped} processes")
    for ns in namespaces:
        if sh.run(["ip", "netns", "delete", ns], check=False).ok:
            removed.append(f"netns {ns}")
    for link in sorted(set(lab_root_links(tag)) | set(state.root_links if state else [])):
        if sh.run(["ip", "link", "delete", link], check=False).ok:
            removed.append(f"link {link}")
    frr_dirs = set(state.frr_dirs if state else []) | {str(p) for p in FRR_RUN.glob(f"{tag}-*")}
    for run_dir in sorted(frr_dirs):
        if Path(run_dir).exists():
            shutil.rmtree(run_dir, ignore_errors=True)
            removed.append(f"dir {run_dir}")
    if workdir is not None and workdir.exists():
        shutil.rmtree(workdir, ignore_errors=True)
        removed.append(f"dir {workdir}")
    return removed


def _stop(pids: set[int]) -> int:
    """SIGTERM, a bounded wait, then SIGKILL for whatever is left."""
    alive = {p for p in pids if p != os.getpid() and _signal(p, signal.SIGTERM)}
    deadline = time.monotonic() + STOP_TIMEOUT
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = {p for p in alive if pid_alive(p)}
    for pid in alive:
        _signal(pid, signal.SIGKILL)
    return len(pids)


def _signal(pid: int, sig: signal.Signals) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True
