"""The plan carries addresses as `ipaddress` values and each tunnel's allocation slot;
consumers use the values (no "a.b.c.d/len" text read back), and the plan's JSON holds
the same text as ever."""

from __future__ import annotations

import dataclasses
import json
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, ip_address, ip_interface

import pytest

from netorch.crypto import proposals
from netorch.plan import make_plan
from netorch.plan.allocate import Allocations
from netorch.plan.build import Builder
from netorch.plan.model import FabricPlan
from netorch.plan.tunnels import tunnel_specs
from netorch.plan.values import SharedAddress, SharedNetwork
from netorch.render.engine import FILTERS
from netorch.verify.compare import compare_device
from netorch.verify.model import LiveBgp, LiveSa, LiveState
from tests.plan.factory import inventory, site

INVENTORY = inventory([site(1, devices=2), site(2, nat=True), site(3)], hubs=["s1"])
TUNNEL_POOL = IPv4Network("100.64.0.0/16")


@pytest.fixture(scope="module")
def plan() -> FabricPlan:
    result = make_plan(INVENTORY)
    assert result.plan is not None, result.findings
    return result.plan


def test_every_address_of_the_plan_is_an_ipaddress_value(plan: FabricPlan) -> None:
    for t in plan.tunnels:
        for end in t.ends():
            assert isinstance(end.address, IPv4Interface) and end.address.network.prefixlen == 31
            for address in (end.underlay_address, end.endpoint):
                assert type(address) is not IPv4Interface and isinstance(address, IPv4Address)
    for d in plan.devices:
        assert isinstance(d.loopback, IPv4Interface) and d.loopback.network.prefixlen == 32
        assert d.router_id == d.loopback.ip
        for k in d.links:
            assert isinstance(k.address, IPv4Interface) and isinstance(k.next_hop, IPv4Address)
    assert all(isinstance(p, IPv4Network) for s in plan.sites for p in s.lan)
    assert all(isinstance(e.prefix, IPv4Network) for s in plan.prefix_sets for e in s.entries)
    assert isinstance(plan.fabric.tunnel_pool, IPv4Network)
    assert isinstance(plan.fabric.loopback_pool, IPv4Network)


def test_a_nat_end_is_reached_at_its_public_address(plan: FabricPlan) -> None:
    natted = [e for t in plan.tunnels for e in t.ends() if e.behind_nat]
    assert natted and all(e.endpoint == ip_address("203.0.0.2") != e.underlay_address
                          for e in natted)
    public = [k.public for d in plan.devices for k in d.links if k.public]
    assert public == [IPv4Address("203.0.0.2")]


def test_the_json_holds_the_same_text_and_reads_back_equal(plan: FabricPlan) -> None:
    text = plan.model_dump_json(indent=2)
    data = json.loads(text)
    first, device = plan.tunnels[0], plan.devices[0]
    assert data["tunnels"][0]["a"]["address"] == str(first.a.address)
    assert data["tunnels"][0]["a"]["address"].endswith("/31")
    assert data["tunnels"][0]["b"]["endpoint"] == str(first.b.endpoint)
    assert "/" not in data["tunnels"][0]["b"]["endpoint"]
    assert data["devices"][0]["loopback"] == f"{device.loopback.ip}/32"
    assert data["devices"][0]["router_id"] == str(device.router_id)
    assert data["sites"][0]["lan"] == ["10.0.1.0/24"]
    assert data["fabric"]["tunnel_pool"] == "100.64.0.0/16"
    again = FabricPlan.model_validate_json(text)
    assert again == plan and again.model_dump_json(indent=2) == text
    assert isinstance(plan.model_dump()["tunnels"][0]["a"]["address"], IPv4Interface)


