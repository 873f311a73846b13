"""Plan versus live state: pure, so every verdict can be tested without a device."""

from __future__ import annotations

from netorch.verify.model import (
    BgpCheck,
    LiveState,
    PlanEnd,
    PlanLike,
    TunnelCheck,
    TunnelStatus,
)


def ends_on(plan: PlanLike, device: str) -> list[tuple[str, PlanEnd, PlanEnd]]:
    """(tunnel id, this end, the peer's end) for every tunnel ending on `device`."""
    out = []
    for tunnel in plan.tunnels:
        if tunnel.a.device == device:
            out.append((tunnel.id, tunnel.a, tunnel.b))
        if tunnel.b.device == device:
            out.append((tunnel.id, tunnel.b, tunnel.a))
    return sorted(out, key=lambda item: item[0])


def compare_device(plan: PlanLike, device: str,
                   live: LiveState) -> tuple[list[TunnelCheck], list[BgpCheck]]:
    tunnels: list[TunnelCheck] = []
    bgp: list[BgpCheck] = []
    used: set[int] = set()
    for tunnel_id, mine, peer in ends_on(plan, device):
        local, remote = str(mine.underlay_address), str(peer.endpoint)
        index = _find_sa(live, local, remote, used)
        if index is None:
            status, detail = TunnelStatus.MISSING, "no SA to this peer address"
        else:
            used.add(index)
            sa = live.sas[index]
            status = TunnelStatus.ESTABLISHED if sa.up else TunnelStatus.DOWN
            detail = sa.detail
        tunnels.append(TunnelCheck(device, tunnel_id, status, local, remote, detail))
        neighbor = str(peer.address.ip)
        session = next((s for s in live.bgp if s.neighbor == neighbor), None)
        bgp.append(BgpCheck(device, tunnel_id, neighbor,
                            session.state if session else "missing",
                            session.prefixes if session else None))
    for index, sa in enumerate(live.sas):
        if index not in used:
            tunnels.append(TunnelCheck(device, sa.name or "-", TunnelStatus.UNEXPECTED,
                                       sa.local, sa.remote, sa.detail))
    return tunnels, bgp


def _find_sa(live: LiveState, local: str, remote: str, used: set[int]) -> int | None:
    """The first unused SA between these addresses, an up one if there is one (a peer
    re-initiating leaves a second, still CONNECTING, SA beside the established one)."""
    matching = [i for i, sa in enumerate(live.sas)
                if i not in used and sa.remote == remote and sa.local in ("", local)]
    return next((i for i in matching if live.sas[i].up), matching[0] if matching else None)
