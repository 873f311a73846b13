"""Read every device's live state over SSH and compare it with the plan (the SSH part of
verify: Nornir, Netmiko, each platform's reader). Kept apart from `netorch.verify`, whose
models `report` reads without loading the SSH stack."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from nornir.core.task import Result, Task

from netorch.platforms import registry
from netorch.transport import Credentials, Endpoint, as_device_error
from netorch.transport.nornir_inventory import build_nornir, close, session
from netorch.verify.compare import compare_device
from netorch.verify.model import BgpCheck, LiveState, PlanLike, TunnelCheck, VerifyReport


def read_live(task: Task) -> LiveState:
    """Connect to the task's host and read its SAs and BGP sessions."""
    plugin = registry().get(task.host.data["netorch_platform"])
    reader = plugin.verify_reader() if plugin else None
    if reader is None:
        raise ValueError(f"no verify reader for platform {task.host.data['netorch_platform']}")
    conn = session(task)

    def send(command: str) -> str:
        return str(conn.send_command(command))

    return reader(send)


def verify_fabric(plan: PlanLike, targets: Sequence[Endpoint], credentials: Credentials,
                  *, workers: int = 10, timeout: float = 30.0) -> VerifyReport:
    tunnels: list[TunnelCheck] = []
    bgp: list[BgpCheck] = []
    errors: dict[str, str] = {}
    lock = threading.Lock()
    for platform in sorted({t.platform for t in targets} & set(registry())):
        registry()[platform].verify_reader()  # a plugin's broken reader: PluginError here

    def task(task: Task) -> Result:
        name = task.host.name
        try:
            found, sessions = compare_device(plan, name, read_live(task))
        except Exception as exc:  # a device we cannot read is a finding, not a crash
            with lock:
                where = f"{task.host.hostname}:{task.host.port}"
                errors[name] = as_device_error(exc, "reading live state", where=where,
                                               device=name).message
            return Result(host=task.host)
        finally:
            close(task)
        with lock:
            tunnels.extend(found)
            bgp.extend(sessions)
        return Result(host=task.host)

    nr = build_nornir(targets, credentials, workers=workers, timeout=timeout)
    nr.run(task=task, on_failed=True)
    return VerifyReport(tunnels=sorted(tunnels, key=lambda t: (t.device, t.tunnel, t.remote)),
                        bgp=sorted(bgp, key=lambda b: (b.device, b.tunnel)), errors=errors)
