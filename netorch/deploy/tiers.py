"""Rollout in tiers: the hubs first, checked, then the spokes.

A spoke dials its hubs as soon as its config loads; a hub that is not configured yet
answers NO_PROPOSAL_CHOSEN or AUTHENTICATION_FAILED, and charon does not retry after
those. So a commit deploys the hub tier (the devices of the plan's hub sites), checks
it, and only then the spokes; a full mesh is one tier. The check (`verify_check`) uses
netorch's verify code on the devices deployed so far: each one read, every planned BGP
neighbour of theirs present (the routing config is loaded, even while its far end is
not deployed yet), and every tunnel between two of them ESTABLISHED within a bounded
wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netorch.deploy.targets import HUBS, TIER_ORDER, DeviceTarget
from netorch.transport import Credentials
from netorch.verify.live import verify_fabric

if TYPE_CHECKING:
    from netorch.verify.model import PlanLike, VerifyReport

WAIT = 30.0      # seconds the tunnels between deployed tiers get to come up
INTERVAL = 0.5   # between two reads while waiting


@dataclass(frozen=True)
class Tier:
    name: str                 # "hubs", "spokes" or "all" (full mesh)
    devices: tuple[str, ...]  # sorted


@dataclass
class TierReport:
    """One tier of a run: its devices and, once checked, what the check found."""

    index: int
    total: int
    name: str
    devices: list[str]
    checked: str | None = None      # the check's summary (None: not checked)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        """
        >>> TierReport(1, 2, "hubs", ["h1", "h2"]).line()
        'tier 1/2 hubs: 2 devices (h1, h2)'
        """
        names = ", ".join(self.devices[:6]) + (", ..." if len(self.devices) > 6 else "")
        count = f"{len(self.devices)} device{'s' if len(self.devices) != 1 else ''}"
        return f"tier {self.index}/{self.total} {self.name}: {count} ({names})"

    def as_dict(self) -> dict[str, object]:
        return {"tier": self.name, "index": self.index, "devices": list(self.devices),
                "checked": self.checked, "problems": list(self.problems)}


@dataclass(frozen=True)
class TierCheckResult:
    summary: str
    problems: list[str]


TierCheck = Callable[[Sequence[DeviceTarget]], TierCheckResult]


def tiers_of(targets: Sequence[DeviceTarget]) -> list[Tier]:
    """The tiers in rollout order, each with its devices sorted; empty tiers left out.

    >>> t = [DeviceTarget("s1", "p", "h", tier="spokes"), DeviceTarget("h1", "p", "h", tier="hubs")]
    >>> [(x.name, x.devices) for x in tiers_of(t)]
    [('hubs', ('h1',)), ('spokes', ('s1',))]
    """
    names = sorted({t.tier for t in targets}, key=TIER_ORDER.index)
    return [Tier(n, tuple(sorted(t.name for t in targets if t.tier == n))) for n in names]


def inside(plan: PlanLike, deployed: set[str]) -> set[str]:
    """The ids of the planned tunnels whose both ends are deployed."""
    return {t.id for t in plan.tunnels if t.a.device in deployed and t.b.device in deployed}


def tier_problems(report: VerifyReport, deployed: set[str], tunnels: set[str]) -> list[str]:
    """What keeps the deployed devices from counting as healthy (pure): a device not
    read, a planned BGP neighbour missing, a tunnel in `tunnels` not ESTABLISHED."""
    problems = [f"{d}: not read: {e}" for d, e in sorted(report.errors.items())]
    problems += [f"{b.device}: BGP neighbour {b.neighbor} ({b.tunnel}) not configured: "
                 "the routing config is not loaded"
                 for b in report.bgp if b.device in deployed and b.state == "missing"]
    problems += [f"{t.device}: tunnel {t.tunnel} {t.status.value}"
                 + (f" ({t.detail})" if t.detail else "")
                 for t in report.tunnels if t.tunnel in tunnels and t.status.value != "ESTABLISHED"]
    return problems


def verify_check(plan: PlanLike, credentials: Credentials, *, wait: float = WAIT,
                 workers: int = 10, timeout: float = 30.0) -> TierCheck:
    """A `TierCheck` reading the deployed devices with `netorch.verify`, re-read every
    `INTERVAL` s until healthy or `wait` s have passed."""

    def check(deployed: Sequence[DeviceTarget]) -> TierCheckResult:

        names = {t.name for t in deployed}
        tunnels = inside(plan, names)
        deadline = time.monotonic() + wait
        while True:
            report = verify_fabric(plan, deployed, credentials, workers=workers,
                                   timeout=timeout)
            problems = tier_problems(report, names, tunnels)
            if not problems or time.monotonic() >= deadline:
                return TierCheckResult(_summary(report, names, tunnels), problems)
            time.sleep(INTERVAL)

    return check


def _summary(report: VerifyReport, deployed: set[str], tunnels: set[str]) -> str:
    ends = [t for t in report.tunnels if t.tunnel in tunnels]
    up = sum(t.status.value == "ESTABLISHED" for t in ends)
    sessions = [b for b in report.bgp if b.device in deployed]
    configured = sum(b.state != "missing" for b in sessions)
    return (f"{up}/{len(ends)} tunnel ends between deployed devices ESTABLISHED, "
            f"{configured}/{len(sessions)} BGP neighbours configured")


__all__ = ["HUBS", "Tier", "TierCheck", "TierCheckResult", "TierReport", "inside",
           "tier_problems", "tiers_of", "verify_check"]
