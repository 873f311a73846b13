"""The report's view of live state: verify's result matched to the plan's tunnels.

The result is `netorch.verify.model.VerifyResult`, the typed document `netorch verify
--format json` (or `netorch lab verify`) writes and `statefile.load_state` reads back.
Verify lists each tunnel once per end (with its `device`): the tunnel takes the worst
end's status (MISSING, DOWN, UNEXPECTED, ESTABLISHED); a planned tunnel the result does
not mention is NOT-REPORTED, a reported one the plan does not know is listed as
UNEXPECTED. A BGP session is `up` when its state is Established (any case). The values
stay data, escaped by each report format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from netorch.plan.model import FabricPlan
from netorch.report.model import ObservedState, SessionState, TunnelState
from netorch.verify.model import BgpCheck, TunnelCheck, TunnelStatus, VerifyResult

NOT_REPORTED = "NOT-REPORTED"
UP_STATES = frozenset({"up", "established"})
_BADNESS = {TunnelStatus.ESTABLISHED: 0, TunnelStatus.UNEXPECTED: 1, TunnelStatus.DOWN: 3,
            TunnelStatus.MISSING: 4}


def live_state(plan: FabricPlan, result: VerifyResult) -> ObservedState:
    """Every planned tunnel's status from `result`, the unplanned ones, every session."""
    reported = _by_tunnel(result.tunnels)
    tunnels = [reported.get(t.id) or TunnelState(tunnel=t.id, status=NOT_REPORTED, detail=None)
               for t in plan.tunnels]
    planned = {t.id for t in plan.tunnels}
    unexpected = [state.model_copy(update={"status": TunnelStatus.UNEXPECTED.value})
                  for tid, state in sorted(reported.items()) if tid not in planned]
    sessions = sorted((_session(b) for b in result.bgp),
                      key=lambda s: (s.tunnel, s.device, s.peer))
    counts = Counter(t.status for t in tunnels) + Counter(t.status for t in unexpected)
    return ObservedState(origin=result.origin, tunnels=tunnels, sessions=sessions,
                         unexpected=unexpected, counts=dict(sorted(counts.items())))


def _by_tunnel(checks: Iterable[TunnelCheck]) -> dict[str, TunnelState]:
    """One state per reported tunnel, in the order verify first lists it."""
    ends: dict[str, list[TunnelCheck]] = {}
    for check in checks:
        ends.setdefault(check.tunnel, []).append(check)
    return {tid: _one(tid, found) if len(found) == 1 else _merged(tid, found)
            for tid, found in ends.items()}


def _one(tid: str, ends: list[TunnelCheck]) -> TunnelState:
    return TunnelState(tunnel=tid, status=ends[0].status.value, detail=ends[0].detail)


def _merged(tid: str, ends: list[TunnelCheck]) -> TunnelState:
    """The tunnel takes its worst end's status; the detail names every end that is not
    ESTABLISHED."""
    worst = max((e.status for e in ends), key=lambda status: _BADNESS[status])
    detail = "; ".join(f"{e.device}: {e.status.value}" + (f" ({e.detail})" if e.detail else "")
                       for e in ends if e.status is not TunnelStatus.ESTABLISHED)
    return TunnelState(tunnel=tid, status=worst.value, detail=detail or None)


def _session(check: BgpCheck) -> SessionState:
    state = check.state.strip().lower()
    return SessionState(tunnel=check.tunnel, device=check.device, peer=check.neighbor,
                        state="up" if state in UP_STATES else state,
                        prefixes_received=check.prefixes)
