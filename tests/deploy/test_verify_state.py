"""`netorch verify --format json` read back as the report's live state (`--state`)."""

from __future__ import annotations

from pathlib import Path

from netorch import api
from netorch.inventory import load
from netorch.report.state import live_state
from netorch.verify import (
    PRODUCTION,
    BgpCheck,
    TunnelCheck,
    TunnelStatus,
    VerifyReport,
    origin_of,
)

INVENTORY = Path(__file__).parents[2] / "inventories" / "lab"


def test_verify_json_gives_each_tunnel_its_worst_end_and_names_sessions() -> None:
    plan = api.plan(load(INVENTORY))
    first, second = plan.tunnels[0], plan.tunnels[1]
    ok, down = TunnelStatus.ESTABLISHED, TunnelStatus.DOWN
    report = VerifyReport(
        tunnels=[TunnelCheck(first.a.device, first.id, ok, "", ""),
                 TunnelCheck(first.b.device, first.id, ok, "", ""),
                 TunnelCheck(second.a.device, second.id, ok, "", ""),
                 TunnelCheck(second.b.device, second.id, down, "", "",
                             "IKE_SA ESTABLISHED, CHILD_SA none")],
        bgp=[BgpCheck(first.a.device, first.id, str(first.b.address.ip),
                      "Established", 8)])
    origin = origin_of(INVENTORY, plan.fabric.name, PRODUCTION)
    state = live_state(plan, report.result(origin))
    got = {t.tunnel: (t.status, t.detail) for t in state.tunnels}
    assert got[first.id] == ("ESTABLISHED", None)
    assert got[second.id] == (
        "DOWN", f"{second.b.device}: DOWN (IKE_SA ESTABLISHED, CHILD_SA none)")
    [session] = state.sessions
    assert (session.tunnel, session.peer, session.state, session.prefixes_received) == (
        first.id, str(first.b.address.ip), "up", 8)
