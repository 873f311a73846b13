"""What a diff or deploy did, per device and overall: honest about every device."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

from netorch.deploy.tiers import TierReport


class Outcome(str, Enum):
    UNCHANGED = "unchanged"        # already on the intended config: nothing sent
    WOULD_CHANGE = "would-change"  # dry run: the diff is what --commit would apply
    COMMITTED = "committed"        # on the new config, checked after commit
    ROLLED_BACK = "rolled-back"    # the change failed and the device is back on its old config
    FAILED = "failed"              # failed before anything changed: still on its old config
    SKIPPED = "skipped"            # not attempted (canary failed or too many failures)
    UNKNOWN = "unknown"            # changed, then unreachable: state could not be confirmed
    CONFLICT = "conflict"          # the device has something netorch would overwrite: nothing sent


class ConfigState(str, Enum):
    OLD = "old"
    NEW = "new"
    UNKNOWN = "unknown"


_OK = {Outcome.UNCHANGED, Outcome.WOULD_CHANGE, Outcome.COMMITTED}


@dataclass
class DeviceResult:
    device: str
    platform: str
    outcome: Outcome
    state: ConfigState = ConfigState.OLD
    diff: str = ""
    error: str | None = None
    rollback: str | None = None  # "explicit" | "automatic (commit confirmed)" | None
    steps: list[str] = field(default_factory=list)
    seconds: float = 0.0
    conflicts: list[dict[str, str]] = field(default_factory=list)
    tier: str = ""  # the rollout tier it was deployed in: hubs, spokes or all

    @property
    def ok(self) -> bool:
        return self.outcome in _OK

    @property
    def changed(self) -> bool:
        return bool(self.diff)

    @property
    def diff_sha256(self) -> str | None:
        """Hash of the redacted diff: identifies the change without carrying a secret."""
        return hashlib.sha256(self.diff.encode()).hexdigest() if self.diff else None

    def as_dict(self) -> dict[str, object]:
        return {"device": self.device, "platform": self.platform,
                "outcome": self.outcome.value, "state": self.state.value,
                "changed": self.changed, "diff": self.diff, "diff_sha256": self.diff_sha256,
                "error": self.error, "rollback": self.rollback, "steps": list(self.steps),
                "conflicts": [dict(c) for c in self.conflicts], "tier": self.tier,
                "seconds": round(self.seconds, 3)}


@dataclass
class DeployResult:
    devices: list[DeviceResult]
    committed: bool = False
    aborted: str | None = None  # why the rest of the fabric was skipped
    tiers: list[TierReport] = field(default_factory=list)  # in rollout order

    def __post_init__(self) -> None:
        self.devices.sort(key=lambda r: r.device)

    @property
    def ok(self) -> bool:
        return self.aborted is None and all(r.ok for r in self.devices)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for result in self.devices:
            out[result.outcome.value] = out.get(result.outcome.value, 0) + 1
        return dict(sorted(out.items()))

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "committed": self.committed, "aborted": self.aborted,
                "counts": self.counts(), "tiers": [t.as_dict() for t in self.tiers],
                "devices": [r.as_dict() for r in self.devices]}
