"""Inbound soft resets on redeploy: IOS-XE and FortiOS keep routes learned under an old
inbound route-map until the neighbour is refreshed (`clear ip bgp X soft in`,
`execute router clear bgp ip X soft in`). netorch sends one after its config for
exactly the existing netorch neighbours whose inbound policy changed: none for a new
neighbour, none for the operator's, none when nothing changed, none on a dry run.

Proved over SSH with the real drivers against the simulators, deploying an older
rendering of an eastern-region device (without the per-hub-site local-preference rules
on two tunnels, one of whose neighbours did not exist yet) and then the current one.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from netorch import api
from netorch.deploy import Credentials, DeployOptions, DeviceTarget, Outcome, deploy_fabric
from netorch.keys import Secret
from netorch.platforms.cisco_iosxe import config as ios
from netorch.platforms.cisco_iosxe.sim import IosXeDevice
from netorch.platforms.fortinet_fortios import config as fortios
from netorch.platforms.fortinet_fortios.sim import FortiOsDevice
from netorch.sim.base import SimDevice
from netorch.sim.server import Simulator
from tests.render.structure import plan_of

SECRET = Secret(b"soft-reset-test-secret-0123456789abc")
CREDS = Credentials("netorch", "lab-pass")
IOS_DEVICE, FORTI_DEVICE = "nfk-thetford-r1", "esx-basildon-r1"
IOS_OPERATOR = """hostname r1
!
route-map OPS-IN permit 10
 set local-preference 50
!
router bgp 4200000014
 neighbor 192.0.2.99 remote-as 65099
 !
 address-family ipv4
  neighbor 192.0.2.99 activate
  neighbor 192.0.2.99 route-map OPS-IN in
 exit-address-family
!
end
"""
FORTI_OPERATOR = """config system global
    set hostname "f1"
end
config router route-map
    edit "ops-in"
        config rule
            edit 1
                set set-local-preference 50
            next
        end
    next
end
config router bgp
    set as 4200000034
    config neighbor
        edit "192.0.2.99"
            set remote-as 65099
            set route-map-in "ops-in"
        next
    end
end
"""


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, str]]:
    return api.render(plan_of("eastern-region"), SECRET, devices={IOS_DEVICE, FORTI_DEVICE})


def _cut(text: str, start: str, end: str) -> str:
    """`text` without the first span from `start` to the next `end` (inclusive)."""
    at = text.index(start)
    return text[:at] + text[text.index(end, at + len(start)) + len(end):]


def _older_ios(config: str) -> str:
    """Tunnel1020 and Tunnel1021 without their hub-order rules, and no neighbour yet on
    Tunnel1021 (100.64.0.42): only 100.64.0.40's inbound policy changes next time."""
    for tunnel in ("Tunnel1020", "Tunnel1021"):
        config = _cut(config, f"route-map netorch-{tunnel}-IN permit 10\n", "!\n")
    return "".join(ln for ln in config.splitlines(keepends=True)
                   if "neighbor 100.64.0.42 " not in ln)


def _older_fortios(config: str) -> str:
    """The same on FortiOS: nt52-in / nt53-in without rule 1, no neighbour 100.64.0.106."""
    for name in ("nt52-in", "nt53-in"):
        at = config.index(f'    edit "{name}"\n')
        config = config[:at] + _cut(config[at:], "            edit 1\n", "            next\n")
    return _cut(config, '        edit "100.64.0.106"\n', "        next\n")


def _deploy(sim: Simulator, device: SimDevice, files: dict[str, str], commit: bool = True) -> Any:
    site = "norfolk-thetford" if device.platform == "cisco_iosxe" else "essex-basildon"
    target = DeviceTarget(device.name, device.platform, "127.0.0.1", device.port, site, files)
    options = DeployOptions(commit=commit, audit_log=None)
    return deploy_fabric([target], CREDS, options).devices[0]


CASES = [("cisco_iosxe", "config.ios", "clear ip bgp 100.64.0.40 soft in"),
         ("fortinet_fortios", "config.fortios", "execute router clear bgp ip 100.64.0.104 soft in")]


