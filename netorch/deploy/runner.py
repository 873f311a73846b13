"""Deploy or diff a whole fabric with Nornir: tiers, workers, canary, abort after N failures.

A commit rolls out in tiers (`tiers.py`): the hubs, then the spokes (a full mesh is
one tier). Within a tier each device runs `device.run_device` in a Nornir task: a
canary batch (the tier's first N devices by name) goes first and must all succeed;
then the rest run in parallel, and once `max_failures` devices have failed no new
device starts (those in flight finish, the others are reported as skipped, still on
their old config). Once a tier committed, its devices that dial a peer of the same
tier and do not retry a refused tunnel by themselves are kicked (`Driver.kick`). A tier
with a failed device, or one that fails its check (`DeployOptions.tier_check`), stops
the rollout before the next tier is touched.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import Result, Task

from netorch.deploy import audit
from netorch.deploy.device import DeviceRun, PostCheck, run_device
from netorch.deploy.driver import Driver, DriverOptions, driver_for
from netorch.deploy.progress import Reporter, SilentReporter
from netorch.deploy.redact import Scrubber, secrets_in
from netorch.deploy.results import DeployResult, DeviceResult, Outcome
from netorch.deploy.targets import DeviceTarget, UsageError
from netorch.deploy.tiers import Tier, TierCheck, TierReport, tiers_of
from netorch.transport import Credentials, as_device_error
from netorch.transport.nornir_inventory import build_nornir, close, session

# Junos's `commit confirmed` accepts 1 to 65535 minutes.
MAX_CONFIRM_MINUTES = 65_535


@dataclass(frozen=True)
class DeployOptions:
    """How to deploy. `max_failures=None` never aborts; `canary=0` has no canary batch.

    `rotate_keys`: send every pre-shared key again. Devices show keys encrypted, so a
    changed key cannot be seen in a diff; without this option a key present on the
    device is left as it is (and a no-change redeploy sends nothing).

    `timeout` (seconds a device step may take) and `confirm_minutes` (a commit-confirm
    device's own rollback timer) reach each driver as its `DriverOptions`."""

    commit: bool = False
    workers: int = 10
    canary: int = 0
    max_failures: int | None = None
    timeout: float = 60.0
    connect_timeout: float = 10.0
    audit_log: str | Path | None = None
    post_check: PostCheck | None = None
    rotate_keys: bool = False
    tier_check: TierCheck | None = None  # run after each committed tier but the last
    confirm_minutes: int = 2

    def check(self) -> None:
        if self.workers < 1:
            raise UsageError("--workers must be at least 1")
        if not 1 <= self.confirm_minutes <= MAX_CONFIRM_MINUTES:
            raise UsageError(f"confirm_minutes must be 1 to {MAX_CONFIRM_MINUTES}")
        if self.canary < 0:
            raise UsageError("--canary must be 0 or more")
        if self.max_failures is not None and self.max_failures < 1:
            raise UsageError("--max-failures must be at least 1")

    def driver(self) -> DriverOptions:
        """What each device's driver is told."""
        return DriverOptions(timeout=self.timeout, confirm_minutes=self.confirm_minutes)


@dataclass
class _Run:
    options: DeployOptions
    targets: dict[str, DeviceTarget]
    reporter: Reporter
    results: dict[str, DeviceResult] = field(default_factory=dict)
    aborted: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def skip_reason(self) -> str | None:
        with self.lock:
            return self.aborted

    def record(self, result: DeviceResult) -> None:
        result.tier = self.targets[result.device].tier
        with self.lock:
            self.results[result.device] = result
            failed = sum(not r.ok and r.outcome is not Outcome.SKIPPED
                         for r in self.results.values())
            limit = self.options.max_failures
            if limit is not None and failed >= limit and self.aborted is None:
                self.aborted = f"stopped after {failed} failed device(s) (--max-failures {limit})"
        self.reporter.device_done(result)


def _task(task: Task, run: _Run) -> Result:
    target = run.targets[task.host.name]
    reason = run.skip_reason()
    if reason is not None:
        result = DeviceResult(target.name, target.platform, Outcome.SKIPPED, steps=[reason])
    else:
        try:
            result = _deploy_host(task, run, target)
        except Exception as exc:  # every device gets a result: a lost one would pass
            scrub = _scrubber(target)
            result = DeviceResult(target.name, target.platform, Outcome.FAILED,
                                  error=scrub(as_device_error(exc, "deploying").message))
    run.record(result)
    return Result(host=task.host, result=result, changed=result.outcome is Outcome.COMMITTED)


def _scrubber(target: DeviceTarget) -> Scrubber:
    """What keeps the keys of the target's rendered files out of its messages."""
    return Scrubber(secrets_in(target.files.values()))


def _driver(task: Task, run: _Run, target: DeviceTarget, driver_cls: type[Driver]) -> Driver:
    """The platform's driver on the task's host's SSH session, told the run's options."""

    def connect() -> object:
        return session(task)

    def reconnect() -> object:
        close(task)
        return session(task)

    return driver_cls(target, connect, reconnect, run.options.driver())


def _known_driver(platform: str) -> type[Driver]:
    """The driver of a platform whose devices already deployed with it."""
    driver = driver_for(platform)
    assert driver is not None, platform
    return driver


def _deploy_host(task: Task, run: _Run, target: DeviceTarget) -> DeviceResult:
    driver_cls = driver_for(target.platform)
    if driver_cls is None:
        return DeviceResult(target.name, target.platform, Outcome.FAILED,
                            error=f"no deploy driver for platform '{target.platform}'")
    driver = _driver(task, run, target, driver_cls)
    scrub = _scrubber(target)
    try:
        return run_device(driver, DeviceRun(run.options.commit, run.options.post_check,
                                            run.options.rotate_keys), scrub)
    finally:
        close(task)


def _kick_task(task: Task, run: _Run) -> Result:
    """`Driver.kick` on one committed device; its outcome goes into the device's steps
    (a failure leaves the device on its new config: the tier check judges the tunnels)."""
    target = run.targets[task.host.name]
    driver = _driver(task, run, target, _known_driver(target.platform))
    try:
        driver.open()
        kicked = driver.kick()
        step = f"after its tier committed: {kicked} tunnel(s) initiated again" if kicked else ""
    except Exception as exc:  # reported, never raised
        scrub = _scrubber(target)
        step = ("after its tier committed: "
                f"{scrub(as_device_error(exc, 're-initiating tunnels').message)}")
    finally:
        close(task)
    if step:
        with run.lock:
            run.results[target.name].steps.append(step)
    return Result(host=task.host)


def _peers_in(target: DeviceTarget, members: set[str]) -> bool:
    """Whether `target` has a tunnel to another device of its tier (unknown peers: yes)."""
    return target.peers is None or bool(target.peers & (members - {target.name}))


def _kick(nr: Nornir, tier: Tier, run: _Run) -> None:
    """Once a whole tier committed, let its devices that do not retry a refused tunnel
    by themselves (`Driver.kick`) start those again: their peers in the tier are ready."""
    members = set(tier.devices)
    names = {n for n in members if run.results[n].outcome is Outcome.COMMITTED
             and _known_driver(run.targets[n].platform).kick is not Driver.kick
             and _peers_in(run.targets[n], members)}
    if names:
        nr.filter(filter_func=lambda h: h.name in names).run(task=_kick_task, run=run,
                                                             on_failed=True)


def _batch(nr: Nornir, names: Sequence[str], run: _Run) -> None:
    if names:
        wanted = set(names)
        nr.filter(filter_func=lambda h: h.name in wanted).run(task=_task, run=run,
                                                              on_failed=True)
        for name in names:  # a task that never recorded (Nornir itself failed) failed
            if name not in run.results:
                target = run.targets[name]
                run.record(DeviceResult(name, target.platform, Outcome.FAILED,
                                        error="the deploy task ended without a result"))


def run_fabric(targets: Sequence[DeviceTarget], credentials: Credentials,
               options: DeployOptions, reporter: Reporter | None = None,
               action: str = "deploy") -> DeployResult:
    """Diff (options.commit False) or deploy every target, tier by tier; see the module."""
    options.check()
    for platform in sorted({t.platform for t in targets}):
        driver_for(platform)  # a plugin's broken driver is a PluginError here, not per host
    run = _Run(options, {t.name: t for t in targets}, reporter or SilentReporter())
    tiers = tiers_of(targets)
    reports = [TierReport(i, len(tiers), t.name, list(t.devices)) for i, t in enumerate(tiers, 1)]
    nr = build_nornir(targets, credentials, workers=options.workers, timeout=options.timeout,
                      connect_timeout=options.connect_timeout)
    run.reporter.start(len(run.targets), "deploying" if options.commit else "diffing")
    try:
        for tier, report in zip(tiers, reports, strict=True):
            if action == "deploy":
                run.reporter.tier(report.line())
            _run_tier(nr, tier, run)
            if options.commit:
                _kick(nr, tier, run)
            if options.commit and report.index < len(tiers) and run.aborted is None:
                _check_tier(run, tiers[:report.index], report)
    finally:
        run.reporter.finish()
    result = DeployResult(list(run.results.values()), committed=options.commit,
                          aborted=run.aborted, tiers=reports if action == "deploy" else [])
    if action == "deploy":
        audit.append(audit.audit_path(options.audit_log), result.devices,
                     run_id=uuid.uuid4().hex[:12],
                     action="commit" if options.commit else "dry-run",
                     login=credentials.username)
    return result


def _run_tier(nr: Nornir, tier: Tier, run: _Run) -> None:
    """The tier's canary batch, then the rest of it."""
    canary = list(tier.devices[:run.options.canary]) if run.options.commit else []
    _batch(nr, canary, run)
    bad = [n for n in canary if not run.results[n].ok]
    if bad and run.aborted is None:
        run.aborted = f"canary failed on {', '.join(bad)}: the rest was not deployed"
    _batch(nr, [n for n in tier.devices if n not in canary], run)


def _check_tier(run: _Run, done: Sequence[Tier], report: TierReport) -> None:
    """Stop before the next tier unless every device so far is fine and checks healthy."""
    failed = [n for n in report.devices if not run.results[n].ok]
    if failed:
        run.aborted = (f"tier {report.name} failed on {', '.join(failed)}: the next tier was "
                       "not touched")
        return
    if run.options.tier_check is None:
        return
    deployed = [run.targets[n] for tier in done for n in tier.devices]
    checked = run.options.tier_check(deployed)
    report.checked, report.problems = checked.summary, checked.problems
    run.reporter.tier(f"tier {report.index}/{report.total} {report.name} checked: "
                      f"{checked.summary}")
    if checked.problems:
        run.aborted = (f"tier {report.name} is not healthy after commit: "
                       f"{_first(checked.problems)}: the next tier was not touched")


def _first(problems: Sequence[str], shown: int = 3) -> str:
    """
    >>> _first(["a", "b", "c", "d"])
    'a; b; c (and 1 more)'
    """
    more = len(problems) - shown
    return "; ".join(problems[:shown]) + (f" (and {more} more)" if more > 0 else "")
