"""The policy check's pure parts: what the plan's policy expects (FlowPolicy), the
bounded sample of a big lab's flows, the verdict on each outcome (a reset or an answer
from beyond the source site fails a denied flow) and which first tries are repeated,
which LANs a device may route, the probes traceroute may use, the capture sample (sources
with a control first; none: inconclusive), the compromised spoke's forged source, and the
pcapng and ICMP parsers and the datagram forger of the agent."""

from __future__ import annotations

import struct
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import cast

import pytest

from netorch import api
from netorch.inventory import load
from netorch.lab import flowagent, labpolicy, pcapng
from netorch.lab.labcompromise import Spoof, choose_case
from netorch.lab.labenforce import Judge, capture_sample, inconclusive, prove_contained
from netorch.lab.labflows import Outcome
from netorch.lab.labpolicy import ICMP, Flow, FlowPolicy, Probe
from netorch.lab.runtime import Runtime
from netorch.lab.spec import build_spec
from netorch.plan.model import FabricPlan

ROOT = Path(__file__).parents[2]
EASTERN = ROOT / "inventories" / "eastern-region"
REGIONAL = ROOT / "tests" / "fixtures" / "cnsa-regional.yaml"
FLAT = ROOT / "tests" / "fixtures" / "psk-mesh.yaml"


def _plan(path: Path) -> FabricPlan:
    inventory = load(path)
    return api.plan(inventory, api.locked_allocations(inventory))


@pytest.fixture(scope="module")
def eastern() -> FabricPlan:
    return _plan(EASTERN)


@pytest.fixture(scope="module")
def regional() -> FabricPlan:
    return _plan(REGIONAL)


def _policy(plan: FabricPlan) -> FlowPolicy:
    policy = FlowPolicy.of(plan)
    assert policy is not None
    return policy


def test_a_flat_fabric_has_no_flow_policy() -> None:
    assert FlowPolicy.of(_plan(FLAT)) is None
    pairs = [("a", "b"), ("b", "a")]
    assert labpolicy.ping_pairs(None, pairs) == (pairs, 0)


def test_allows_follows_rules_services_and_direction(regional: FabricPlan) -> None:
    policy = _policy(regional)
    # zone:police -> org:Courts B: https, tcp/8443-8444 (both ends of the range)
    for port in (443, 8443, 8444):
        assert policy.allows("north-a", "north-b", Probe("tcp", port))
    assert not policy.allows("north-a", "north-b", Probe("tcp", 8445))
    assert not policy.allows("north-b", "north-a", Probe("tcp", 443)), "rules are directional"
    # site:north-b -> zone:police: udp/5060, icmp
    assert policy.allows("north-b", "south-a", Probe("udp", 5060))
    assert policy.allows("north-b", "north-a", ICMP)
    assert not policy.allows("north-a", "north-b", ICMP)
    # any -> site:hub: dns (udp and tcp 53), ntp, syslog; zone:dc -> any: ssh
    assert policy.allows("south-b", "hub", Probe("tcp", 53))
    assert policy.allows("hub", "south-b", Probe("tcp", 22))
    assert not policy.allows("south-b", "hub", Probe("tcp", 22))
    # south-a (police) and south-b (probation): nothing either way
    assert not any(policy.allows(a, b, p) for a, b in (("south-a", "south-b"),
                                                        ("south-b", "south-a"))
                   for p in policy.universe())


def test_the_universe_names_every_port_once_and_one_no_rule_names(
        regional: FabricPlan) -> None:
    policy = _policy(regional)
    universe = policy.universe()
    assert universe == sorted(set(universe))
    assert {Probe("tcp", 443), Probe("tcp", 8443), Probe("tcp", 8444), Probe("udp", 5060),
            Probe("udp", 53), Probe("tcp", 53), Probe("udp", 123), Probe("udp", 514),
            Probe("tcp", 6514), Probe("tcp", 22), ICMP} <= set(universe)
    unlisted = policy.unlisted("tcp")
    assert unlisted in universe and unlisted.port == 9
    assert not any(policy.allows(a.name, b.name, unlisted) for a in regional.sites
                   for b in regional.sites)
    assert policy.forbidden("north-a", "north-b") == Probe("tcp", 22)


def test_small_labs_test_every_probe_on_every_ordered_pair(regional: FabricPlan) -> None:
    policy = _policy(regional)
    sites = [s.name for s in regional.sites]
    flows = labpolicy.choose_flows(policy, sites)
    assert len(flows) == len(sites) * (len(sites) - 1) * len(policy.universe())
    assert all(f.allowed == policy.allows(f.src, f.dst, f.probe) for f in flows)


