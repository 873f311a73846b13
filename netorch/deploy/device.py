"""One device's deploy, start to finish: it ends on its new config or on its old one.

The flow follows nornir_napalm's `napalm_configure`: read, diff, and only with a
non-empty diff and `commit` go on to save a rollback point, push, check the result
and confirm. Any failure after the first change is followed by a fresh SSH session,
a look at what is really running, and a rollback if it is not the old config; the
result records which state the device was left in and how it got there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from netorch.deploy.change import Conflict
from netorch.deploy.driver import Driver
from netorch.deploy.redact import Scrubber
from netorch.deploy.results import ConfigState, DeviceResult, Outcome
from netorch.transport import DeviceError, address, as_device_error

PostCheck = Callable[[Driver], list[str]]


@dataclass(frozen=True)
class DeviceRun:
    commit: bool
    post_check: PostCheck | None = None
    rotate_keys: bool = False


def run_device(driver: Driver, run: DeviceRun, scrub: Scrubber) -> DeviceResult:
    target = driver.target
    result = DeviceResult(target.name, target.platform, Outcome.FAILED)
    started = time.monotonic()
    try:
        _lifecycle(driver, run, result, scrub)
    finally:
        result.seconds = time.monotonic() - started
    return result


def _fail(result: DeviceResult, exc: BaseException, step: str, scrub: Scrubber,
          where: str = "") -> None:
    error = as_device_error(exc, step, where=where, device=result.device)
    result.outcome, result.state = Outcome.FAILED, ConfigState.OLD
    result.error = scrub(error.message)
    result.steps.append(f"failed before any change: {result.error}")


def _refuse(result: DeviceResult, conflicts: tuple[Conflict, ...], scrub: Scrubber) -> None:
    """A device with conflicts gets nothing: each is reported with its resolution."""
    result.outcome, result.state = Outcome.CONFLICT, ConfigState.OLD
    result.conflicts = [{k: scrub(v) for k, v in c.as_dict().items()} for c in conflicts]
    result.error = (f"{len(conflicts)} conflict(s) with the running config: "
                    f"{scrub(str(conflicts[0]))}")
    result.steps.append("conflict: nothing sent")


def _lifecycle(driver: Driver, run: DeviceRun, result: DeviceResult, scrub: Scrubber) -> None:
    step = "connect"
    try:
        driver.open()
        step = "reading the running config"
        before = driver.read_running()
        change = driver.plan(before, rotate_keys=run.rotate_keys)
    except Exception as exc:  # every device failure becomes a result, never a traceback
        _fail(result, exc, step, scrub, address(driver.target.host, driver.target.port))
        return
    result.diff = scrub(change.diff)
    if change.conflicts:
        _refuse(result, change.conflicts, scrub)
        return
    if not change:
        result.outcome, result.state = Outcome.UNCHANGED, ConfigState.NEW
        result.steps.append("no change: nothing sent")
        return
    if not run.commit:
        result.outcome = Outcome.WOULD_CHANGE
        return
    try:
        driver.save(before)
    except Exception as exc:
        _fail(result, exc, "saving the rollback point", scrub)
        return
    _commit(driver, run, result, scrub, before, change.commands)


def _commit(driver: Driver, run: DeviceRun, result: DeviceResult, scrub: Scrubber,
            before: str, commands: list[str]) -> None:
    step = "pushing the change"
    try:
        driver.push(driver.plan(before, rotate_keys=run.rotate_keys))
        result.steps.append(f"pushed {len(commands)} command(s)")
        step = "checking the device after commit"
        problems = post_commit_problems(driver, run.post_check)
        if problems:
            raise DeviceError("verify", "; ".join(problems))
        step = "confirming the commit"
        driver.confirm()
    except Exception as exc:
        result.error = scrub(as_device_error(exc, step, driver.alive()).message)
        result.steps.append(f"failed: {result.error}")
        _recover(driver, result, scrub, before)
        return
    result.outcome, result.state = Outcome.COMMITTED, ConfigState.NEW
    result.steps.append("committed and checked")


def post_commit_problems(driver: Driver, post_check: PostCheck | None) -> list[str]:
    """What is wrong after a commit: intended lines missing, then the caller's checks.
    (Keys, shown encrypted, count as there when present: a rotated key is not resent.)"""
    leftover = driver.plan(driver.read_running())
    problems = []
    if leftover:
        problems.append(f"{len(leftover.commands)} change(s) missing from the running config "
                        "after commit")
    if post_check is not None and not problems:
        problems += post_check(driver)
    return problems


def _recover(driver: Driver, result: DeviceResult, scrub: Scrubber, before: str) -> None:
    old = driver.managed(before)
    try:
        driver.reopen()
        if driver.managed(driver.read_running()) == old:
            result.outcome, result.state = Outcome.FAILED, ConfigState.OLD
            result.steps.append("running config unchanged: nothing to roll back")
            return
        result.steps.append("rolling back to the saved config")
        result.rollback = "explicit"
        driver.rollback()
        if driver.managed(driver.read_running()) == old:
            result.outcome, result.state = Outcome.ROLLED_BACK, ConfigState.OLD
            result.steps.append("rolled back: old config verified")
            return
        result.outcome, result.state = Outcome.UNKNOWN, ConfigState.UNKNOWN
        result.steps.append("rollback did not restore the old config")
    except Exception as exc:
        error = scrub(as_device_error(exc, "recovery").message)
        result.outcome, result.state = Outcome.UNKNOWN, ConfigState.UNKNOWN
        if driver.automatic_rollback:
            result.rollback = "automatic (commit confirmed): pending on the device"
        result.steps.append(f"recovery failed: {error}")
        result.error = f"{result.error}; recovery failed: {error}"
