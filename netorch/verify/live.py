"""Read every device's live state over SSH and compare it with the plan (the SSH part of
verify: Nornir, Netmiko, each platform's reader). Kept apart from `netorch.verify`, whose
models `report` reads without loading the SSH stack."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nornir.core.task import Result, Task

from netorch.platforms import registry
from netorch.transport import Credentials, Endpoint, as_device_error
from netorch.transport.nornir_inventory import build_nornir, close, session
from netorch.verify.certs import check_device
from netorch.verify.compare import compare_device
from netorch.verify.model import (
    BgpCheck,
    CertCheck,
    LiveCert,
    LiveState,
    PlanLike,
    TunnelCheck,
    VerifyReport,
)
from netorch.verify.reader import Reader, Send, certificate_reader

if TYPE_CHECKING:
    from netorch.pki.state import FabricPki


def _reader(task: Task) -> Reader:
    plugin = registry().get(task.host.data["netorch_platform"])
    reader = plugin.verify_reader() if plugin else None
    if reader is None:
        raise ValueError(f"no verify reader for platform {task.host.data['netorch_platform']}")
    return reader


def _send(task: Task) -> Send:
    conn = session(task)

    def send(command: str) -> str:
        return str(conn.send_command(command))

    return send


def read_live(task: Task) -> LiveState:
    """Connect to the task's host and read its SAs and BGP sessions."""
    reader = _reader(task)
    return reader(_send(task))


def read_certs(task: Task) -> list[LiveCert] | None:
    """The certificates the task's host holds as its own (None: its platform shows none)."""
    found = certificate_reader(_reader(task))
    return found(_send(task)) if found else None


def _cert_check(task: Task, pki: FabricPki | None) -> list[CertCheck]:
    """On a certificate fabric with a PKI folder, the verdict on the host's certificate."""
    name = task.host.name
    if pki is None or pki.view.member(name) is None:
        return []
    return [check_device(name, pki, read_certs(task))]


def verify_fabric(plan: PlanLike, targets: Sequence[Endpoint], credentials: Credentials,
                  *, workers: int = 10, timeout: float = 30.0,
                  pki: FabricPki | None = None) -> VerifyReport:
    """Every device's tunnels and BGP sessions against the plan; with `pki` (the
    inventory's PKI folder, `netorch.api.load_pki`: None for PSK fabrics) also the
    certificate each device presents (`netorch.verify.certs`)."""
    tunnels: list[TunnelCheck] = []
    bgp: list[BgpCheck] = []
    certs: list[CertCheck] = []
    errors: dict[str, str] = {}
    lock = threading.Lock()
    for platform in sorted({t.platform for t in targets} & set(registry())):
        registry()[platform].verify_reader()  # a plugin's broken reader: PluginError here

    def task(task: Task) -> Result:
        name = task.host.name
        try:
            found, sessions = compare_device(plan, name, read_live(task))
            verdict = _cert_check(task, pki)
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
            certs.extend(verdict)
        return Result(host=task.host)

    nr = build_nornir(targets, credentials, workers=workers, timeout=timeout)
    nr.run(task=task, on_failed=True)
    return VerifyReport(tunnels=sorted(tunnels, key=lambda t: (t.device, t.tunnel, t.remote)),
                        bgp=sorted(bgp, key=lambda b: (b.device, b.tunnel)),
                        certs=sorted(certs, key=lambda c: c.device), errors=errors)
