"""The lab's dataplane proven by hand: hand-written swanctl.conf, frr.conf and VXLAN
setup (tests/lab/fixtures/handmade) on a 3-site lab — IKE up, BGP up, LANs reach
each other, only ESP-in-UDP on the underlay, failover and failback timed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netorch.inventory import load
from netorch.lab import measure, probe, runtime, sh, zebra
from netorch.lab.runtime import Runtime

from .conftest import FIXTURES

pytestmark = pytest.mark.lab
LAB = "t-handmade"
LANS = {"hub": "10.1.0.0/16", "spoke-a": "10.2.0.0/16", "spoke-b": "10.3.0.0/16"}
TUNNELS = {"hub-r1": 4, "spoke-a-r1": 2, "spoke-b-r1": 2}
# what interfaces.sh sets on a rendered device (the lab's wiring leaves them alone)
SYSCTLS = ("net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=2",
           "net.ipv4.conf.default.rp_filter=2")


@pytest.fixture(scope="module")
def lab() -> Iterator[Runtime]:
    inventory = load(FIXTURES / "three-site.yaml")
    runtime.stop(LAB)
    rt = runtime.start(inventory, LAB)
    try:
        for dev in rt.spec.devices:
            sh.run(sh.in_ns(dev.ns, ["sysctl", "-q", "-w", *SYSCTLS]))
            probe.load_direct(rt, dev, FIXTURES / "handmade" / dev.name)
        for dev in rt.spec.devices:
            zebra.sync(dev)
        yield rt
    finally:
        runtime.stop(LAB)


def _all_sas_up(rt: Runtime) -> bool:
    for dev in rt.spec.devices:
        state = probe.sa_state(rt, dev)
        if sum(state.established(n) for n in state.ike) != TUNNELS[dev.name]:
            return False
    return True


def _all_routes(rt: Runtime) -> bool:
    for dev in rt.spec.devices:
        own = LANS[dev.site]
        if not all(measure.route_gateways(dev.ns, p) for p in LANS.values() if p != own):
            return False
    return True


def test_ike_and_child_sas_established(lab: Runtime) -> None:
    assert probe.wait_for(lambda: _all_sas_up(lab), timeout=20) >= 0, \
        {d.name: probe.sa_state(lab, d) for d in lab.spec.devices}


def test_bgp_sessions_up_and_lans_learned(lab: Runtime) -> None:
    def established() -> bool:
        peers = [p for d in lab.spec.devices for p in probe.bgp_peers(d).values()]
        return len(peers) == 8 and all(p.get("state") == "Established" for p in peers)
    assert probe.wait_for(established, timeout=30) >= 0, \
        {d.name: probe.bgp_peers(d) for d in lab.spec.devices}
    assert probe.wait_for(lambda: _all_routes(lab), timeout=15) >= 0


def test_every_lan_pings_every_lan(lab: Runtime) -> None:
    probe.wait_for(lambda: _all_routes(lab), timeout=30)
    failed = [(h.site, t.site) for h in lab.spec.hosts for t in lab.spec.hosts
              if h is not t and not probe.ping(h.ns, str(t.address), count=3)]
    assert not failed


def test_underlay_carries_only_esp_in_udp(lab: Runtime) -> None:
    probe.wait_for(lambda: _all_routes(lab), timeout=30)
    hosts = {h.site: h for h in lab.spec.hosts}

    def traffic() -> None:
        probe.ping(hosts["spoke-a"].ns, str(hosts["spoke-b"].address), count=5, interval=0.1)
        probe.ping(hosts["hub"].ns, str(hosts["spoke-a"].address), count=5, interval=0.1)
    seen = measure.capture(lab.spec, list(LANS.values()), traffic, duration=3, count=500)
    assert seen.udp_4500 > 0, seen
    assert seen.cleartext == 0, seen.examples


def test_failover_and_failback_of_a_private_link(lab: Runtime) -> None:
    probe.wait_for(lambda: _all_routes(lab), timeout=30)
    hosts = {h.site: h for h in lab.spec.hosts}
    result = measure.failover(
        lab.spec, "spoke-a-r1", "private", hosts["spoke-a"].ns, str(hosts["spoke-b"].address),
        LANS["spoke-b"], primary={"100.64.0.0"}, backup={"100.64.0.2"})
    print(f"failover: {result}")
    assert 0 <= result.switch_s < 3, result
    assert 0 < result.ping_gap_s < 3, result
    assert 0 <= result.failback_s < 30, result
