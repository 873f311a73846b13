"""The IOS-XE simulator loads complete real configs, prints them back line for line,
names any line it cannot place, and refuses what IOS refuses (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe.sim import IosXeDevice, IosXeSession
from netorch.sim.base import ConfigParseError

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted([*(ROOT / "tests" / "realworld" / "cisco_iosxe").glob("*.cfg"),
                  ROOT / "tests" / "deploy" / "fixtures" / "iosxe-brownfield" / "aws-vpn.cfg"])
TUNNEL = """interface Tunnel7
 tunnel protection ipsec profile P7
!
crypto ipsec profile P7
 set transform-set T7
!
router bgp 65000
 neighbor 10.0.0.1 remote-as 65001
 neighbor 10.0.0.1 description keep
 neighbor 10.0.0.2 remote-as 65002
 address-family ipv4
  neighbor 10.0.0.1 activate
  neighbor 10.0.0.2 activate
 exit-address-family
!
"""


def _body(text: str) -> list[str]:
    """The config lines, without the `show` header (its byte count differs) or `end`."""
    lines = [ln.rstrip("\r") for ln in text.splitlines()]
    if any(ln.startswith("Current configuration") for ln in lines[:4]):
        lines = lines[next(i for i, ln in enumerate(lines)
                           if ln.startswith("Current configuration")) + 1:]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and lines[-1].strip() in ("", "end"):
        lines.pop()
    return lines


def _config(text: str) -> tuple[IosXeDevice, IosXeSession]:
    device = IosXeDevice("r")
    device.load_text(text)
    session = IosXeSession(device)
    session.handle("configure terminal")
    return device, session


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_a_real_config_prints_back_line_for_line(path: Path) -> None:
    text = path.read_text()
    device = IosXeDevice("r")
    device.load_text(text)
    shown = device.running_text()
    assert _body(shown) == _body(text)
    assert shown.startswith("Building configuration...\n\nCurrent configuration : ")
    assert shown.endswith("\nend\n")
    again = IosXeDevice("s")
    again.load_text(shown)
    assert again.running_text() == shown
    assert ios.lines(shown) == ios.lines(text)


def test_banners_and_certificates_survive_a_configure_replace() -> None:
    text = (ROOT / "tests/deploy/fixtures/iosxe-brownfield/aws-vpn.cfg").read_text()
    device, session = _config(text)
    session.handle("end")
    session.handle("copy running-config flash:saved.cfg")
    session.handle("")
    device.load_text("hostname wiped\n")
    assert "Rollback Done" in session.handle("configure replace flash:saved.cfg force").text
    assert device.running_text() == text
    assert "  \tquit" in device.running_text() and "banner login #" in device.running_text()


@pytest.mark.parametrize(("text", "lineno", "reason"), [
    ("hostname r\nbanner motd ^C\nno end in sight\n", 2, "never ends"),
    ("crypto pki certificate chain X\n certificate 01\n  3082\n", 2, "never ends"),
    ("!\n ip address 10.0.0.1 255.0.0.0\n", 2, "outside any section"),
    ("hostname r\x07\n", 1, "control character"),
])
def test_a_line_it_cannot_place_is_an_error_naming_it(text: str, lineno: int,
                                                      reason: str) -> None:
    with pytest.raises(ConfigParseError) as raised:
        IosXeDevice("r").load_text(text)
    assert raised.value.line == lineno and reason in str(raised.value)
    assert f"line {lineno}" in str(raised.value)


def test_an_ipsec_profile_in_use_cannot_be_removed() -> None:
    device, session = _config(TUNNEL)
    reply = session.handle("no crypto ipsec profile P7")
    assert reply.text.startswith("% IPsec profile P7 is in use by Tunnel7")
    assert "crypto ipsec profile P7" in device.running_text()
    session.handle("no interface Tunnel7")
    assert session.handle("no crypto ipsec profile P7").text == ""
    assert "P7" not in device.running_text()


def test_a_second_bgp_process_is_refused() -> None:
    device, session = _config(TUNNEL)
    reply = session.handle("router bgp 4200000001")
    assert reply.text == "% BGP is already running; AS is 65000\n"
    assert "router bgp 4200000001" not in device.running_text()
    session.handle("router bgp 65000")
    assert session.prompt().endswith("(config-router)#")


def test_no_neighbor_removes_it_from_every_address_family() -> None:
    device, session = _config(TUNNEL)
    for line in ("router bgp 65000", "no neighbor 10.0.0.2"):
        session.handle(line)
    shown = device.running_text()
    assert "10.0.0.2" not in shown and "neighbor 10.0.0.1 activate" in shown


def test_a_new_section_is_closed_with_a_separator_and_removed_with_it() -> None:
    device, session = _config("hostname r\n!\n")
    for line in ("interface Loopback1000", "description netorch: x", "exit"):
        session.handle(line)
    assert device.running_text().endswith("hostname r\n!\ninterface Loopback1000\n"
                                          " description netorch: x\n!\nend\n")
    session.handle("no interface Loopback1000")
    assert device.running_text().endswith("hostname r\n!\nend\n")


DEVICE_PRINTED = """hostname r
!
telephony-service
 max-ephones 10
 ip source-address 10.0.0.1 port 2000
