"""`lab test`'s symmetry check on the example lab (two hubs, three spokes, one of them
internet-only behind NAT): traceroutes between spoke LANs cross the hub device the plan
predicts both ways; a return route pinned to the other hub makes it fail, naming both
hop lists. One lab for the module (`t-sym`), torn down at the end whatever happens."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from netorch.inventory import load
from netorch.lab import lab_up, labsymmetry, labtest, runtime, sh
from netorch.lab.names import lab_tag
from netorch.lab.pipeline import plan_for
from netorch.lab.runtime import Runtime
from netorch.lab.teardown import lab_namespaces
from netorch.plan.model import FabricPlan

from .conftest import FIXTURES

pytestmark = [pytest.mark.lab, pytest.mark.skipif(
    shutil.which("traceroute") is None, reason="traceroute missing (Debian package traceroute)")]
INVENTORY = FIXTURES / "lab"
LAB = "t-sym"
CONVERGE = 60.0  # seconds for every SA, session and LAN route
CHECK_LIMIT = 10.0  # seconds the whole check may take on this lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, FabricPlan]]:
    root = tmp_path_factory.mktemp("labs")
    try:
        up = lab_up(INVENTORY, lab=LAB, root=root)
        assert up.ok, [(d.device, d.error) for d in up.deploy.devices]
        inventory = load(INVENTORY)
        rt = runtime.attach(inventory, LAB, root)
        plan = plan_for(rt, inventory)
        ok, summary, gaps = labtest.check_bgp(rt, plan, CONVERGE)
        assert ok, (summary, gaps)
        yield rt, plan
    finally:
        runtime.stop(LAB, root)
        assert not lab_namespaces(lab_tag(LAB)), "the module's lab left namespaces behind"


def test_every_spoke_pair_crosses_the_planned_hub_both_ways(
        lab: tuple[Runtime, FabricPlan]) -> None:
    rt, plan = lab
    pairs, total = labsymmetry.choose_pairs(plan, rt.spec)
    assert total == 3 and set(pairs) == {("police-hq", "crown-court"),
                                         ("police-hq", "station"), ("crown-court", "station")}
    hubs, owned = labsymmetry.hub_devices(plan), labsymmetry.owners(plan, rt.spec)
    for pair in labsymmetry.settled_pairs(rt, plan, pairs, wait=20.0):
        there = labsymmetry.crossed(pair.there, owned, hubs)
        back = labsymmetry.crossed(pair.back, owned, hubs)
        print(pair.describe(owned, hubs))
        assert pair.there.reached and pair.back.reached
        assert there == pair.plan_there == ("dcn-r1",), pair.describe(owned, hubs)
        assert back == pair.plan_back == ("dcn-r1",), pair.describe(owned, hubs)
        assert not pair.problems(owned, hubs)


def test_check_passes_within_its_time_bound(lab: tuple[Runtime, FabricPlan]) -> None:
    rt, plan = lab
    result = labtest.timed("symmetry", lambda: labsymmetry.check_symmetry(rt, plan))
    print(f"{result.seconds:.2f}s {result.summary}")
    assert result.ok, result.details
    assert result.summary.startswith("3 spoke pairs traced both ways: the same hub devices "
                                     "both ways, as the plan predicts (there: dcn-r1: 3)")
    assert result.seconds <= CHECK_LIMIT


def _tunnel_address(plan: FabricPlan, device: str, peer: str, underlay: str) -> str:
    tunnel = next(t for t in plan.tunnels if {t.a.device, t.b.device} == {device, peer}
                  and t.underlay == underlay)
    far = tunnel.a if tunnel.a.device == peer else tunnel.b
    return str(far.address.ip)


def test_a_return_route_pinned_to_the_other_hub_fails_with_both_hop_lists(
        lab: tuple[Runtime, FabricPlan]) -> None:
    """court-r1 sends police-hq's test host through dcs-r1 while BGP sends the rest
    through dcn-r1: a stateful hub would see half of that flow."""
    rt, plan = lab
    court = rt.spec.device("court-r1").ns
    police = next(h for h in rt.spec.hosts if h.site == "police-hq")
    via = _tunnel_address(plan, "court-r1", "dcs-r1", "private")
    route = [f"{police.address}/32", "via", via]
    sh.run(["ip", "-n", court, "route", "add", *route])
    try:
        ok, summary, details = labsymmetry.check_symmetry(rt, plan)
    finally:
        sh.run(["ip", "-n", court, "route", "del", *route])
    print(summary, *details, sep="\n")
    assert not ok and "1 asymmetric, unknown or not as planned" in summary
    [bad] = [d for d in details if d.startswith("police-hq -> crown-court:")]
    assert f"{via.rsplit('.', 1)[0]}." in bad  # the back hop list, through dcs-r1
    assert ("hubs there dcn-r1, back dcs-r1; plan dcn-r1: the way there crosses dcn-r1, "
            "the way back dcs-r1; crosses dcs-r1 where the plan predicts dcn-r1") in bad
    assert "10.11.0.1 pol-hq-r1, 100.64.0." in bad and "back: 10.21.0.1 court-r1, " in bad
    assert labsymmetry.check_symmetry(rt, plan)[0]  # the route removed: symmetric again