def test_a_big_lab_samples_every_pair_with_allowed_and_denied_probes(
        eastern: FabricPlan) -> None:
    policy = _policy(eastern)
    sites = [s.name for s in eastern.sites]
    assert len(sites) > labpolicy.FULL_LIMIT
    flows = labpolicy.choose_flows(policy, sites)
    assert flows == labpolicy.choose_flows(policy, sites), "deterministic"
    by_pair: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        by_pair.setdefault((flow.src, flow.dst), []).append(flow)
    assert len(by_pair) == len(sites) * (len(sites) - 1)
    universe = policy.universe()
    for (src, dst), mine in by_pair.items():
        allowed = {p for p in universe if policy.allows(src, dst, p)}
        assert allowed <= {f.probe for f in mine}, (src, dst)
        # a denied probe on every pair, but where `any` allows every port (same force)
        assert any(not f.allowed for f in mine) or policy.allows(src, dst, policy.unlisted(
            "tcp")), (src, dst)
        assert {policy.unlisted("tcp"), ICMP} <= {f.probe for f in mine}
    assert len(flows) < len(by_pair) * len(universe) / 2


def test_same_organisation_sites_may_use_any_port(eastern: FabricPlan) -> None:
    policy = _policy(eastern)
    assert policy.allows("essex-hq", "essex-basildon", policy.unlisted("tcp"))
    assert not policy.allows("essex-hq", "norfolk-hq", policy.unlisted("tcp"))


def _judge(plan: FabricPlan) -> Judge:
    return Judge.of(plan, build_spec(load(REGIONAL), "t-policy-pure"))


def test_the_verdict_on_each_outcome(regional: FabricPlan) -> None:
    judge = _judge(regional)
    allowed = Flow("north-a", "north-b", Probe("tcp", 443), True)
    denied = Flow("north-a", "north-b", Probe("tcp", 445), False)
    assert judge.problem(allowed, Outcome("open")) == ""
    assert "allowed, but timeout" in judge.problem(allowed, Outcome("timeout"))
    assert judge.problem(denied, Outcome("timeout")) == ""
    # north-a's own device answers from its LAN address: it never left the site
    assert judge.problem(denied, Outcome("unreachable", "10.2.0.1")) == ""
    assert "got through" in judge.problem(denied, Outcome("open"))
    assert "reached the destination" in judge.problem(denied, Outcome("refused",
                                                                      "10.3.255.254"))
    # an ICMP error from north-b's device: the flow left north-a
    assert "not stopped at the source" in judge.problem(denied, Outcome("unreachable",
                                                                        "10.3.0.1"))


def test_routable_lans_follow_the_accepted_prefix_sets(regional: FabricPlan) -> None:
    # south-a and south-b share a direct tunnel but no flow: neither routes the other
    may, hidden = labpolicy.routable_lans(regional, "sa-r1")
    assert "10.5.0.0/16" in hidden and "10.5.0.0/16" not in may
    assert "10.1.0.0/16" in may          # the hub: any -> hub
    may, hidden = labpolicy.routable_lans(regional, "na-r1")
    assert "10.3.0.0/16" in may          # north-b over the mesh tunnel
    may, hidden = labpolicy.routable_lans(regional, "hub-r1")
    assert not hidden                    # a hub routes every site


def test_traceroute_uses_a_probe_the_policy_lets_through(regional: FabricPlan) -> None:
    policy = _policy(regional)
    assert policy.trace_options("north-b", "north-a") == ("-I",)
    assert policy.trace_options("north-a", "north-b") == ("-T", "-p", "443")
    assert policy.trace_options("south-a", "south-b") is None


def test_ping_pairs_keep_only_what_icmp_rules_allow(regional: FabricPlan) -> None:
    policy = _policy(regional)
    kept, skipped = labpolicy.ping_pairs(policy, [("north-b", "north-a"),
                                                  ("north-a", "north-b")])
    assert kept == [("north-b", "north-a")] and skipped == 1


def test_pcapng_reads_interfaces_addresses_and_ports() -> None:
    ip = bytes([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 2, 255, 254, 10, 3, 255, 254,
                0x13, 0xC4, 0x13, 0xC4, 0, 8, 0, 0])
    frame = bytes(12) + b"\x08\x00" + ip
    data = (pcapng._block(pcapng.SHB, struct.pack("<IHHq", pcapng.BYTE_ORDER, 1, 0, -1))
            + pcapng._block(pcapng.IDB, struct.pack("<HHI", pcapng.ETHERNET, 0, 0)
                            + pcapng._option(pcapng.IF_NAME, b"vx12"))
            + pcapng._block(pcapng.EPB, struct.pack("<IIIII", 0, 0, 0, len(frame), len(frame))
                            + pcapng._pad(frame)))
    [packet] = pcapng.parse(data)
    assert packet == pcapng.Packet("vx12", "10.2.255.254", "10.3.255.254", "udp", 5060)
    assert packet.carries(IPv4Address("10.2.255.254"), IPv4Address("10.3.255.254"),
                          Probe("udp", 5060))
    assert pcapng.parse(data[:-8]) == [], "a block cut short is not read"


