"""`netorch verify` on the running lab: the production verify code path, over SSH.

The lab's plan (every device `linux_strongswan` at its lab management address) and the
lab's SSH key are the ones `lab up` deployed with (`pipeline.lab_targets`,
`pipeline.lab_credentials`); `verify_fabric` reads each device's SAs and BGP sessions.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from netorch.lab import pipeline
from netorch.lab.runtime import Runtime
from netorch.pki import FabricPki
from netorch.plan.model import FabricPlan
from netorch.verify import TunnelStatus, VerifyReport
from netorch.verify.live import verify_fabric

READ_TIMEOUT = 15.0   # seconds per device: an sshd in a namespace answers in well under 1 s
INTERVAL = 0.5        # between two reads while waiting


def verify_lab(rt: Runtime, plan: FabricPlan, *, workers: int = 10,
               pki: FabricPki | None = None) -> VerifyReport:
    """`verify_fabric` on the lab; with `pki` (the lab's own, `labpki.load`) also the
    certificate each device presents."""
    return verify_fabric(plan, pipeline.lab_targets(plan), pipeline.lab_credentials(rt),
                         workers=workers, timeout=READ_TIMEOUT, pki=pki)


def poll(rt: Runtime, plan: FabricPlan, problems: Callable[[VerifyReport], list[str]],
         timeout: float, pki: FabricPki | None = None) -> tuple[VerifyReport, list[str]]:
    """Verify until `problems(report)` is empty or `timeout` seconds passed (at least once)."""
    deadline = time.monotonic() + timeout
    while True:
        report = verify_lab(rt, plan, pki=pki)
        found = problems(report)
        if not found or time.monotonic() >= deadline:
            return report, found
        time.sleep(INTERVAL)


def unread(report: VerifyReport) -> list[str]:
    return [f"{device}: not read: {error}" for device, error in sorted(report.errors.items())]


def tunnel_problems(report: VerifyReport) -> list[str]:
    """Every tunnel end not ESTABLISHED (IKE_SA and CHILD_SA), and every unexpected SA."""
    return unread(report) + [f"{t.device}: {t.tunnel} {t.status.value}"
                             + (f" ({t.detail})" if t.detail else "")
                             for t in report.tunnels if t.status is not TunnelStatus.ESTABLISHED]


def cert_problems(report: VerifyReport) -> list[str]:
    """Every device presenting another certificate than the lab's PKI issued it (or an
    expired, revoked or no certificate)."""
    return [f"{c.device}: certificate {c.status.value}" + (f" ({c.detail})" if c.detail else "")
            for c in report.certs if c.status.failed]


def bgp_problems(report: VerifyReport) -> list[str]:
    return unread(report) + [f"{b.device}: {b.tunnel} BGP to {b.neighbor} {b.state}"
                             for b in report.bgp if not b.up]
