"""The lab's library API, what `netorch lab up|down|status|test|verify|exec` wraps.

Each function returns a result object the CLI prints; user mistakes raise
`LabError` (or the inventory's own `InventoryError`/`InventoryNotFound`), never a
traceback. The lab is named after the fabric unless `lab=` says otherwise.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from netorch.api import load_checked
from netorch.deploy import DeployResult
from netorch.inventory import load
from netorch.inventory.model import Inventory
from netorch.lab import (
    labexec,
    labfailover,
    labpki,
    labtest,
    labverify,
    pipeline,
    probe,
    runtime,
)
from netorch.lab.errors import LabError
from netorch.lab.labcompromise import check_compromise
from netorch.lab.labenforce import check_policy
from netorch.lab.labpolicy import FlowPolicy
from netorch.lab.labsymmetry import check_symmetry
from netorch.lab.labtest import CheckResult
from netorch.lab.runtime import Runtime, RuntimeStatus
from netorch.lab.spec import LabDevice, LabHost
from netorch.pki import FabricPki
from netorch.verify import StateOrigin, VerifyReport, VerifyResult, lab_source, origin_of


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
class DeviceStatus:
    """One device of a running lab: where to reach it and how it is doing."""

    name: str
    namespace: str
    mgmt: str
    endpoints: dict[str, str]
    daemons: dict[str, bool]
    sessions: DeviceSessions

    def as_dict(self) -> dict[str, object]:
        s = self.sessions
        return {"mgmt": self.mgmt, "namespace": self.namespace, "endpoints": self.endpoints,
                "daemons": self.daemons, "ike_sas_up": s.sas_up, "bgp_up": s.bgp_up,
                "bgp_total": s.bgp_total}


@dataclass(frozen=True)
class SiteStatus:
    """One site of a running lab: its LAN test host and its devices."""

    name: str
    namespace: str
    lan_host: str
    lan_addresses: list[str]
    devices: list[DeviceStatus]

    def as_dict(self) -> dict[str, object]:
        return {"lan_host": self.lan_host, "lan_addresses": self.lan_addresses,
                "namespace": self.namespace,
                "devices": {d.name: d.as_dict() for d in self.devices}}


@dataclass(frozen=True)
class LabStatusResult:
    runtime: RuntimeStatus
    sessions: list[DeviceSessions] = field(default_factory=list)
    sites: list[SiteStatus] = field(default_factory=list)  # empty unless the lab is up

    @property
    def exit_code(self) -> int:
        return 0 if self.runtime.healthy else 1

    def as_dict(self) -> dict[str, object]:
        """`lab status --format json`: sites by name, each with its LAN test host's
        address and its devices' management addresses (and more)."""
        rt = self.runtime
        return {"lab": rt.lab, "phase": rt.phase, "healthy": rt.healthy,
                "workdir": rt.workdir.as_posix(),
                "sites": {s.name: s.as_dict() for s in sorted(self.sites, key=lambda s: s.name)}}


@dataclass(frozen=True)
class LabVerifyResult:
    lab: str
    report: VerifyReport
    origin: StateOrigin  # source `lab:<name>`: what `--format json` writes first

    @property
    def result(self) -> VerifyResult:
        """The typed result `lab verify` prints, as `netorch verify` does."""
        return self.report.result(self.origin)

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


def lab_up(path: str | Path, *, lab: str | None = None, root: Path | None = None,
           secret_file: Path | None = None, workers: int = 10,
           template_dirs: tuple[Path, ...] = ()) -> LabUpResult:
    """Build the lab of the inventory at `path` and deploy its configs over SSH.

    `template_dirs`: user template folders searched before netorch's own (as render)."""
    inventory = load_checked(path)
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
    sessions = {dev.name: _sessions(rt, dev) for dev in rt.spec.devices}
    return LabStatusResult(status, list(sessions.values()), _sites(rt, status, sessions))


def _sessions(rt: Runtime, dev: LabDevice) -> DeviceSessions:
    sas = probe.sa_state(rt, dev)
    peers = probe.bgp_peers(dev)
    return DeviceSessions(dev.name, sum(sas.established(n) for n in sas.ike),
                          sum(p.get("state") == "Established" for p in peers.values()),
                          len(peers))


def _sites(rt: Runtime, status: RuntimeStatus,
           sessions: dict[str, DeviceSessions]) -> list[SiteStatus]:
    daemons: dict[str, dict[str, bool]] = {}
    for d in status.daemons:
        daemons.setdefault(d.device, {})[d.role] = d.running
    return [SiteStatus(
        name=host.site, namespace=host.ns, lan_host=str(host.address),
        lan_addresses=[str(a) for a in host.addresses],
        devices=[DeviceStatus(
            name=dev.name, namespace=dev.ns, mgmt=str(dev.mgmt.ip),
            endpoints={u: str(a) for u, a in sorted(dev.endpoints.items())},
            daemons=dict(sorted(daemons.get(dev.name, {}).items())),
            sessions=sessions[dev.name])
            for dev in rt.spec.devices if dev.site == host.site])
        for host in rt.spec.hosts]


