"""The lab runtime: bring a lab's namespaces and daemons up, report them, take them down."""

from __future__ import annotations

import ipaddress
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from netorch.inventory.model import Inventory
from netorch.lab import daemons, names, netbuild, sh, teardown
from netorch.lab.errors import LabError
from netorch.lab.spec import LabSpec, build_spec, mgmt_subnet_at
from netorch.lab.state import LabState, Proc, lab_dir, load_state


@dataclass(frozen=True)
class Runtime:
    """A lab that is up: what it is made of and where its files are."""

    spec: LabSpec
    workdir: Path
    state: LabState
    seconds: float = 0.0


@dataclass(frozen=True)
class DaemonStatus:
    device: str
    role: str
    pid: int
    running: bool


@dataclass(frozen=True)
class RuntimeStatus:
    lab: str
    workdir: Path
    phase: str
    namespaces: list[tuple[str, bool]] = field(default_factory=list)
    daemons: list[DaemonStatus] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return (self.phase == "up" and all(up for _, up in self.namespaces)
                and all(d.running for d in self.daemons))


def require_root_and_tools() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab creates network namespaces: run it as root")
    missing = sh.missing_tools()
    if missing:
        raise LabError("the lab needs tools this machine lacks: " + ", ".join(missing))


def start(inventory: Inventory, lab: str, root: Path | None = None) -> Runtime:
    """Build the lab; on any failure remove what was made and raise `LabError`."""
    require_root_and_tools()
    began = time.monotonic()
    tag = names.lab_tag(lab)
    workdir = lab_dir(lab, root)
    _refuse_unsafe_path(workdir)
    old = load_state(workdir)
    if old is not None and old.phase == "up":
        raise LabError(f"lab '{lab}' is already up (state in {workdir}); run 'lab down' first")
    teardown.remove(tag, old, workdir)
    spec = build_spec(inventory, lab, _free_mgmt_subnet(tag))
    state = LabState(lab=lab, tag=tag, workdir=str(workdir), inventory=inventory.path,
                     mgmt_subnet=str(spec.mgmt_subnet), namespaces=spec.namespaces(),
                     root_links=[d.mgmt_root_if for d in spec.devices])
    state.save()
    try:
        netbuild.build(spec)
        daemons.prepare(spec, workdir)
        daemons.start_all(spec, workdir, state)
    except BaseException:
        teardown.remove(tag, state, None)  # keep the logs; 'lab down' removes them
        state.phase = "failed"
        state.save()
        raise
    state.phase = "up"
    state.save()
    (workdir / "spec.json").write_text(json.dumps(_spec_summary(spec), indent=2) + "\n")
    return Runtime(spec, workdir, state, time.monotonic() - began)


def attach(inventory: Inventory, lab: str, root: Path | None = None) -> Runtime:
    """The running lab `lab` of `inventory` (for tests and status)."""
    workdir = lab_dir(lab, root)
    state = load_state(workdir)
    if state is None or state.phase != "up":
        raise LabError(f"lab '{lab}' is not up (no state in {workdir}); run 'lab up' first")
    spec = build_spec(inventory, lab, ipaddress.IPv4Network(state.mgmt_subnet))
    return Runtime(spec, workdir, state)


def stop(lab: str, root: Path | None = None) -> list[str]:
    """Remove the lab; what was removed (empty if nothing was left)."""
    if os.geteuid() != 0:
        raise LabError("removing a lab's namespaces needs root")
    workdir = lab_dir(lab, root)
    return teardown.remove(names.lab_tag(lab), load_state(workdir), workdir)


def status(lab: str, root: Path | None = None) -> RuntimeStatus:
    workdir = lab_dir(lab, root)
    state = load_state(workdir)
    present = set(teardown.lab_namespaces(names.lab_tag(lab)))
    if state is None:
        return RuntimeStatus(lab, workdir, "down" if not present else "leftovers",
                             [(ns, True) for ns in sorted(present)])
    return RuntimeStatus(
        lab, workdir, state.phase, [(ns, ns in present) for ns in state.namespaces],
        [DaemonStatus(p.device, p.role, p.pid, teardown.pid_alive(p.pid, p.marker))
         for p in state.procs])


def _free_mgmt_subnet(tag: str) -> ipaddress.IPv4Network:
    """The lab's management /24: its default slot unless an address of the host is in it."""
    out = sh.run(["ip", "-j", "-4", "addr", "show"], check=False).stdout
    used = [ipaddress.IPv4Address(a["local"]) for link in json.loads(out or "[]")
            for a in link.get("addr_info", []) if "local" in a]
    first = int(tag[2:], 16) % 256
    for step in range(256):
        subnet = mgmt_subnet_at(first + step)
        if not any(a in subnet for a in used):
            return subnet
    raise LabError("no free management /24 left in 198.18.0.0/16")


def _refuse_unsafe_path(workdir: Path) -> None:
    text = str(workdir)
    if any(c.isspace() or c in "\"'\\#" for c in text):
        raise LabError(f"lab directory '{text}' must not contain spaces, quotes, '#' or '\\'")


def _spec_summary(spec: LabSpec) -> dict[str, object]:
    return {"lab": spec.lab, "tag": spec.tag, "underlay_ns": spec.underlay_ns,
            "bridges": spec.bridges,
            "devices": {d.name: {"ns": d.ns, "mgmt": str(d.mgmt.ip),
                                 "endpoints": {u: str(a) for u, a in d.endpoints.items()}}
                        for d in spec.devices},
            "hosts": {h.site: {"ns": h.ns, "address": str(h.address)} for h in spec.hosts}}


__all__ = ["DaemonStatus", "Proc", "Runtime", "RuntimeStatus", "attach", "start", "status",
           "stop"]