def test_the_agent_matches_echo_replies_and_errors_quoting_its_requests() -> None:
    request = flowagent.echo_request(0x4242, 7)
    assert flowagent.checksum(request) == 0
    inner = bytes([0x45]) + bytes(8) + bytes([1]) + bytes(10) + request[:8]
    error = bytes([0x45]) + bytes(19) + bytes([3, 0, 0, 0, 0, 0, 0, 0]) + inner
    assert flowagent.icmp_match(error, 0x4242) == (7, "error")
    assert flowagent.icmp_match(error, 0x4243) is None


def test_lan_routes_of_a_site_gateway(regional: FabricPlan) -> None:
    spec = build_spec(load(REGIONAL), "t-policy-pure")
    routes = labpolicy.site_routes(regional, spec)
    assert IPv4Network("10.3.0.0/16") in routes["north-a"]
    assert IPv4Network("10.5.0.0/16") not in routes["south-a"]


def test_a_first_try_is_repeated_when_it_proves_nothing() -> None:
    """Allowed and not through, or denied and timed out: tried again with the longer
    timeout before it counts (a slow leak must not pass for a drop)."""
    allowed = Flow("north-a", "north-b", Probe("tcp", 443), True)
    denied = Flow("north-a", "north-b", Probe("tcp", 445), False)
    assert inconclusive(allowed, Outcome("timeout"))
    assert not inconclusive(allowed, Outcome("open"))
    assert inconclusive(denied, Outcome("timeout"))
    assert not inconclusive(denied, Outcome("unreachable", "10.2.0.1"))
    assert not inconclusive(denied, Outcome("open"))  # a failure at once


def test_capture_sources_with_a_control_come_first(regional: FabricPlan) -> None:
    policy = _policy(regional)
    spec = build_spec(load(REGIONAL), "t-policy-pure")
    sites = [h.site for h in spec.hosts]
    flows = labpolicy.choose_flows(policy, sites)
    sample = capture_sample(regional, spec, policy, flows)
    assert sample and all(s.control is not None and s.control.allowed for s in sample)
    # north-a loses every allowed flow: it is no longer sampled while others have one
    no_control = [f for f in flows if not (f.src == "north-a" and f.allowed)]
    sample = capture_sample(regional, spec, policy, no_control)
    assert "north-a" not in {s.src for s in sample} and sample
    # nobody may open anything: sampled anyway, and the capture is inconclusive (a failure)
    denied = [f for f in flows if not f.allowed]
    sample = capture_sample(regional, spec, policy, denied)
    assert sample and all(s.control is None for s in sample)
    ok, summary, details = prove_contained(cast(Runtime, None), sample)  # runs nothing
    assert not ok and summary.startswith("capture INCONCLUSIVE")
    assert details and all("inconclusive" in line for line in details)


def test_the_compromised_spoke_forges_a_source_the_policy_allows_elsewhere(
        regional: FabricPlan, eastern: FabricPlan) -> None:
    for plan, path in ((regional, REGIONAL), (eastern, EASTERN)):
        policy = _policy(plan)
        spec = build_spec(load(path), "t-policy-pure")
        case = choose_case(plan, spec, policy)
        assert case is not None and case.spoof is not None
        spoof, src = case.spoof, plan.device(case.device).site
        assert spoof.claimed not in (src, spoof.flow.dst)
        assert spoof.flow.probe.protocol == "udp"
        assert policy.allows(spoof.claimed, spoof.flow.dst, spoof.flow.probe)
        assert not policy.allows(src, spoof.flow.dst, spoof.flow.probe), "it gains a flow"
        assert plan.device(spoof.hub).hub
    case = choose_case(regional, build_spec(load(REGIONAL), "t"), _policy(regional))
    assert case is not None and case.spoof == Spoof(
        "north-b", Flow("north-b", "south-a", Probe("udp", 5060), True), "100.64.0.0",
        "hub-r1")  # police north-a forges Courts B's north-b, through hub-r1


def test_the_agent_forges_a_valid_udp_datagram() -> None:
    packet = flowagent.forged_udp("10.3.255.254", "10.4.255.254", 40000, 5060)
    assert flowagent.checksum(packet[:20]) == 0
    assert packet[12:16] == bytes([10, 3, 255, 254]) and packet[9] == 17
    udp = packet[20:]
    pseudo = packet[12:20] + bytes([0, 17]) + struct.pack("!H", len(udp))
    assert flowagent.checksum(pseudo + udp) == 0
    assert struct.unpack("!HH", udp[:4]) == (40000, 5060)
