"""What a rehearsal found, per device and overall (the JSON `rehearse --format json` prints)."""

from __future__ import annotations

from dataclasses import dataclass, field

SCHEMA_VERSION = "1.0"
SHOWN_LINES = 20  # operator lines changed, listed per device (the count is always exact)


@dataclass
class DeviceRehearsal:
    """One device's rehearsal: the operator's lines the deploy touched must be none.

    `netorch_lines_removed` counts lines the deploy removed or changed that netorch's
    ownership rules claimed before it: stale objects of an earlier netorch deploy. On a
    device netorch never deployed to, any such line is an operator line netorch wrongly
    took for its own. `idempotent` is None when the device was not deployed (a conflict
    or a failure)."""

    device: str
    platform: str
    config_lines: int
    operator_lines_changed: int = 0
    netorch_lines_added: int = 0
    netorch_lines_removed: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)
    idempotent: bool | None = None
    outcome: str = ""
    error: str | None = None
    operator_lines: list[str] = field(default_factory=list)
    removed_netorch_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.operator_lines_changed == 0 and not self.conflicts
                and self.idempotent is True and self.error is None)

    def as_dict(self) -> dict[str, object]:
        return {"platform": self.platform, "config_lines": self.config_lines,
                "operator_lines_changed": self.operator_lines_changed,
                "netorch_lines_added": self.netorch_lines_added,
                "netorch_lines_removed": self.netorch_lines_removed,
                "removed_netorch_lines": self.removed_netorch_lines[:SHOWN_LINES],
                "conflicts": [dict(c) for c in self.conflicts],
                "idempotent": self.idempotent, "outcome": self.outcome, "error": self.error,
                "operator_lines": self.operator_lines[:SHOWN_LINES], "ok": self.ok}


@dataclass
class Rehearsal:
    devices: list[DeviceRehearsal]
    not_rehearsed: list[str] = field(default_factory=list)  # no running config given

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.devices)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_dict(self) -> dict[str, object]:
        return {"schema_version": SCHEMA_VERSION, "ok": self.ok,
                "devices": {d.device: d.as_dict() for d in sorted(
                    self.devices, key=lambda d: d.device)},
                "not_rehearsed": sorted(self.not_rehearsed)}
