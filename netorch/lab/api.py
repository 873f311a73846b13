"""The lab's library API, what `netorch lab up|down|status|test|verify` wraps.

Each function returns a result object the CLI prints; user mistakes raise
`LabError` (or the inventory's own `InventoryError`/`InventoryNotFound`), never a
traceback. The lab is named after the fabric unless `lab=` says otherwise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from netorch.deploy import DeployResult
from netorch.inventory import Inventory, load
from netorch.lab import labfailover, labtest, labverify, pipeline, probe, runtime
from netorch.lab.errors import LabError
from netorch.lab.labtest import CheckResult
from netorch.lab.runtime import RuntimeStatus
from netorch.verify import VerifyReport


@dataclass(frozen=True)
class LabUpResult:
    lab: str
    workdir: Path
    devices: list[str]
    build_seconds: float
    deploy_seconds: float
    deploy: DeployResult
    ssh_config: Path

    @property
    def ok(self) -> bool:
        return self.deploy.ok

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


@dataclass(frozen=True)
class LabDownResult:
    lab: str
    removed: list[str]
    exit_code: int = 0


@dataclass(frozen=True)
class DeviceSessions:
    device: str
    sas_up: int
    bgp_up: int
    bgp_total: int


@dataclass(frozen=True)
class LabStatusResult:
    runtime: RuntimeStatus
    sessions: list[DeviceSessions] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.runtime.healthy else 1


@dataclass(frozen=True)
class LabVerifyResult:
    lab: str
    report: VerifyReport

    @property
    def exit_code(self) -> int:
        return self.report.exit_code


@dataclass(frozen=True)
class LabTestResult:
    lab: str
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def _inventory(path: str | Path) -> Inventory:
    from netorch.checks import check
    from netorch.findings import InventoryError

    inventory = load(path)
    errors = [f for f in check(inventory) if f.is_error]
    if errors:
        raise InventoryError(errors)
    return inventory


def lab_up(path: str | Path, *, lab: str | None = None, root: Path | None = None,
           secret_file: Path | None = None, workers: int = 10,
           template_dirs: tuple[Path, ...] = ()) -> LabUpResult:
    """Build the lab of the inventory at `path` and deploy its configs over SSH.

    `template_dirs`: user template folders searched before netorch's own (as render)."""
    inventory = _inventory(path)
    pipeline.require_lock(inventory)  # before a namespace is built
    name = lab or inventory.fabric.name
    rt = runtime.start(inventory, name, root)
    began = time.monotonic()
    try:
        deployed = pipeline.deploy(rt, inventory, secret_file, workers, template_dirs)
    except BaseException:
        runtime.stop(name, root)
        raise
    return LabUpResult(name, rt.workdir, [d.name for d in rt.spec.devices], rt.seconds,
                       time.monotonic() - began, deployed.result, rt.workdir / "ssh_config")


def lab_down(path: str | Path | None = None, *, lab: str | None = None,
             root: Path | None = None) -> LabDownResult:
    """Remove the lab (idempotent); by inventory path or by `lab` name."""
    name = lab or (load(path).fabric.name if path is not None else None)
    if name is None:
        raise LabError("name the lab: give the inventory or --lab NAME")
    return LabDownResult(name, runtime.stop(name, root))


def lab_status(path: str | Path, *, lab: str | None = None, root: Path | None = None
               ) -> LabStatusResult:
    inventory = load(path)
    name = lab or inventory.fabric.name
    status = runtime.status(name, root)
    if status.phase != "up":
        return LabStatusResult(status)
    rt = runtime.attach(inventory, name, root)
    sessions = []
    for dev in rt.spec.devices:
        sas = probe.sa_state(rt, dev)
        peers = probe.bgp_peers(dev)
        sessions.append(DeviceSessions(
            dev.name, sum(sas.established(n) for n in sas.ike),
            sum(p.get("state") == "Established" for p in peers.values()), len(peers)))
    return LabStatusResult(status, sessions)


def lab_verify(path: str | Path, *, lab: str | None = None, root: Path | None = None,
               wait: float = 0.0) -> LabVerifyResult:
    """`netorch verify` on the running lab, over SSH with the lab's key: every device's
    live SAs and BGP sessions against the lab's plan. `wait`: seconds to keep reading
    while anything is not up yet (0: read once)."""
    inventory = _inventory(path)
    name = lab or inventory.fabric.name
    rt = runtime.attach(inventory, name, root)
    plan = pipeline.plan_for(rt, inventory)
    report, _ = labverify.poll(rt, plan, _not_ok, wait)
    return LabVerifyResult(name, report)


def _not_ok(report: VerifyReport) -> list[str]:
    return [] if report.ok else ["not ok"]


def lab_test(path: str | Path, *, lab: str | None = None, root: Path | None = None,
             failover: bool = True, wait: float | None = None) -> LabTestResult:
    """Every check of the issue on the running lab; `exit_code` 1 if any fails.

    `wait`: seconds the ike and bgp checks wait for SAs and sessions to come up
    (default 30 and 45)."""
    runtime.require_root_and_tools()
    inventory = _inventory(path)
    name = lab or inventory.fabric.name
    rt = runtime.attach(inventory, name, root)
    plan = pipeline.plan_for(rt, inventory)
    sa_wait = labtest.SA_TIMEOUT if wait is None else wait
    bgp_wait = labtest.BGP_TIMEOUT if wait is None else wait
    checks = [labtest.timed("ike", lambda: labtest.check_ike(rt, plan, sa_wait)),
              labtest.timed("bgp", lambda: labtest.check_bgp(rt, plan, bgp_wait)),
              labtest.timed("ping", lambda: labtest.check_ping(rt)),
              labtest.timed("capture", lambda: labtest.check_capture(rt, plan))]
    if failover:
        case = labfailover.choose_case(rt, plan)
        if case is None:
            checks.append(CheckResult("failover", True, "no site has a backup underlay: "
                                      "nothing to fail over"))
        else:
            checks.append(labtest.timed("failover",
                                         lambda: labfailover.run_failover(rt, case)))
    return LabTestResult(name, checks)
