"""One address, one device: management addresses compared as deploy reaches them, and
underlay and public addresses compared across kinds."""

from __future__ import annotations

from typing import Any

import pytest

from netorch.deploy.targets import build_targets
from netorch.plan import make_plan
from tests.checks.rulekit import build, codes, only


def _mgmt(site: int, value: str) -> Any:
    return lambda d: d["sites"][site]["devices"][0].update(mgmt=value)


@pytest.mark.parametrize("same", ["192.0.2.2:22", "192.0.2.2"])
def test_the_same_management_address_with_the_default_port(same: str) -> None:
    [finding] = only(build(_mgmt(2, same)), "duplicate-mgmt")
    assert finding.message.startswith("management address 192.0.2.2 is already used by "
                                      "device spoke-r1")


@pytest.mark.parametrize(("first", "second"), [("[2001:DB8::1]", "[2001:db8:0::1]:22"),
                                               ("R1.Example:2201", "r1.example:2201")])
def test_canonical_forms_of_one_endpoint_are_duplicates(first: str, second: str) -> None:
    assert codes(build(_mgmt(1, first), _mgmt(2, second))) == ["duplicate-mgmt"]


def test_one_host_on_two_ports_is_two_endpoints() -> None:
    assert codes(build(_mgmt(1, "127.0.0.1:2201"), _mgmt(2, "127.0.0.1:2202"))) == []


def test_a_management_address_on_another_devices_nat_address_is_a_port_forward() -> None:
    """An HA pair behind one NAT address, SSH forwarded per device (:2201, :2202): the
    public address is the NAT box's, not a router's interface."""
    def edit(d: dict[str, Any]) -> None:
        d["sites"][1]["devices"][0]["links"][1]["public"] = "203.0.113.2"
    assert "mgmt-is-other-device" not in codes(build(edit, _mgmt(2, "203.0.113.2:2202")))


def test_a_management_address_that_is_another_devices_underlay_address() -> None:
    [finding] = only(build(_mgmt(2, "172.16.1.2")), "mgmt-is-other-device")
    assert "underlay address of device hub-r1" in finding.message


def test_a_device_managed_through_its_own_underlay_address() -> None:
    assert codes(build(_mgmt(2, "100.80.3.2"))) == []


def test_a_public_address_that_is_another_devices_underlay_address() -> None:
    """mi-r1's underlay address as mf-r1's public one: peers would send mf-r1's tunnel
    to mi-r1."""
    inv = build(lambda d: d["sites"][2]["devices"][0]["links"][1].update(public="100.80.2.2"))
    [finding] = only(inv, "duplicate-public-address")
    assert finding.message.startswith("public address 100.80.2.2 is already used by device "
                                      "spoke-r1 as its underlay address")


def test_an_underlay_address_that_is_an_earlier_devices_public_address() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["sites"][1]["devices"][0]["links"][1]["public"] = "203.0.113.50"
        d["sites"][2]["devices"][0]["links"][1].update(address="203.0.113.50/24",
                                                       next_hop="203.0.113.1")
    [finding] = only(build(edit), "duplicate-underlay-address")
    assert finding.message.startswith("underlay address 203.0.113.50 is already used by "
                                      "device spoke-r1 as its public address")


def test_one_link_whose_public_address_is_its_own_address_is_fine() -> None:
    inv = build(lambda d: d["sites"][2]["devices"][0]["links"][1].update(public="100.80.3.2"))
    assert codes(inv) == []


def test_deploy_connects_to_the_canonical_form() -> None:
    """What the duplicate check compares is what deploy dials: the model keeps one text
    per endpoint and `split_mgmt` reads it back."""
    inv = build(_mgmt(1, "R1.Example:22"), _mgmt(2, "[2001:DB8::0:1]:2222"))
    plan = make_plan(inv).plan
    assert plan is not None
    targets = {t.name: (t.host, t.port) for t in build_targets(plan.devices, {})}
    assert targets == {"hub-r1": ("192.0.2.1", 22), "spoke-r1": ("r1.example", 22),
                       "third-r1": ("2001:db8::1", 2222)}
