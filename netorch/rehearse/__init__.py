"""Rehearse a deploy on simulated copies of real routers, before production sees it.

`rehearse(plan, files, folder)` seeds one simulated device (`netorch.sim`: SSH on
127.0.0.1) per `folder/DEVICE.cfg`, each with that device's running config as it
prints it, and runs what an engineer would, with netorch's real drivers over real SSH:
diff, deploy --commit, deploy again, and a last diff (verify-config). Like NSO's netsim,
it lets CI prove a change is brownfield-safe:

- `operator_lines_changed`: lines of the running config the deploy removed or changed
  that are not netorch's (lines before and not after, outside what netorch owned
  before). It must be 0.
- `netorch_lines_added`: lines after and not before.
- `conflicts`: what netorch refused to overwrite, each with the setting that resolves it.
- `idempotent`: the second deploy sent nothing and the last diff is empty.

The counting compares whole configs line by line (each platform's `Driver.lines`), so it
checks ownership rather than trusting it.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from netorch.deploy import (
    Credentials,
    DeployOptions,
    DeployResult,
    DeviceResult,
    DeviceTarget,
    Outcome,
    deploy_fabric,
    diff_fabric,
)
from netorch.deploy.driver import driver_for
from netorch.plan.model import DevicePlan
from netorch.rehearse.result import DeviceRehearsal, Rehearsal
from netorch.rehearse.running import Running, every_or_errors, read_running, seeded
from netorch.sim.base import SimDevice
from netorch.sim.server import Simulator

__all__ = ["DeviceRehearsal", "Rehearsal", "rehearse"]

USERNAME = "netorch"


def rehearse(devices: Sequence[DevicePlan], files: Mapping[str, Mapping[str, str]],
             folder: Path, *, workers: int = 10, timeout: float = 60.0,
             others: Collection[str] = ()) -> Rehearsal:
    """Rehearse the deploy of `devices` (with their rendered `files`) on the running
    configs in `folder`; devices without one are listed as not rehearsed. Files of the
    inventory's `others` (devices outside --limit) are skipped; a file naming no device
    is an error."""
    running = read_running(folder, {d.name: d.platform for d in devices}, set(others))
    password = secrets.token_urlsafe(24)
    sims = _seed(running, password)
    sites = {d.name: d.site for d in devices}
    with Simulator(sims) as simulator:
        targets = [DeviceTarget(d.name, d.platform, "127.0.0.1", d.port, sites[d.name],
                                dict(files.get(d.name, {}))) for d in sims]
        before = {d.name: simulator.call(d.running_text) for d in sims}
        runs = _runs(targets, Credentials(USERNAME, password), workers, timeout)
        after = {d.name: simulator.call(d.running_text) for d in sims}
    rehearsed = {r.device for r in running}
    return Rehearsal([_device(t, before[t.name], after[t.name], runs) for t in targets],
                     not_rehearsed=sorted(d.name for d in devices if d.name not in rehearsed))


def _seed(running: list[Running], password: str) -> list[SimDevice]:
    return every_or_errors(seeded(item, password) for item in running)


def _runs(targets: list[DeviceTarget], creds: Credentials, workers: int,
          timeout: float) -> list[DeployResult]:
    """diff, deploy --commit, deploy --commit again, diff: each over real SSH."""
    with tempfile.TemporaryDirectory(prefix="netorch-rehearse-") as tmp:
        options = DeployOptions(commit=True, workers=workers, timeout=timeout,
                                audit_log=Path(tmp) / "audit.jsonl")
        first = diff_fabric(targets, creds, workers=workers, timeout=timeout)
        deployed = deploy_fabric(targets, creds, options)
        again = deploy_fabric(targets, creds, options)
        last = diff_fabric(targets, creds, workers=workers, timeout=timeout)
    return [first, deployed, again, last]


def _result(run: DeployResult, device: str) -> DeviceResult:
    return next(r for r in run.devices if r.device == device)


def _device(target: DeviceTarget, before: str, after: str,
            runs: list[DeployResult]) -> DeviceRehearsal:
    first, deployed, again, last = (_result(run, target.name) for run in runs)
    lines = line_changes(target, before, after)
    out = DeviceRehearsal(target.name, target.platform, config_lines=len(before.splitlines()),
                          operator_lines_changed=len(lines.operator),
                          operator_lines=lines.operator, netorch_lines_added=len(lines.added),
                          netorch_lines_removed=len(lines.netorch),
                          removed_netorch_lines=lines.netorch,
                          conflicts=first.conflicts or deployed.conflicts,
                          outcome=deployed.outcome.value)
    if deployed.ok and not out.conflicts:
        out.idempotent = (again.outcome is Outcome.UNCHANGED
                          and last.outcome is Outcome.UNCHANGED)
    out.error = next((r.error for r in (first, deployed, again, last)
                      if r.error and r.outcome is not Outcome.CONFLICT), None)
    return out


@dataclass(frozen=True)
class LineChanges:
    """Lines `before` has and `after` lacks (removed or changed), split by whether
    netorch's ownership rules claimed them before the deploy, and the lines added; each
    as its platform's full-path line, keys masked."""

    operator: list[str]
    netorch: list[str]
    added: list[str]


def line_changes(target: DeviceTarget, before: str, after: str) -> LineChanges:
    """What a deploy did to `before`, line by line (see `LineChanges`)."""
    driver_cls = driver_for(target.platform)
    if driver_cls is None:
        raise ValueError(f"no deploy driver for {target.platform}")
    driver = driver_cls(target, _no_connection, _no_connection)
    old, new = driver_cls.lines(before), driver_cls.lines(after)
    owned, kept = set(driver_cls.lines(driver.managed(before))), set(new)
    removed = [line for line in dict.fromkeys(old) if line not in kept]
    had = set(old)
    return LineChanges([line for line in removed if line not in owned],
                       [line for line in removed if line in owned],
                       [line for line in dict.fromkeys(new) if line not in had])


def _no_connection() -> object:
    raise RuntimeError("a rehearsal's line counting never connects")