!
wireless management interface Vlan10
sdwan
 interface GigabitEthernet1
  tunnel-interface
   encapsulation ipsec
!
stack-power stack Powerstack-1
 mode redundant
lisp
nat64 v4 pool P 192.0.2.0 24
dot11 ssid GUEST
 authentication open
endpoint-tracker T1
 endpoint-ip 192.0.2.9
domain default
alarm-contact 1 description door
!
"""


def test_any_top_level_command_a_device_printed_loads() -> None:
    """A config the device printed is valid by definition: commands the typed grammar
    does not know load with their indented lines and print back unchanged."""
    device = IosXeDevice("r")
    device.load_text(DEVICE_PRINTED)
    assert _body(device.running_text()) == _body(DEVICE_PRINTED)
    assert "telephony-service > max-ephones 10" in ios.lines(device.running_text())
    session = IosXeSession(device)
    session.handle("configure terminal")
    assert "Invalid input" in session.handle("frobnicate all").text  # typed: still checked


def test_a_vrf_address_family_is_a_sub_mode() -> None:
    """`address-family ipv4 vrf X` (and other families) open their own sub-mode: lines
    apply to that family, not to the process, and are checked by its grammar."""
    vrf = TUNNEL.replace(" exit-address-family\n!\n", " exit-address-family\n !\n"
                         " address-family ipv4 vrf CUST\n  network 10.1.0.0 mask 255.255.0.0\n"
                         " exit-address-family\n!\n")
    device, session = _config(vrf)
    for line in ("router bgp 65000", "address-family ipv4 vrf CUST"):
        assert session.handle(line).text == ""
    assert session.prompt().endswith("(config-router-af)#")
    session.handle("no network 10.1.0.0 mask 255.255.0.0")
    session.handle("network 10.7.0.0 mask 255.255.0.0")
    assert "Invalid input" in session.handle("tunnel mode ipsec ipv4").text
    session.handle("exit-address-family")
    session.handle("address-family ipv6")
    session.handle("network 2001:db8::/32")
    session.handle("exit-address-family")
    session.handle("address-family ipv4 unicast")  # the global family IOS shows as `ipv4`
    session.handle("network 10.8.0.0 mask 255.255.0.0")
    lines = ios.lines(device.running_text())
    assert "router bgp 65000 > address-family ipv4 vrf CUST > network 10.7.0.0 mask " \
           "255.255.0.0" in lines
    assert not any("10.1.0.0" in ln for ln in lines)
    assert "router bgp 65000 > address-family ipv6 > network 2001:db8::/32" in lines
    assert "router bgp 65000 > address-family ipv4 > network 10.8.0.0 mask 255.255.0.0" in lines
    assert not any("ipv4 unicast" in ln for ln in lines)