@pytest.mark.parametrize(("platform", "file", "expected"), CASES)
def test_a_redeploy_refreshes_exactly_the_neighbours_whose_inbound_policy_changed(
        rendered: dict[str, dict[str, str]], platform: str, file: str, expected: str) -> None:
    ios_side = platform == "cisco_iosxe"
    device: IosXeDevice | FortiOsDevice = IosXeDevice("r1") if ios_side else FortiOsDevice("f1")
    device.load_text(IOS_OPERATOR if ios_side else FORTI_OPERATOR)
    current = rendered[IOS_DEVICE if ios_side else FORTI_DEVICE][file]
    older = _older_ios(current) if ios_side else _older_fortios(current)
    assert older != current
    with Simulator([device]) as sim:
        first = _deploy(sim, device, {file: older})
        assert first.outcome is Outcome.COMMITTED, first.as_dict()
        assert device.soft_resets == []  # every neighbour was new
        dry = _deploy(sim, device, {file: current}, commit=False)
        assert dry.outcome is not Outcome.COMMITTED and device.soft_resets == []
        second = _deploy(sim, device, {file: current})
        assert second.outcome is Outcome.COMMITTED, second.as_dict()
        assert device.soft_resets == [expected]  # not the new neighbour, not 192.0.2.99
        again = _deploy(sim, device, {file: current})
        assert again.outcome is Outcome.UNCHANGED, again.as_dict()
        assert device.soft_resets == [expected]


def test_the_soft_reset_comes_after_the_config_and_outside_any_config_block(
        rendered: dict[str, dict[str, str]]) -> None:
    current = rendered[IOS_DEVICE]["config.ios"]
    commands = ios.plan_change(_older_ios(current) + "end\n", current).commands
    assert commands[-1] == "do clear ip bgp 100.64.0.40 soft in"
    assert sum("clear ip bgp" in c for c in commands) == 1
    forti = rendered[FORTI_DEVICE]["config.fortios"]
    commands = fortios.plan_change(_older_fortios(forti), forti).commands
    assert commands[-1] == "execute router clear bgp ip 100.64.0.104 soft in"
    assert commands[-2] == "end"  # the last config block is closed first


def test_a_changed_prefix_list_refreshes_every_neighbour_whose_route_map_matches_it(
        rendered: dict[str, dict[str, str]]) -> None:
    current = rendered[IOS_DEVICE]["config.ios"]
    older = current.replace("seq 10 permit 100.65.0.3/32", "seq 10 permit 100.65.0.99/32")
    resets = [c for c in ios.plan_change(older + "end\n", current).commands if "clear" in c]
    assert resets == [f"do clear ip bgp {a} soft in" for a in
                      ("100.64.0.40", "100.64.0.42", "100.64.0.220", "100.64.0.222")]
    # a description is not policy: no refresh for it
    older = re.sub(r"(route-map netorch-Tunnel1020-IN permit 20\n description) ", r"\1 old ",
                   current)
    change = ios.plan_change(older + "end\n", current)
    assert change.commands and not [c for c in change.commands if "clear" in c]


def test_the_fortios_refresh_runs_inside_the_vdom_in_vdom_mode() -> None:
    device = FortiOsDevice("f1")
    device.load_text("config vdom\nedit root\nnext\nend\nconfig global\nend\n")
    session = device.session()
    assert "Command fail" in session.handle(
        "execute router clear bgp ip 192.0.2.1 soft in").text  # not at the global level
    for line in ("config vdom", "edit root"):
        assert session.handle(line).text == ""
    assert session.handle("execute router clear bgp ip 192.0.2.1 soft in").text == ""
    assert device.soft_resets == ["[root] execute router clear bgp ip 192.0.2.1 soft in"]


@pytest.mark.parametrize("line", [
    "clear ip bgp 192.0.2.1 soft sideways", "clear ip bgp 192.0.2 soft in",
    "clear ip bgp 192.0.2.1", "clear ip bgp 192.0.2.1 soft in now", "clear ip bgp x soft in"])
def test_the_ios_simulator_refuses_a_malformed_clear(line: str) -> None:
    device = IosXeDevice("r1")
    session = device.session()
    assert "% Invalid input" in session.handle(line).text
    assert "% Incomplete" in session.handle("clear ip bgp").text
    session.handle("configure terminal")
    assert session.handle("do clear ip bgp 192.0.2.1 soft in").text == ""
    assert device.soft_resets == ["clear ip bgp 192.0.2.1 soft in"]


@pytest.mark.parametrize("line", [
    "execute router clear bgp ip 192.0.2.1 soft sideways", "execute router clear bgp ip x soft",
    "execute router clear bgp ipx 192.0.2.1 soft in", "execute router clear bgp ip 192.0.2.1",
    "execute router clear bgp ip 192.0.2.1 soft in now"])
def test_the_fortios_simulator_refuses_a_malformed_clear(line: str) -> None:
    device = FortiOsDevice("f1")
    session = device.session()
    assert "Command fail" in session.handle(line).text
    session.handle("config router bgp")
    assert "Command fail" in session.handle("execute router clear bgp ip 192.0.2.1 soft in").text
    session.handle("end")
    assert session.handle("execute router clear bgp ip 192.0.2.1 soft in").text == ""
    assert device.soft_resets == ["execute router clear bgp ip 192.0.2.1 soft in"]
