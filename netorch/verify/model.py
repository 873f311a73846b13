"""What verify found: per tunnel and per BGP session, compared with the plan."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from netorch.verify.origin import StateOrigin


class TunnelStatus(str, Enum):
    ESTABLISHED = "ESTABLISHED"
    DOWN = "DOWN"
    MISSING = "MISSING"
    UNEXPECTED = "UNEXPECTED"


class PlanEnd(Protocol):
    """One tunnel end as the plan (`netorch.plan.model.TunnelEnd`) describes it."""

    @property
    def device(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def underlay_address(self) -> str: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def asn(self) -> int: ...


class PlanTunnel(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def a(self) -> PlanEnd: ...
    @property
    def b(self) -> PlanEnd: ...


class PlanLike(Protocol):
    @property
    def tunnels(self) -> Sequence[PlanTunnel]: ...


@dataclass(frozen=True)
class LiveSa:
    local: str
    remote: str
    up: bool
    name: str = ""
    detail: str = ""  # what the device showed, e.g. "IKE_SA ESTABLISHED, CHILD_SA none"


@dataclass(frozen=True)
class LiveBgp:
    neighbor: str
    state: str
    prefixes: int | None


@dataclass
class LiveState:
    sas: list[LiveSa] = field(default_factory=list)
    bgp: list[LiveBgp] = field(default_factory=list)


@dataclass(frozen=True)
class TunnelCheck:
    device: str
    tunnel: str
    status: TunnelStatus
    local: str
    remote: str
    detail: str = ""


@dataclass(frozen=True)
class BgpCheck:
    device: str
    tunnel: str
    neighbor: str
    state: str
    prefixes: int | None

    @property
    def up(self) -> bool:
        return self.state.lower() == "established"


@dataclass
class VerifyReport:
    tunnels: list[TunnelCheck]
    bgp: list[BgpCheck]
    errors: dict[str, str] = field(default_factory=dict)  # device -> why it was not read

    @property
    def ok(self) -> bool:
        return (not self.errors and all(t.status is TunnelStatus.ESTABLISHED for t in self.tunnels)
                and all(b.up for b in self.bgp))

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "errors": dict(sorted(self.errors.items())),
                "tunnels": [{"id": t.tunnel, "device": t.device, "tunnel": t.tunnel,
                             "status": t.status.value,
                             "local": t.local, "remote": t.remote, "detail": t.detail}
                            for t in self.tunnels],
                "bgp": [{"device": b.device, "tunnel": b.tunnel, "neighbor": b.neighbor,
                         "state": b.state, "up": b.up, "prefixes": b.prefixes}
                        for b in self.bgp]}

    def document(self, origin: StateOrigin) -> dict[str, object]:
        """The verify JSON document: where the state comes from (`origin`), then
        `as_dict()`; what `report --state` reads."""
        return {**origin.model_dump(), **self.as_dict()}

    def to_json(self, origin: StateOrigin) -> str:
        """`document(origin)` as `--format json` prints it: indented, keys sorted."""
        return json.dumps(self.document(origin), indent=2, sort_keys=True) + "\n"

    def table(self) -> str:
        """Plain-text table, one row per tunnel end and BGP session, sorted."""
        rows = [f"{'DEVICE':<16} {'TUNNEL':<36} {'IKE/IPSEC':<12} {'BGP':<12} PREFIXES"]
        bgp = {(b.device, b.tunnel): b for b in self.bgp}
        for t in self.tunnels:
            session = bgp.get((t.device, t.tunnel))
            state = session.state if session else "-"
            count = "-" if session is None or session.prefixes is None else str(session.prefixes)
            rows.append(f"{t.device:<16} {t.tunnel:<36} {t.status.value:<12} {state:<12} {count}")
        rows += [f"{d:<16} {'(not read)':<36} {e}" for d, e in sorted(self.errors.items())]
        return "\n".join(rows) + "\n"
