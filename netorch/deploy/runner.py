"""Deploy or diff a whole fabric with Nornir: workers, canary, abort after N failures.

Each device runs `device.run_device` in a Nornir task. A canary batch (the first N
devices by name) goes first and must all succeed; then the rest run in parallel, and
once `max_failures` devices have failed no new device starts (those in flight finish,
the others are reported as skipped, still on their old config).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import Result, Task

from netorch.deploy import audit
from netorch.deploy.credentials import Credentials
from netorch.deploy.device import DeviceRun, PostCheck, run_device
from netorch.deploy.drivers import DRIVERS
from netorch.deploy.nornir_inventory import build_nornir
from netorch.deploy.progress import Reporter, SilentReporter
from netorch.deploy.redact import Scrubber, secrets_in
from netorch.deploy.results import DeployResult, DeviceResult, Outcome
from netorch.deploy.targets import DeviceTarget, UsageError


@dataclass(frozen=True)
class DeployOptions:
    """How to deploy. `max_failures=None` never aborts; `canary=0` has no canary batch.

    `rotate_keys`: send every pre-shared key again. Devices show keys encrypted, so a
    changed key cannot be seen in a diff; without this option a key present on the
    device is left as it is (and a no-change redeploy sends nothing)."""

    commit: bool = False
    workers: int = 10
    canary: int = 0
    max_failures: int | None = None
    timeout: float = 60.0
    connect_timeout: float = 10.0
    audit_log: str | Path | None = None
    post_check: PostCheck | None = None
    rotate_keys: bool = False

    def check(self) -> None:
        if self.workers < 1:
            raise UsageError("--workers must be at least 1")
        if self.canary < 0:
            raise UsageError("--canary must be 0 or more")
        if self.max_failures is not None and self.max_failures < 1:
            raise UsageError("--max-failures must be at least 1")


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
        result = _deploy_host(task, run, target)
    run.record(result)
    return Result(host=task.host, result=result, changed=result.outcome is Outcome.COMMITTED)


def _deploy_host(task: Task, run: _Run, target: DeviceTarget) -> DeviceResult:
    driver_cls = DRIVERS.get(target.platform)
    if driver_cls is None:
        return DeviceResult(target.name, target.platform, Outcome.FAILED,
                            error=f"no deploy driver for platform '{target.platform}'")
    host, config = task.host, task.nornir.config

    def connect() -> object:
        return host.get_connection("netmiko", config)

    def reconnect() -> object:
        with contextlib.suppress(Exception):
            host.close_connection("netmiko")
        return connect()

    driver = driver_cls(target, connect, reconnect)
    scrub = Scrubber(secrets_in(target.files.values()))
    try:
        return run_device(driver, DeviceRun(run.options.commit, run.options.post_check,
                                            run.options.rotate_keys), scrub)
    finally:
        with contextlib.suppress(Exception):
            host.close_connection("netmiko")


def _batch(nr: Nornir, names: Sequence[str], run: _Run) -> None:
    if names:
        wanted = set(names)
        nr.filter(filter_func=lambda h: h.name in wanted).run(task=_task, run=run,
                                                              on_failed=True)


def run_fabric(targets: Sequence[DeviceTarget], credentials: Credentials,
               options: DeployOptions, reporter: Reporter | None = None,
               action: str = "deploy") -> DeployResult:
    """Diff (options.commit False) or deploy every target; see `DeployOptions`."""
    options.check()
    run = _Run(options, {t.name: t for t in targets}, reporter or SilentReporter())
    names = sorted(run.targets)
    nr = build_nornir(targets, credentials, workers=options.workers, timeout=options.timeout,
                      connect_timeout=options.connect_timeout)
    canary = names[:options.canary] if options.commit else []
    run.reporter.start(len(names), "deploying" if options.commit else "diffing")
    try:
        _batch(nr, canary, run)
        bad = [n for n in canary if not run.results[n].ok]
        if bad and run.aborted is None:
            run.aborted = f"canary failed on {', '.join(bad)}: the rest was not deployed"
        _batch(nr, [n for n in names if n not in canary], run)
    finally:
        run.reporter.finish()
    result = DeployResult(list(run.results.values()), committed=options.commit,
                          aborted=run.aborted)
    if action == "deploy":
        audit.append(audit.audit_path(options.audit_log), result.devices,
                     run_id=uuid.uuid4().hex[:12],
                     action="commit" if options.commit else "dry-run",
                     login=credentials.username)
    return result
