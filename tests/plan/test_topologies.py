"""The tunnels each topology needs, their kinds, underlays, NAT and addressing."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from netorch.plan import make_plan
from tests.plan.factory import inventory, site


def plan_of(inv):  # type: ignore[no-untyped-def]
    result = make_plan(inv)
    assert result.findings == []
    assert result.plan is not None
    return result.plan


def test_hub_and_spoke_connects_every_spoke_to_every_hub_and_hubs_together() -> None:
    inv = inventory([site(i) for i in range(1, 6)], hubs=["s1", "s2"])
    plan = plan_of(inv)
    pairs = {(t.a.site, t.b.site) for t in plan.tunnels}
    assert pairs == {("s1", "s2")} | {(h, f"s{i}") for h in ("s1", "s2") for i in range(3, 6)}
    assert len(plan.tunnels) == 7 * 2  # once per underlay
    kinds = {(t.a.site, t.b.site): t.kind for t in plan.tunnels}
    assert kinds[("s1", "s2")] == "hub-hub"
    assert kinds[("s1", "s3")] == "hub-spoke"


def test_full_mesh_connects_every_pair_once_per_underlay() -> None:
    plan = plan_of(inventory([site(i) for i in range(1, 6)], kind="full-mesh"))
    assert len(plan.tunnels) == 10 * 2
    assert {t.kind for t in plan.tunnels} == {"mesh"}
    assert len({t.id for t in plan.tunnels}) == len(plan.tunnels)


def test_regional_meshes_inside_a_region_and_reaches_hubs_never_twice() -> None:
    sites = [site(1, region="dc"), site(2, region="east"), site(3, region="east"),
             site(4, region="west"), site(5, region="west")]
    plan = plan_of(inventory(sites, kind="regional", hubs=["s1"]))
    pairs = sorted({(t.a.site, t.b.site) for t in plan.tunnels})
    assert pairs == [("s1", "s2"), ("s1", "s3"), ("s1", "s4"), ("s1", "s5"), ("s2", "s3"),
                     ("s4", "s5")]


def test_ha_pairs_connect_every_device_of_one_site_to_every_device_of_the_other() -> None:
    plan = plan_of(inventory([site(1, devices=2), site(2, devices=2)]))
    devices = sorted({(t.a.device, t.b.device) for t in plan.tunnels})
    assert devices == [("s1-r1", "s2-r1"), ("s1-r1", "s2-r2"), ("s1-r2", "s2-r1"),
                       ("s1-r2", "s2-r2")]


def test_tunnels_never_cross_underlays_unless_allowed() -> None:
    sites = [site(1), site(2, underlays=("private",)), site(3, underlays=("internet",))]
    plan = plan_of(inventory(sites))
    assert {(t.b.site, t.underlay) for t in plan.tunnels} == {("s2", "private"),
                                                              ("s3", "internet")}
    crossed = plan_of(inventory(sites, kind="full-mesh", cross_underlay=True))
    cross = [t for t in crossed.tunnels if {t.a.site, t.b.site} == {"s2", "s3"}]
    assert [(t.a.underlay, t.b.underlay, t.underlay) for t in cross] == [
        ("private", "internet", "private+internet")]


def test_nat_end_is_reached_at_its_public_address_with_nat_traversal() -> None:
    plan = plan_of(inventory([site(1), site(2, nat=True)]))
    internet = next(t for t in plan.tunnels if t.underlay == "internet")
    assert internet.nat_traversal and internet.b.behind_nat
    assert internet.b.endpoint == IPv4Address("203.0.0.2") != internet.b.underlay_address
    private = next(t for t in plan.tunnels if t.underlay == "private")
    assert not private.nat_traversal
    assert private.b.endpoint == private.b.underlay_address


def test_each_tunnel_gets_a_31_and_each_device_a_32_all_unique() -> None:
    plan = plan_of(inventory([site(i, devices=2) for i in range(1, 8)], hubs=["s1", "s2"]))
    nets = [t.a.address.network for t in plan.tunnels]
    assert all(n.prefixlen == 31 for n in nets) and len(set(nets)) == len(nets)
    for t in plan.tunnels:
        assert t.b.address.network == t.a.address.network
        assert t.a.address != t.b.address
    loops = [d.loopback for d in plan.devices]
    assert len(set(loops)) == len(loops) and all(x.network.prefixlen == 32 for x in loops)


def test_interfaces_are_named_by_the_platform_from_the_tunnel_index() -> None:
    sites = [site(1, platform="cisco_iosxe"), site(2, platform="juniper_junos"),
             site(3, platform="fortinet_fortios"), site(4, platform="linux_strongswan")]
    plan = plan_of(inventory(sites))
    # each platform numbers from its own offset (IOS-XE and Junos from 1000, clear of
    # the operator's own tunnels), and the end carries the number it used
    offset = {"cisco_iosxe": 1000, "juniper_junos": 1000, "fortinet_fortios": 0,
              "linux_strongswan": 0}
    for t in plan.tunnels:
        for end in t.ends():
            assert end.number == offset[end.platform] + t.index
    names = {t.b.platform: t.b.interface.replace(str(t.b.number), "N") for t in plan.tunnels}
    assert names == {"juniper_junos": "st0.N", "fortinet_fortios": "ntN",
                     "linux_strongswan": "xfrmN"}
    assert {t.a.interface.replace(str(t.a.number), "N") for t in plan.tunnels} == {"TunnelN"}


def test_same_inventory_gives_byte_identical_plan_json() -> None:
    inv = inventory([site(i) for i in range(1, 9)], kind="regional", hubs=["s1"])
    assert plan_of(inv).model_dump_json() == plan_of(inv).model_dump_json()


@pytest.mark.parametrize(("pool", "what"), [("100.64.0.0/30", "tunnels"),
                                            ("100.65.0.0/31", "loopbacks")])
def test_an_exhausted_pool_is_a_finding(pool: str, what: str) -> None:
    kwargs = {"tunnels": pool} if what == "tunnels" else {"loopbacks": pool}
    result = make_plan(inventory([site(i) for i in range(1, 5)], **kwargs))
    assert result.plan is None
    [finding] = result.findings
    assert finding.code == "pool-exhausted"
    assert f"{what} pool {pool} is exhausted" in finding.message
