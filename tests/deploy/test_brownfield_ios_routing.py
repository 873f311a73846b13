"""IOS-XE brownfield, routing: netorch's scope in the shared `router bgp` (the global IPv4
family only), `network`s the operator already had, static routes keyed like IOS, and the
limits of what IOS accepts (review findings on issue 13)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest

from netorch.platforms import registry
from netorch.platforms.cisco_iosxe import bgp as ios_bgp
from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe.sim import IosXeDevice
from tests.deploy.test_brownfield_ios import (
    AWS,
    JOINED,
    ROOT,
    _apply,
    _operator_lines_changed,
    _render,
)

LAN = "network 10.1.0.0 mask 255.255.0.0"  # r1's LAN (hub: 10.1.0.0/16)
ANCHOR = "ip route 10.1.0.0 255.255.0.0 Null0 254 name netorch-hub"
VRF = """ address-family ipv4 vrf CUST
  network 10.1.0.0 mask 255.255.0.0
  network 10.2.0.0 mask 255.255.0.0
  neighbor 100.64.0.1 remote-as 65009
  neighbor 100.64.0.1 activate
 exit-address-family
"""
CUST = "vrf definition CUST\n rd 65000:1\n address-family ipv4\n exit-address-family\n!\n"


@pytest.fixture
def intended(tmp_path: Path) -> str:
    return _render(tmp_path)


def _with(text: str, *, family: str = "", routes: str = "") -> str:
    """AWS with `family` lines added to `router bgp`'s end and `routes` at the config's."""
    text = text.replace(" address-family ipv6\n exit-address-family\n",
                        " address-family ipv6\n exit-address-family\n !\n" + family)
    return text + (CUST if family else "") + routes


def test_a_vrf_family_is_the_operators_even_with_netorchs_prefixes(intended: str) -> None:
    """Finding 1: `network`s and neighbours in `address-family ipv4 vrf X` are never
    touched, whatever their prefixes or addresses, and are no conflict."""
    running = _with(AWS, family=VRF)
    change = ios.plan_change(running, intended)
    assert change.conflicts == ()
    assert not any("vrf" in c or c.startswith("no network") for c in change.commands)
    after = _apply(running, change.commands)
    assert _operator_lines_changed(running, after, intended) == set()
    assert "router bgp 65000 > address-family ipv4 vrf CUST > network 10.1.0.0 mask " \
           "255.255.0.0" in ios.lines(after)
    assert not ios.plan_change(after, intended)
    stale = ios.plan_change(after, "").commands  # everything of netorch's goes, not the VRF's
    assert f"no {LAN}" in stale and not any("vrf" in c for c in stale)
    assert "vrf CUST > network 10.1.0.0" in "\n".join(ios.lines(_apply(after, stale)))


def test_an_operator_network_netorch_also_renders_is_shared(intended: str) -> None:
    """Finding 1: the operator's identical `network` gets no netorch anchor (which would
    make it look like netorch's) and survives netorch's removal of the LAN."""
    running = AWS.replace("  network 10.50.0.0 mask 255.255.0.0\n",
                          f"  network 10.50.0.0 mask 255.255.0.0\n  {LAN}\n")
    change = ios.plan_change(running, intended)
    assert change.conflicts == ()
    assert not any(c.startswith(("ip route 10.1.0.0", LAN)) for c in change.commands)
    after = _apply(running, change.commands)
    assert not ios.plan_change(after, intended)
    assert f"router bgp 65000 > address-family ipv4 > {LAN}" not in ios.lines(ios.managed(after))
    stale = ios.plan_change(after, "").commands
    assert f"no {LAN}" not in stale and "no neighbor 100.64.0.1" in stale
    assert LAN in _apply(after, stale)


def test_an_operator_network_in_another_form_is_not_replaced(intended: str) -> None:
    """IOS keeps one `network` per prefix: netorch's plain one would replace theirs."""
    theirs = f"{LAN} route-map LAN-TAG"
    running = AWS.replace("  network 10.50.0.0 mask 255.255.0.0\n",
                          f"  network 10.50.0.0 mask 255.255.0.0\n  {theirs}\n")
    change = ios.plan_change(running, intended)
    assert not any(c.startswith((LAN, "ip route 10.1.0.0")) for c in change.commands)
    after = _apply(running, change.commands)
    assert theirs in after and _operator_lines_changed(running, after, intended) == set()
    assert not ios.plan_change(after, intended)


def test_netorchs_own_network_is_still_removed_with_its_anchor(intended: str) -> None:
    after = _apply(AWS, ios.plan_change(AWS, intended).commands)
    assert ANCHOR in after and LAN in after
    stale = ios.plan_change(after, "").commands
    assert f"no {LAN}" in stale and f"no {ANCHOR}" in stale