def lab_verify(path: str | Path, *, lab: str | None = None, root: Path | None = None,
               wait: float = 0.0) -> LabVerifyResult:
    """`netorch verify` on the running lab, over SSH with the lab's key: every device's
    live SAs and BGP sessions against the lab's plan. `wait`: seconds to keep reading
    while anything is not up yet (0: read once)."""
    inventory = load_checked(path)
    name = lab or inventory.fabric.name
    rt = runtime.attach(inventory, name, root)
    plan = pipeline.plan_for(rt, inventory)
    report, _ = labverify.poll(rt, plan, _not_ok, wait, lab_pki(rt, inventory))
    return LabVerifyResult(name, report, origin_of(path, inventory.fabric.name, lab_source(name)))


def lab_pki(rt: Runtime, inventory: Inventory) -> FabricPki | None:
    """The lab's own PKI of a certificate fabric (None: PSK): what verify holds the
    certificates each device presents against."""
    return labpki.load(rt.workdir, pipeline.lab_inventory(inventory, rt.spec))


def _not_ok(report: VerifyReport) -> list[str]:
    return [] if report.ok else ["not ok"]


def lab_test(path: str | Path, *, lab: str | None = None, root: Path | None = None,
             failover: bool = True, wait: float | None = None) -> LabTestResult:
    """Every check of the issue on the running lab; `exit_code` 1 if any fails.

    `wait`: seconds the ike and bgp checks wait for SAs and sessions to come up
    (default 30 and 45)."""
    runtime.require_root_and_tools()
    inventory = load_checked(path)
    name = lab or inventory.fabric.name
    rt = runtime.attach(inventory, name, root)
    plan = pipeline.plan_for(rt, inventory)
    sa_wait = labtest.SA_TIMEOUT if wait is None else wait
    bgp_wait = labtest.BGP_TIMEOUT if wait is None else wait
    fabric_pki = lab_pki(rt, inventory)
    policy = FlowPolicy.of(plan)  # None: a flat fabric, every check as without a policy
    checks = [labtest.timed("ike", lambda: labtest.check_ike(rt, plan, sa_wait, fabric_pki)),
              labtest.timed("bgp", lambda: labtest.check_bgp(rt, plan, bgp_wait)),
              labtest.timed("ping", lambda: labtest.check_ping(rt, policy)),
              labtest.timed("capture", lambda: labtest.check_capture(rt, plan, policy)),
              labtest.timed("symmetry", lambda: check_symmetry(rt, plan, policy))]
    if policy is not None:
        checks += [labtest.timed("policy", lambda: check_policy(rt, plan, policy)),
                   labtest.timed("compromise", lambda: check_compromise(rt, plan, policy))]
    if failover:
        case = labfailover.choose_case(rt, plan, policy)
        if case is None:
            checks.append(CheckResult("failover", True, "no site has a backup underlay: "
                                      "nothing to fail over"))
        else:
            checks.append(labtest.timed("failover",
                                         lambda: labfailover.run_failover(rt, case)))
    return LabTestResult(name, checks)


@dataclass(frozen=True)
class LabExecResult:
    lab: str
    namespace: str
    argv: tuple[str, ...]
    returncode: int
    stdout: str | None = None  # captured only with `capture=True`
    stderr: str | None = None

    @property
    def exit_code(self) -> int:
        return self.returncode


def lab_exec(path: str | Path, site: str, argv: list[str] | tuple[str, ...], *,
             device: str | None = None, lab: str | None = None, root: Path | None = None,
             capture: bool = False, timeout: float | None = None) -> LabExecResult:
    """Run `argv` (no shell) in `site`'s LAN test host, or in `device`'s namespace.

    Its output goes to this process's stdout and stderr unless `capture`; `returncode`
    is the command's exit status (128 + N when signal N ended it).

    Raises:
        LabError: not root, the lab is not up, no such site or device, or no such
            command.
    """
    if os.geteuid() != 0:
        raise LabError("lab exec enters the lab's network namespaces: run it as root")
    inventory = load(path)
    name = lab or inventory.fabric.name
    status = runtime.status(name, root)
    if status.phase != "up":
        raise LabError(f"lab '{name}' is not up ({status.phase}): start it with "
                       f"`netorch lab up {path}`" + (f" --lab {name}" if lab else ""))
    rt = runtime.attach(inventory, name, root)
    where: LabHost | LabDevice = labexec.target(rt, site, device)
    labexec.require_namespace(rt.spec, where.ns, {ns for ns, up in status.namespaces if up})
    labexec.require_command(argv)
    ran = labexec.run_in(where.ns, argv, capture=capture, timeout=timeout)
    return LabExecResult(name, where.ns, tuple(argv), ran.returncode, ran.stdout, ran.stderr)