def test_a_tunnels_index_is_its_allocation_slot() -> None:
    result = make_plan(INVENTORY)
    assert result.plan is not None
    base = int(TUNNEL_POOL.network_address)
    for t in result.plan.tunnels:
        assert result.allocations.tunnel_slots[t.id] == t.index
        assert t.a.address == IPv4Interface((base + 2 * t.index, 31))
        assert t.b.address == IPv4Interface((base + 2 * t.index + 1, 31))
        assert result.allocations.tunnels[t.id] == str(t.a.address.network)


def test_the_planner_builds_addresses_from_slots_not_from_the_lock_text() -> None:
    result = make_plan(INVENTORY)
    assert result.plan is not None
    blind = dataclasses.replace(
        result.allocations, tunnels=dict.fromkeys(result.allocations.tunnels, "garbage"),
        loopbacks=dict.fromkeys(result.allocations.loopbacks, "garbage"),
        tunnel_slots=result.allocations.tunnel_slots,
        loopback_slots=result.allocations.loopback_slots)
    chosen = proposals(INVENTORY.fabric.crypto)
    assert chosen is not None
    builder = Builder(INVENTORY, blind, chosen)
    for spec in tunnel_specs(INVENTORY):
        builder.add_tunnel(spec)
    assert builder.plan() == result.plan


def test_a_lock_file_read_alone_carries_no_slots_and_compares_by_its_text() -> None:
    result = make_plan(INVENTORY)
    plain = Allocations(result.allocations.loopbacks, result.allocations.tunnels,
                        pools=result.allocations.pools)
    assert plain.tunnel_slots == {} and plain == result.allocations


class NoText(IPv4Interface):
    """An interface address that refuses to be read as text."""

    def __str__(self) -> str:
        raise AssertionError("read back as text")


def test_the_address_filters_take_values_without_going_through_text() -> None:
    value = NoText("100.64.0.7/31")
    got = {name: FILTERS[name](value) for name in ("ip", "netmask", "prefixlen", "network",
                                                   "wildcard")}
    assert got == {"ip": "100.64.0.7", "netmask": "255.255.255.254", "prefixlen": 31,
                   "network": "100.64.0.6/31", "wildcard": "0.0.0.1"}


@pytest.mark.parametrize("text", ["100.64.0.7/31", "172.16.11.2/30", "10.11.0.0/16",
                                  "100.65.0.3/32", "198.51.100.10", "0.0.0.0/0"])
@pytest.mark.parametrize("name", ["ip", "netmask", "prefixlen", "network", "wildcard"])
def test_a_filter_gives_a_typed_value_what_it_gives_its_text(name: str, text: str) -> None:
    typed: list[IPv4Interface | IPv4Network | IPv4Address] = [ip_interface(text)]
    if "/" not in text:
        typed.append(IPv4Address(text))
    elif typed[0].ip == typed[0].network.network_address:
        typed.append(IPv4Network(text))
    for value in typed:
        assert FILTERS[name](value) == FILTERS[name](text), value


def test_shared_values_equal_hash_and_format_as_their_base_class() -> None:
    address, network = SharedAddress("198.51.100.10"), SharedNetwork("10.11.0.0/16")
    assert address == IPv4Address("198.51.100.10") and hash(address) == hash(
        IPv4Address("198.51.100.10"))
    assert network == IPv4Network("10.11.0.0/16") and str(network) == "10.11.0.0/16"
    assert str(address) == str(address) == "198.51.100.10"


def test_verify_compares_the_plans_values_with_what_the_device_shows(
        plan: FabricPlan) -> None:
    t = plan.tunnels[0]
    swapped = t.b.model_copy(update={"address": NoText(str(t.b.address))})
    stub = plan.model_copy(update={"tunnels": [t.model_copy(update={"b": swapped})]})
    live = LiveState([LiveSa(str(t.a.underlay_address), str(t.b.endpoint), True)],
                     [LiveBgp(str(t.b.address.ip), "Established", 3)])
    tunnels, bgp = compare_device(stub, t.a.device, live)
    assert [c.status.value for c in tunnels] == ["ESTABLISHED"]
    assert [(b.neighbor, b.state) for b in bgp] == [(str(t.b.address.ip), "Established")]
