"""Underlay interface names: the model's charset, then each platform's own naming."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from netorch.platforms import Platform, builtin, registry
from tests.checks.rulekit import build, codes, only

VALID = {
    "cisco_iosxe": ["GigabitEthernet0/0/1", "GigabitEthernet1", "Gi1", "TenGigabitEthernet0/1/0",
                    "TwentyFiveGigE1/0/1", "HundredGigE0/0/0.100", "Port-channel1.20",
                    "Vlan10", "Dialer1", "Cellular0/2/0", "BDI10", "Serial0/1/0:0"],
    "juniper_junos": ["ge-0/0/0.0", "ge-0/0/1", "xe-1/0/0:2.100", "et-0/0/48", "mge-0/0/3.0",
                      "ae0.0", "reth1.0", "irb.10", "vlan.20", "fxp0", "em0"],
    "fortinet_fortios": ["port1", "wan1", "internal", "x1", "agg_uplink", "vlan-100",
                         "a23456789012345"],
    "linux_strongswan": ["eth0", "ens3", "enp0s31f6", "bond0.100", "br-wan", "wg_0",
                         "a23456789012345"],
}
INVALID = {
    "cisco_iosxe": ["eth0", "Tunnel1", "Loopback0", "gigabitethernet1", "GigabitEthernet"],
    "juniper_junos": ["st0.0", "lo0.0", "ge-0/0", "GigabitEthernet1", "ge-0/0/0.123456"],
    "fortinet_fortios": ["nt0", "netorch-lo", "a234567890123456", "port1.10", "-port"],
    "linux_strongswan": ["eth0:1", "eth/0", "xfrm0", "vx3", "lo", "a234567890123456", "."],
}


def _interface(name: str, platform: str = "cisco_iosxe") -> Any:
    def edit(data: dict[str, Any]) -> None:
        device = data["sites"][1]["devices"][0]
        device["platform"] = platform
        device["links"][0]["interface"] = name
        device["links"][1]["interface"] = registry()[platform].interface_example
    return edit


@pytest.mark.parametrize("platform", sorted(VALID))
def test_each_platform_accepts_its_own_naming(platform: str) -> None:
    for name in VALID[platform]:
        assert registry()[platform].valid_interface(name), name
        assert "interface-name" not in codes(build(_interface(name, platform))), name


@pytest.mark.parametrize("platform", sorted(INVALID))
def test_each_platform_refuses_other_naming(platform: str) -> None:
    for name in INVALID[platform]:
        assert not registry()[platform].valid_interface(name), name


def test_the_finding_names_the_platform_and_an_example() -> None:
    [finding] = only(build(_interface("ge-0/0/0.0")), "interface-name")
    assert finding.message == ("'ge-0/0/0.0' is not a cisco_iosxe interface name: use the "
                               "platform's own naming, e.g. GigabitEthernet0/0/1")


def test_every_example_is_valid_on_its_platform() -> None:
    for platform in builtin():
        assert platform.valid_interface(platform.interface_example), platform.name


def test_a_plugin_without_a_pattern_gets_the_model_charset() -> None:
    plugin = Platform("acme_os", "a plugin")
    assert plugin.valid_interface("Ethernet1/1:2.3")
    assert not plugin.valid_interface("eth0 x")


@pytest.mark.parametrize("name", ["eth1; touch /tmp/x", "eth0\nx", "", " ", "-eth0",
                                  'eth0"', "a" * 65, "eth0 up", "$(id)"])
def test_the_model_refuses_what_no_platform_could_name(name: str) -> None:
    with pytest.raises(ValidationError, match="an interface name may hold only"):
        build(_interface(name))
