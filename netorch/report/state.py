"""Live state from `netorch verify --format json` (the `--state` file).

The minimal shape read here beside the header (`netorch.verify.origin`; anything
else is ignored, so verify can grow):

    {"tunnels": [{"id": "A--B--private", "status": "ESTABLISHED", "detail": "..."}],
     "bgp":     [{"tunnel": "A--B--private", "device": "A", "peer": "100.64.0.1",
                  "state": "up", "prefixes_received": 3}]}

`tunnels` may also be a mapping id -> {"status": ...} (or id -> "STATUS"). `netorch
verify` lists each tunnel once per end (with its `device`): the tunnel takes the worst
end's status (MISSING, DOWN, other, UNEXPECTED, ESTABLISHED). Tunnel
status is ESTABLISHED, DOWN, MISSING or UNEXPECTED (others are kept as given, in upper
case); a planned tunnel the file does not mention is NOT-REPORTED. A BGP session names
its tunnel, or its device and peer address (the far end's tunnel address); its `state`
is up/down (`established` counts as up). `sessions` is accepted for `bgp`, `neighbor`
for `peer` and `prefixes` for `prefixes_received` (verify's names).

Reading the file (a regular file only, bounded, every field read type-checked) is
`statefile.load_state`; the values stay data, escaped by each report format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from netorch.plan.model import FabricPlan
from netorch.report.model import LiveState, SessionState, TunnelState
from netorch.verify.origin import StateOrigin

NOT_REPORTED = "NOT-REPORTED"
UP_STATES = frozenset({"up", "established"})


def _tunnel_entries(raw: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    items = raw.get("tunnels", []) if isinstance(raw, dict) else []
    if isinstance(items, dict):
        for tid, value in items.items():
            yield str(tid), value if isinstance(value, dict) else {"status": value}
        return
    ends: dict[str, list[dict[str, Any]]] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and "id" in item:
            ends.setdefault(str(item["id"]), []).append(item)
    for tid, found in ends.items():
        yield tid, found[0] if len(found) == 1 else _merged(found)


def _merged(ends: list[dict[str, Any]]) -> dict[str, Any]:
    """One entry per end of a tunnel (as `netorch verify` reports it): the tunnel takes
    its worst end's status; the detail names every end that is not ESTABLISHED."""
    worst = max((_status(e.get("status")) for e in ends), key=_badness)
    detail = "; ".join(f"{e.get('device', '?')}: {_status(e.get('status'))}"
                       + (f" ({e['detail']})" if e.get("detail") else "")
                       for e in ends if _status(e.get("status")) != "ESTABLISHED")
    return {"status": worst, "detail": detail or None}


def _badness(status: str) -> int:
    return {"ESTABLISHED": 0, "UNEXPECTED": 1, "DOWN": 3, "MISSING": 4}.get(status, 2)


def _session_entries(raw: Any) -> Iterator[dict[str, Any]]:
    items = (raw.get("bgp", raw.get("sessions", [])) if isinstance(raw, dict) else [])
    yield from (i for i in items if isinstance(i, dict)) if isinstance(items, list) else ()


def _status(value: Any) -> str:
    return str(value).strip().upper() if value not in (None, "") else "UNKNOWN"


def _prefixes(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _peer_index(plan: FabricPlan) -> dict[tuple[str, str], str]:
    """(device, peer tunnel address) -> tunnel id, for sessions that name no tunnel."""
    index: dict[tuple[str, str], str] = {}
    for t in plan.tunnels:
        index[(t.a.device, t.b.address.split("/")[0])] = t.id
        index[(t.b.device, t.a.address.split("/")[0])] = t.id
    return index


def _session(item: dict[str, Any], index: dict[tuple[str, str], str]) -> SessionState:
    device = str(item.get("device", ""))
    peer = str(item.get("peer", item.get("neighbor", "")))
    tunnel = str(item.get("tunnel") or index.get((device, peer.split("/", maxsplit=1)[0]), ""))
    state = str(item.get("state", "unknown")).strip().lower()
    return SessionState(tunnel=tunnel, device=device, peer=peer,
                        state="up" if state in UP_STATES else state,
                        prefixes_received=_prefixes(item.get("prefixes_received",
                                                             item.get("prefixes"))))


def live_state(plan: FabricPlan, raw: Any, origin: StateOrigin) -> LiveState:
    """Match the verify output to the plan's tunnels; unknown fields are ignored.

    `origin`: the document's header, already read (`statefile.load_state`)."""
    reported = dict(_tunnel_entries(raw))
    planned = {t.id for t in plan.tunnels}
    tunnels = [TunnelState(tunnel=t.id, status=_status(reported[t.id].get("status"))
                           if t.id in reported else NOT_REPORTED,
                           detail=_detail(reported.get(t.id))) for t in plan.tunnels]
    unexpected = [TunnelState(tunnel=tid, status="UNEXPECTED", detail=_detail(item))
                  for tid, item in sorted(reported.items()) if tid not in planned]
    index = _peer_index(plan)
    sessions = sorted((_session(i, index) for i in _session_entries(raw)),
                      key=lambda s: (s.tunnel, s.device, s.peer))
    counts = Counter(t.status for t in tunnels) + Counter(t.status for t in unexpected)
    return LiveState(origin=origin, tunnels=tunnels, sessions=sessions, unexpected=unexpected,
                     counts=dict(sorted(counts.items())))


def _detail(item: dict[str, Any] | None) -> str | None:
    if not item:
        return None
    detail = item.get("detail", item.get("message"))
    return str(detail) if detail is not None else None
