"""Verify: read every device's live IKE/IPsec SAs and BGP sessions, compare with the plan.

`verify_fabric(plan, targets, credentials)` returns a `VerifyReport`: per tunnel end
ESTABLISHED / DOWN / MISSING (and UNEXPECTED SAs the plan does not explain), per BGP
session its state and prefixes received; `report.exit_code` is 1 on any mismatch.
`report.to_json(origin_of(inventory, fabric, PRODUCTION or lab_source(name)))` is the
`--format json` document, headed by where the state comes from (`netorch.verify.origin`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence

from nornir.core.task import Result, Task

from netorch.deploy.credentials import Credentials
from netorch.deploy.drivers.base import as_device_error
from netorch.deploy.nornir_inventory import build_nornir
from netorch.deploy.targets import DeviceTarget
from netorch.verify.compare import compare_device
from netorch.verify.model import (
    BgpCheck,
    LiveState,
    PlanLike,
    TunnelCheck,
    TunnelStatus,
    VerifyReport,
)
from netorch.verify.origin import PRODUCTION, StateOrigin, lab_source, origin_of
from netorch.platforms import registry

__all__ = ["PRODUCTION", "BgpCheck", "StateOrigin", "TunnelCheck", "TunnelStatus",
           "VerifyReport", "lab_source", "origin_of", "read_live", "verify_fabric"]


def read_live(task: Task) -> LiveState:
    """Connect to the task's host and read its SAs and BGP sessions."""
    plugin = registry().get(task.host.data["netorch_platform"])
    reader = plugin.verify_reader() if plugin else None
    if reader is None:
        raise ValueError(f"no verify reader for platform {task.host.data['netorch_platform']}")
    conn = task.host.get_connection("netmiko", task.nornir.config)

    def send(command: str) -> str:
        return str(conn.send_command(command))

    return reader(send)


def verify_fabric(plan: PlanLike, targets: Sequence[DeviceTarget], credentials: Credentials,
                  *, workers: int = 10, timeout: float = 30.0) -> VerifyReport:
    report = VerifyReport([], [])
    lock = threading.Lock()

    def task(task: Task) -> Result:
        name = task.host.name
        try:
            tunnels, bgp = compare_device(plan, name, read_live(task))
        except Exception as exc:  # a device we cannot read is a finding, not a crash
            with lock:
                where = f"{task.host.hostname}:{task.host.port}"
                report.errors[name] = as_device_error(exc, "reading live state", where=where,
                                                      device=name).message
            return Result(host=task.host)
        finally:
            with contextlib.suppress(Exception):
                task.host.close_connection("netmiko")
        with lock:
            report.tunnels += tunnels
            report.bgp += bgp
        return Result(host=task.host)

    nr = build_nornir(targets, credentials, workers=workers, timeout=timeout)
    nr.run(task=task, on_failed=True)
    report.tunnels.sort(key=lambda t: (t.device, t.tunnel, t.remote))
    report.bgp.sort(key=lambda b: (b.device, b.tunnel))
    return report