def test_an_operator_null0_route_to_the_lan_replaces_netorchs_anchor(intended: str) -> None:
    """Finding 3: `ip route 10.1.0.0 255.255.0.0 Null0` has the key of netorch's anchor;
    netorch sends no anchor (the operator's route originates the LAN) and no conflict."""
    route = "ip route 10.1.0.0 255.255.0.0 Null0 name OPERATOR-ANCHOR\n"
    running = _with(AWS, routes=route)
    change = ios.plan_change(running, intended)
    assert change.conflicts == ()
    assert not any(c.startswith(("ip route 10.1.0.0", "no ip route")) for c in change.commands)
    assert LAN in change.commands
    after = _apply(running, change.commands)
    assert route in after and _operator_lines_changed(running, after, intended) == set()
    assert not ios.plan_change(after, intended)


def test_an_operator_route_with_the_key_of_netorchs_is_a_conflict(intended: str) -> None:
    """Finding 3: the operator's route to a tunnel peer over the same next hop would be
    taken over (distance and name) and later deleted."""
    mine = next(s[0] for s in ios.sections(intended) if s[0].startswith("ip route ")
                and "name netorch-Tunnel" in s[0])
    theirs = mine.rsplit(" name ", 1)[0] + " 5 name AWS-VPN-PEER"
    (conflict,) = ios.plan_change(_with(AWS, routes=theirs + "\n"), intended).conflicts
    assert conflict.line == theirs and "prefix, mask and next hop" in conflict.reason
    assert "remove the operator's route" in conflict.resolve
    other_hop = theirs.replace(" GigabitEthernet", " Loopback")
    assert not ios.plan_change(_with(AWS, routes=other_hop + "\n"), intended).conflicts


def test_a_route_changed_in_place_is_not_removed_after(intended: str) -> None:
    """A netorch route whose distance or name changes keeps its key: the new line replaces
    it, and a `no ip route` of the old line would delete the new route on IOS."""
    deployed = _apply(AWS, ios.plan_change(AWS, intended).commands)
    older = deployed.replace(ANCHOR, ANCHOR.replace(" 254 name netorch-hub", " 250 name "
                                                    "netorch-old"))
    commands = ios.plan_change(older, intended).commands
    assert ANCHOR in commands and not any(c.startswith("no ip route") for c in commands)
    after = _apply(older, commands)
    assert ANCHOR in after and "netorch-old" not in after


def test_the_simulator_keys_static_routes_like_ios() -> None:
    device = IosXeDevice("r")
    device.load_text("hostname r\n!\nip route 10.9.0.0 255.255.0.0 Null0 name OPERATOR\n")
    session = device.session()
    session.handle("configure terminal")
    session.handle("ip route 10.9.0.0 255.255.0.0 Null0 254 name netorch-x")
    routes = [ln for ln in device.running_text().splitlines() if ln.startswith("ip route")]
    assert routes == ["ip route 10.9.0.0 255.255.0.0 Null0 254 name netorch-x"]
    session.handle("ip route 10.9.0.0 255.255.0.0 192.0.2.1")
    session.handle("no ip route 10.9.0.0 255.255.0.0 Null0 250 name other")
    routes = [ln for ln in device.running_text().splitlines() if ln.startswith("ip route")]
    assert routes == ["ip route 10.9.0.0 255.255.0.0 192.0.2.1"]


def test_a_neighbour_description_fits_ios_and_keeps_the_marker() -> None:
    """Finding 4: IOS takes at most 80 characters; a 63-character device name fits."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates" / "cisco_iosxe"))
    env.globals["owned"] = registry()["cisco_iosxe"].owned
    names = env.get_template("_names.j2").module
    v = SimpleNamespace(remote=SimpleNamespace(device="d" * 62 + "x"),
                        local=SimpleNamespace(interface="Tunnel2147483000"),
                        tunnel=SimpleNamespace(underlay="internet-backup "))
    text = str(names.neighbour_description(v))  # type: ignore[attr-defined]
    assert len(text) <= 80 and text == text.rstrip() and text.startswith("netorch: ddd")
    process = ios_bgp.parse(["router bgp 1", " neighbor 100.64.0.9 remote-as 2",
                             f" neighbor 100.64.0.9 description {text}"])
    assert process is not None and process.marked() == {"100.64.0.9"}


def test_an_operator_tunnel_near_the_top_number_gets_a_free_offset(intended: str) -> None:
    """Finding 5: the suggested `tunnel_offset` search never runs out."""
    running = AWS.replace("interface Tunnel1\n", "interface Tunnel1001\n") + \
        "interface Tunnel2147483000\n description operator\n!\n"
    conflicts = {c.line: c.resolve for c in ios.plan_change(running, intended).conflicts}
    assert conflicts["interface Tunnel1001"].startswith("set `tunnel_offset: 2000`")


def test_no_process_setting_is_sent_to_a_joined_process(tmp_path: Path) -> None:
    """`no bgp default ipv4-unicast` and `bgp log-neighbor-changes` change how the
    operator's neighbours behave: not sent to a process netorch joins."""
    running = AWS.replace(" bgp log-neighbor-changes\n", "")
    commands = ios.plan_change(running, _render(tmp_path, JOINED)).commands
    assert not any("default ipv4-unicast" in c or "log-neighbor" in c for c in commands)
