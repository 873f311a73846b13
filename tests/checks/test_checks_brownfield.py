"""Brownfield settings: accepted where the platform understands them, an error at the
setting anywhere else, and a warning when a joined ASN is not unique in the fabric."""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

import pytest
from pydantic import ValidationError

from netorch.plan import make_plan
from tests.checks.rulekit import build, codes, only


def _device(platform: str = "cisco_iosxe", site: int = 1, **settings: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        device = data["sites"][site]["devices"][0]
        device["platform"] = platform
        if platform == "juniper_junos":
            for k, link in enumerate(device["links"]):
                link["interface"] = f"ge-0/0/{k}.0"
        if platform == "fortinet_fortios":
            for k, link in enumerate(device["links"]):
                link["interface"] = f"port{k + 1}"
        zone = settings.pop("link_zone", None)
        if zone is not None:
            device["links"][0]["zone"] = zone
        device.update(settings)
    return edit


@pytest.mark.parametrize(("platform", "settings"), [
    ("cisco_iosxe", {"asn": 65000, "router_id": "10.0.0.1", "loopback_interface": "Loopback7",
                     "tunnel_offset": 5000}),
    ("juniper_junos", {"asn": 65001, "router_id": "10.0.0.2", "tunnel_offset": 200,
                       "lan_zone": "inside", "link_zone": "UNTRUST"}),
    ("fortinet_fortios", {"asn": 65002, "loopback_interface": "lo-fabric", "vdom": "FG-traffic",
                          "tunnel_offset": 10}),
])
def test_each_platform_takes_its_own_settings(platform: str, settings: dict[str, Any]) -> None:
    inventory = build(_device(platform, **settings))
    assert "device-option" not in codes(inventory)


@pytest.mark.parametrize(("platform", "setting", "value"), [
    ("cisco_iosxe", "vdom", "root"), ("cisco_iosxe", "lan_zone", "trust"),
    ("juniper_junos", "vdom", "root"), ("juniper_junos", "loopback_interface", "lo0.1"),
    ("fortinet_fortios", "lan_zone", "trust"), ("linux_strongswan", "tunnel_offset", 10),
])
def test_a_setting_the_platform_does_not_use_is_an_error(platform: str, setting: str,
                                                          value: Any) -> None:
    found = only(build(_device(platform, **{setting: value})), "device-option")
    assert len(found) == 1 and f"'{setting}'" in found[0].message


def test_a_link_zone_is_junos_only() -> None:
    found = only(build(_device("cisco_iosxe", link_zone="untrust")), "device-option")
    assert len(found) == 1 and "zone" in found[0].message


@pytest.mark.parametrize(("platform", "loopback"), [
    ("cisco_iosxe", "GigabitEthernet3"), ("cisco_iosxe", "Tunnel1"),
    ("fortinet_fortios", "port1"), ("fortinet_fortios", "a-very-long-loopback-name")])
def test_a_loopback_outside_the_platform_naming_or_on_an_underlay_is_an_error(
        platform: str, loopback: str) -> None:
    try:
        inventory = build(_device(platform, loopback_interface=loopback))
    except ValidationError:
        return  # refused by the model already (not an interface name at all)
    assert only(inventory, "device-option")


def test_a_tunnel_offset_past_the_platform_maximum_is_an_error() -> None:
    found = only(build(_device("juniper_junos", tunnel_offset=20000)), "device-option")
    assert len(found) == 1 and "16385" in found[0].message


def test_a_joined_asn_used_by_another_site_is_a_warning() -> None:
    inventory = build(_device(asn=65000), _device(site=2, asn=65000))
    found = only(inventory, "shared-asn")
    assert len(found) == 2 and all("65000" in f.message for f in found)
    assert not only(build(_device(asn=65000)), "shared-asn")


def test_the_plan_carries_the_settings_and_numbers_tunnels_from_the_offset() -> None:
    fabric = make_plan(build(_device("cisco_iosxe", asn=65000, router_id="10.9.9.9",
                                     loopback_interface="Loopback77", tunnel_offset=5000))).plan
    assert fabric is not None
    device = next(d for d in fabric.devices if d.name == "spoke-r1")
    assert (device.asn, device.router_id, device.loopback_interface, device.tunnel_offset) == (
        65000, IPv4Address("10.9.9.9"), "Loopback77", 5000)
    mine = [t for t in fabric.tunnels if "spoke-r1" in (t.a.device, t.b.device)]
    assert mine
    for tunnel in mine:
        own, peer = (tunnel.a, tunnel.b) if tunnel.a.device == "spoke-r1" else (tunnel.b, tunnel.a)
        assert (own.number, own.interface) == (5000 + tunnel.index, f"Tunnel{5000 + tunnel.index}")
        assert own.asn == 65000 and peer.asn != 65000  # peers are told the joined ASN
    hub = next(d for d in fabric.devices if d.name == "hub-r1")
    assert hub.loopback_interface == "Loopback1000" and hub.tunnel_offset == 1000
