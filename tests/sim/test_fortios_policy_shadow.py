"""An operator's policy above netorch's deny policies, on the FortiOS simulator.

FortiOS matches policies top down (Fortinet KB 197353): an operator's policy that may
accept traffic between netorch's zones (srcintf / dstintf "any", `netorch-lan`,
`netorch-vpn`) placed before netorch's deny-and-log policies lets through what no rule
allows. Deploy refuses it as a conflict, naming the policy and how to resolve it;
netorch never moves the operator's policy, nor its own block above it. A deny, a
disabled policy, one that cannot reach both sides of a netorch direction, or one moved
below netorch's policies is no conflict.
"""

from __future__ import annotations

import pytest

from netorch.platforms.fortinet_fortios import config as fortios
from tests.sim.test_fortios_policy_sim import _apply, _deploy, _device, _intended, _running

ANY_ANY = """    edit 8
        set name "lab-any"
        set srcintf "any"
        set dstintf "any"
{action}        set srcaddr "all"
        set dstaddr "all"
        set schedule "always"
        set service "ALL"
{extra}    next
"""


def _with(policy: str, base: str | None = None) -> str:
    """The brownfield config with `policy` added after the operator's policy 7 (before
    netorch's, which FortiOS appends at the end)."""
    text = base or _running()
    anchor = '        set service "web-8080" "netorch-era"\n    next\n'
    assert anchor in text
    return text.replace(anchor, anchor + policy, 1)


def _policy(srcintf: str = '"any"', dstintf: str = '"any"', action: str = "accept",
            extra: str = "") -> str:
    text = ANY_ANY.replace('set srcintf "any"', f"set srcintf {srcintf}")
    text = text.replace('set dstintf "any"', f"set dstintf {dstintf}")
    line = f"        set action {action}\n" if action else ""
    return text.format(action=line, extra=extra)


def test_an_operator_accept_any_above_netorchs_denies_is_a_conflict() -> None:
    change = fortios.plan_change(_with(_policy()), _intended())
    [conflict] = change.conflicts
    assert conflict.line == "config firewall policy > edit 8"
    assert "above netorch's deny policies" in conflict.reason
    assert "srcintf any, dstintf any" in conflict.reason
    assert "move 8 after 1000000013" in conflict.resolve and '"any"' in conflict.resolve


@pytest.mark.parametrize(("srcintf", "dstintf"), [
    ('"netorch-lan"', '"any"'),      # the LAN to anywhere: into the tunnels too
    ('"any"', '"netorch-lan"'),      # anywhere, the tunnels too, to the LAN
    ('"netorch-vpn"', '"netorch-vpn"'),  # hub transit
    ('"port2" "netorch-vpn"', '"port1" "netorch-lan"'),
])
def test_any_policy_reaching_both_sides_of_a_netorch_direction_conflicts(
        srcintf: str, dstintf: str) -> None:
    conflicts = fortios.plan_change(_with(_policy(srcintf, dstintf)), _intended()).conflicts
    assert [c.line for c in conflicts] == ["config firewall policy > edit 8"]


@pytest.mark.parametrize(("srcintf", "dstintf", "action", "extra"), [
    ('"any"', '"any"', "deny", ""),                     # refuses more: netorch's own do too
    ('"any"', '"any"', "", ""),                         # no action shown: deny, the default
    ('"any"', '"any"', "accept", "        set status disable\n"),
    ('"any"', '"port1"', "accept", ""),                 # out to the internet: not netorch's
    ('"netorch-lan"', '"netorch-lan"', "accept", ""),   # LAN to LAN: crosses no tunnel
])
def test_a_policy_that_cannot_let_fabric_traffic_through_is_no_conflict(
        srcintf: str, dstintf: str, action: str, extra: str) -> None:
    running = _with(_policy(srcintf, dstintf, action, extra))
    assert not fortios.plan_change(running, _intended()).conflicts
    device = _device(running)
    assert _deploy(device, _intended()) == []
    assert not fortios.plan_change(device.running_text(), _intended())


def test_moved_below_netorchs_policies_it_is_no_conflict_and_above_again_it_is() -> None:
    """The operator's policy deployed beside netorch's (disabled meanwhile), moved
    below netorch's deny policies and enabled: clean, idempotent. Moved back above, or
    above just one of netorch's deny policies, a conflict again."""
    device = _device(_with(_policy(extra="        set status disable\n")))
    _deploy(device, _intended())
    _apply(device, ["config firewall policy", "move 8 after 1000000013", "edit 8",
                    "unset status", "next", "end"])
    assert not fortios.plan_change(device.running_text(), _intended())
    _apply(device, ["config firewall policy", "move 8 before 1000000013", "end"])
    conflicts = fortios.plan_change(device.running_text(), _intended()).conflicts
    assert [c.line for c in conflicts] == ["config firewall policy > edit 8"]


def test_without_a_policy_netorchs_permit_all_needs_no_guard() -> None:
    """The flat fabric has no deny policies to shadow: its permit-all deploys beside an
    operator's accept-any as before."""
    flat = _intended(with_policy=False)
    running = _with(_policy())
    assert not fortios.plan_change(running, flat).conflicts
    assert _deploy(_device(running), flat) == []
