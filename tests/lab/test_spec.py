"""The lab's pure parts: names, addresses, wiring commands, NAT rules, capture parsing."""

from __future__ import annotations

import ipaddress

import pytest

from netorch.inventory import load
from netorch.lab import names, netbuild
from netorch.lab.errors import LabError
from netorch.lab.measure import _classify
from netorch.lab.spec import ENDPOINT_RANGE, build_spec

from .conftest import FIXTURES

SPEC = build_spec(load(FIXTURES / "three-site.yaml"), "unit")


def test_names_are_short_deterministic_and_prefixed() -> None:
    assert names.lab_tag("unit") == SPEC.tag == names.lab_tag("unit")
    assert names.lab_tag("unit") != names.lab_tag("unit2")
    for dev in SPEC.devices:
        assert len(dev.mgmt_root_if) <= 15 and dev.mgmt_root_if.startswith(SPEC.tag)
        assert dev.ns.startswith(f"{SPEC.tag}-d-")
        assert all(len(x) <= 15 for link in dev.links for x in (link.ifname, link.uplink))
    assert all(len(b) <= 15 for b in SPEC.bridges.values())


def test_vendor_interface_names_become_linux_names() -> None:
    hub, spoke, _ = SPEC.devices
    assert [link.ifname for link in hub.links] == ["eth1", "eth0"]      # kept: valid Linux
    assert [link.ifname for link in spoke.links] == ["wan0", "wan1"]    # GigabitEthernet0/0/1


def test_addresses_unique_and_in_lab_ranges() -> None:
    mgmt = [a for d in SPEC.devices for a in (d.mgmt_root.ip, d.mgmt.ip)]
    assert len(set(mgmt)) == len(mgmt) and all(a in SPEC.mgmt_subnet for a in mgmt)
    endpoints = [a for d in SPEC.devices for a in d.endpoints.values()]
    assert len(set(endpoints)) == 6 and all(a in ENDPOINT_RANGE for a in endpoints)
    assert [str(h.address) for h in SPEC.hosts] == ["10.1.255.254", "10.2.255.254",
                                                    "10.3.255.254"]


def test_bridges_hold_every_next_hop() -> None:
    assert [str(g) for g in SPEC.gateways["private"]] == [
        "172.16.1.1/30", "172.16.2.1/30", "172.16.3.1/30"]


def test_devices_get_addresses_but_no_routes_or_forwarding() -> None:
    """Routes to peers, forwarding and rp_filter are interfaces.sh's: the lab proves it."""
    cmds = netbuild._device_commands(SPEC.device("hub-r1"))
    assert not [c for c in cmds if c.startswith("route")]
    assert not [s for s in netbuild.DEVICE_SYSCTLS if "forward" in s or "rp_filter" in s]


def test_nft_isolates_underlays_and_nats_public_addresses() -> None:
    rules = netbuild.nft_ruleset(SPEC)
    assert 'iifname "br1-private" oifname != "br1-private" drop' in rules
    assert "ip daddr 203.0.113.3 dnat to 192.168.3.10" in rules
    assert "ip saddr 192.168.3.10 snat to 203.0.113.3" in rules


def test_lab_range_in_the_inventory_is_refused() -> None:
    inventory = load(FIXTURES / "three-site.yaml")
    site = inventory.sites[0].model_copy(
        update={"lan": [ipaddress.IPv4Network("198.18.1.0/24")]})
    bad = inventory.model_copy(update={"sites": [site, *inventory.sites[1:]]})
    with pytest.raises(LabError, match=r"198\.18\.0\.0/15"):
        build_spec(bad, "unit")


def test_capture_classification() -> None:
    out = ("172.16.2.2|172.16.1.2|4500|0x01\n"
           "10.2.255.254|10.3.255.254||\n"
           "198.19.1.2,10.2.0.5|198.19.1.1,10.3.0.5|4789|\n")
    seen = _classify(out, [ipaddress.IPv4Network("10.2.0.0/16"),
                           ipaddress.IPv4Network("10.3.0.0/16")])
    assert (seen.packets, seen.udp_4500, seen.esp, seen.cleartext) == (3, 1, 1, 2)
    assert not seen.encrypted_only
