"""The segmentation policy proven in the lab, with real namespaces, charon, FRR and nft:
tests/fixtures/cnsa-regional.yaml (one hub, a mesh pair that exchanges flows, a mesh
pair that exchanges none, an internet-only spoke behind NAT) under its policy.

`lab test` runs the policy and compromise checks beside the others, which pick only
flows the policy allows; allowed flows get through and denied ones do not, over the
mesh and through the hub; a capture proves denied flows never leave the source device;
a spoke without its firewall is refused by the hub and, over a direct tunnel, by the
destination's edge, and cannot pass for another site (the hub's source check); a spoke
that forges another site's address from its LAN is dropped by its own; BGP and BFD to
the devices over the tunnels still come up (the input chain); and the check fails when
both edges lose their firewall (it is not vacuous). One lab for the module; its teardown
removes it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from netorch.inventory import load
from netorch.lab import LabUpResult, lab_test, labflows, labtest, pipeline, probe, runtime, sh
from netorch.lab.api import LabTestResult
from netorch.lab.labcompromise import TABLE, compromised, nft_table
from netorch.lab.labenforce import Judge, capture_sample, prove_contained
from netorch.lab.labpolicy import ICMP, Flow, FlowPolicy, Probe, choose_flows, routed
from netorch.lab.runtime import Runtime
from netorch.plan.model import FabricPlan

from .conftest import module_lab

pytestmark = pytest.mark.lab
INVENTORY = Path(__file__).parents[1] / "fixtures" / "cnsa-regional.yaml"
LAB = "t-policy"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabUpResult, Path]]:
    with module_lab(tmp_path_factory, INVENTORY, LAB) as made:
        yield made


@pytest.fixture(scope="module")
def tested(up: tuple[LabUpResult, Path]) -> LabTestResult:
    result, root = up
    assert result.ok, result.deploy.as_dict()
    return lab_test(INVENTORY, lab=LAB, root=root, failover=False)


def _lab(root: Path) -> tuple[Runtime, FabricPlan, FlowPolicy]:
    inventory = load(INVENTORY)
    rt = runtime.attach(inventory, LAB, root)
    plan = pipeline.plan_for(rt, inventory)
    policy = FlowPolicy.of(plan)
    assert policy is not None
    return rt, plan, policy


def _check(tested: LabTestResult, name: str) -> labtest.CheckResult:
    return next(c for c in tested.checks if c.name == name)


def test_lab_test_runs_the_policy_checks_and_every_check_passes(
        tested: LabTestResult) -> None:
    for check in tested.checks:
        print(f"{check.name} {check.seconds:.1f}s {check.summary}")
        for line in check.details if check.name == "compromise" else []:
            print(f"        {line}")
    assert [c.name for c in tested.checks] == ["ike", "bgp", "ping", "capture", "symmetry",
                                               "policy", "compromise"]
    failed = {c.name: c.details for c in tested.checks if not c.ok}
    assert not failed, failed


def test_existing_checks_only_use_what_the_policy_allows(tested: LabTestResult) -> None:
    # of the 20 ordered pairs, icmp is allowed only from north-b to the police sites
    assert re.search(r"^2/2 LAN pairs reachable; 18 pairs skipped: the policy denies icmp$",
                     _check(tested, "ping").summary)
    bgp = _check(tested, "bgp").summary
    assert "those it hides not" in bgp and re.search(r"\(\d+ routed, [1-9]\d* hidden", bgp)
    symmetry = _check(tested, "symmetry").summary
    assert "spoke pairs skipped: the policy lets no probe cross both ways" in symmetry
    assert "ICMP echo" in symmetry and "TCP SYN" in symmetry


def test_policy_check_tests_every_pair_with_allowed_and_denied_flows(
        tested: LabTestResult) -> None:
    summary = _check(tested, "policy").summary
    found = re.search(r"^20 ordered site pairs, (\d+) flows \(all (\d+) probes of the policy "
                      r"per pair; \d+ service ports\): allowed (\d+)/(\d+) got through.*, "
                      r"denied (\d+)/(\d+) stopped", summary)
    assert found, summary
    flows, probes, ok_allowed, allowed, ok_denied, denied = map(int, found.groups())
    assert flows == 20 * probes and allowed + denied == flows
    assert ok_allowed == allowed > 0 and ok_denied == denied > 0


def test_the_capture_proves_denied_flows_never_leave_the_source(
        tested: LabTestResult) -> None:
    summary = _check(tested, "policy").summary
    found = re.search(r"capture on the tunnel interfaces of (\d+) source devices \(.*\): no "
                      r"packet of (\d+) denied flows left them, (\d+)/(\d+) allowed controls "
                      r"seen leaving; policy-drops \+(\d+) at the source devices for the (\d+) "
                      r"they route, no route for the other (\d+)$", summary)
    assert found, summary
    devices, denied, seen, controls, dropped, routed, unrouted = map(int, found.groups())
    assert devices >= 3 and denied >= 3 and seen == controls >= 3
    assert routed >= 3 and dropped >= routed and routed + unrouted == denied
    # a denied flow is stopped only after timing out twice (2 s, then 4 s)
    assert "timed out at 2 s and again at 4 s" in summary


def test_the_capture_sample_holds_flows_only_the_firewall_stops(
        up: tuple[LabUpResult, Path]) -> None:
    rt, plan, policy = _lab(up[1])
    sites = [h.site for h in rt.spec.hosts]
    sample = capture_sample(plan, rt.spec, policy, choose_flows(policy, sites))
    routes = routed(plan, rt.spec)
    firewall = [f for s in sample for f in s.denied if f.dst in routes[f.src]]
    assert firewall, "no denied flow to a destination the source routes: routing stops all"
    with labflows.listening(rt.spec.hosts, policy.universe()):
        ok, _, details = prove_contained(rt, sample)
    assert ok, details


def test_a_spoke_without_its_firewall_is_refused_by_the_hub_and_the_edge(
        tested: LabTestResult, up: tuple[LabUpResult, Path]) -> None:
    check = _check(tested, "compromise")
    assert check.ok, check.details
    assert "3/3 forbidden flows still refused (transit, forged route, direct)" in check.summary
    assert "table restored as it was" in check.summary
    lines = {line.split(":")[0]: line for line in check.details}
    # over the direct (mesh) tunnel only the destination's edge is left to refuse
    direct = lines["direct"]
    assert re.search(r": timeout; [1-9]\d* packets left (\S+) into the fabric, [1-9]\d* "
                     r"reached north-b's edge, 0 its LAN; policy-drops nb-r1 \+\d", direct), \
        direct
    forged = lines["forged route"]
    assert re.search(r"\(route added via [\d.]+\): timeout; [1-9]\d* packets left .*, 0 "
                     r"reached \S+'s edge, 0 its LAN; policy-drops hub-r1 \+\d", forged), forged
    # north-a's device passes for north-b (which may send udp/5060 to south-a): the hub's
    # source check drops it, nothing is delivered
    assert "a spoofed source (as north-b, to south-a) refused by the hub's source check" \
        in check.summary
    spoofed = lines["spoofed source"]
    assert re.search(r"sends udp/5060 to south-a as north-b's [\d.]+ \(allowed from north-b; "
                     r"route added via [\d.]+\): 3 sent, [1-9]\d* left na-r1 into the "
                     r"fabric, 0 delivered to south-a's LAN; policy-spoofed-fabric hub-r1 "
                     r"\+[1-9]", spoofed), spoofed
    rt, _, _ = _lab(up[1])
    device = rt.spec.device(check.summary.split()[0])
    assert f"table inet {TABLE}" in nft_table(device)


def _flows(rt: Runtime, flows: list[Flow]) -> dict[Flow, labflows.Outcome]:
    with labflows.listening(rt.spec.hosts, {f.probe for f in flows}):
        return labflows.run_flows(rt.spec, flows)


def test_known_flows_over_the_mesh_and_through_the_hub(up: tuple[LabUpResult, Path]) -> None:
    rt, plan, policy = _lab(up[1])
    expected = {
        Flow("north-a", "north-b", Probe("tcp", 443), True): "open",      # mesh, allowed
        Flow("north-a", "north-b", Probe("tcp", 8444), True): "open",     # end of a range
        Flow("north-b", "north-a", Probe("udp", 5060), True): "open",     # UDP, mesh
        Flow("north-b", "north-a", ICMP, True): "open",
        Flow("hub", "south-b", Probe("tcp", 22), True): "open",           # to the NATed spoke
        Flow("south-b", "hub", Probe("udp", 53), True): "open",
        Flow("north-a", "north-b", Probe("tcp", 445), False): "timeout",  # routed: firewall
        Flow("north-b", "north-a", Probe("tcp", 443), False): "timeout",  # the other way
        Flow("north-b", "south-a", Probe("tcp", 443), False): "timeout",  # through the hub
        Flow("north-b", "south-a", Probe("udp", 5060), True): "open",
    }
    assert all(policy.allows(f.src, f.dst, f.probe) == f.allowed for f in expected)
    seen = _flows(rt, list(expected))
    assert {f: o.outcome for f, o in seen.items()} == expected
    # a mesh pair with no flow exchanges no route: stopped at the source device
    no_route = Flow("south-a", "south-b", Probe("tcp", 22), False)
    outcome = _flows(rt, [no_route])[no_route]
    assert Judge.of(plan, rt.spec).problem(no_route, outcome) == "", outcome


def test_the_check_fails_when_both_edges_lose_their_firewall(
        up: tuple[LabUpResult, Path]) -> None:
    rt, plan, _ = _lab(up[1])
    leak = Flow("north-a", "north-b", Probe("tcp", 445), False)
    with compromised(rt, rt.spec.device("na-r1"), []), \
            compromised(rt, rt.spec.device("nb-r1"), []):
        outcome = _flows(rt, [leak])[leak]
    assert outcome.outcome == "open"
    assert "denied, but it got through" in Judge.of(plan, rt.spec).problem(leak, outcome)
    assert _flows(rt, [leak])[leak].outcome == "timeout", "both tables are back"



def test_bgp_flags_a_lan_routed_that_the_policy_hides(up: tuple[LabUpResult, Path]) -> None:
    rt, plan, _ = _lab(up[1])
    device = rt.spec.device("sa-r1")
    assert not labtest.route_problems(rt, plan)
    peer = next(t for t in plan.tunnels_of("sa-r1") if "sb-r1" in (t.a.device, t.b.device))
    hop = str((peer.b if peer.a.device == "sa-r1" else peer.a).address.ip)
    sh.run(["ip", "-n", device.ns, "route", "add", "10.5.0.0/16", "via", hop])
    try:
        problems = labtest.route_problems(rt, plan)
    finally:
        sh.run(["ip", "-n", device.ns, "route", "del", "10.5.0.0/16", "via", hop])
    assert problems == ["sa-r1: routes 10.5.0.0/16, which the policy hides from it"]


def test_a_lan_host_passing_for_another_site_is_dropped_by_its_own_device(
        up: tuple[LabUpResult, Path]) -> None:
    """north-a's LAN test host sends as north-b's (which may send dns to the hub): its
    gateway na-r1 drops it (policy-spoofed-lan) before it enters a tunnel."""
    rt, _, policy = _lab(up[1])
    hosts = {h.site: h for h in rt.spec.hosts}
    liar, claimed, target = hosts["north-a"], hosts["north-b"], hosts["hub"]
    dns = Probe("udp", 53)
    assert policy.allows("north-b", "hub", dns)
    gateway = rt.spec.device("na-r1")
    watched = [gateway, *(d for d in rt.spec.devices if d.site == "hub")]
    before = labflows.counter(gateway, "policy-spoofed-lan")
    bpf = f"ip and src host {claimed.address} and dst host {target.address}"
    sent: list[int] = []
    with labflows.listening([target], [dns]):
        caught = labflows.captures(
            [(d.ns, labflows.tunnel_ifnames(d), bpf) for d in watched],
            lambda: sent.append(labflows.spoof(liar.ns, claimed.address, target.address,
                                               dns)))
    after = labflows.counter(gateway, "policy-spoofed-lan")
    assert sent == [3] and before is not None and after is not None
    assert after - before >= 3
    assert not [p for packets in caught for p in packets], "it never entered a tunnel"


def test_bgp_and_bfd_to_the_devices_pass_their_input_chain(
        up: tuple[LabUpResult, Path]) -> None:
    """Every device filters what reaches it over a tunnel (chain policy-device); its BFD
    sessions, one per tunnel with BFD, are up (BGP: the bgp check of `lab test`)."""
    rt, plan, _ = _lab(up[1])
    for dev in rt.spec.devices:
        assert "chain policy-device" in nft_table(dev), dev.name
        peers = json.loads(probe.vtysh(dev, "show bfd peers json"))
        wanted = sum(t.bfd for t in plan.tunnels_of(dev.name))
        assert len(peers) == wanted and all(p["status"] == "up" for p in peers), (
            dev.name, [(p.get("peer"), p.get("status")) for p in peers])
