"""The segmentation policy deployed to the FortiOS simulator next to an operator's own
policies, addresses and services.

The operator's objects come out identical; a second deploy sends nothing; a rule added
later lands before netorch's deny policies (`move`), never above the operator's;
removing the policy from the inventory removes netorch's policy objects, and only
them, and brings back the permit-all policies. The simulator takes the commands FortiOS
takes for this (`move` in the policy list, references that must exist, deletions
refused while an object is named) and refuses the rest.
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise

import pytest

from netorch.platforms.fortinet_fortios import config as fortios
from netorch.platforms.fortinet_fortios.sim import FortiOsDevice, FortiOsSession
from tests.deploy.fortios_brownfield_data import FLAT, VDOM_MODE
from tests.platforms.test_fortios_policy import all_fortios, fortios_inventory, plan, render

FAILED = ("Command fail", "parse error")
DEVICE = "nb-r1"  # north-b, a spoke of the all-FortiOS cnsa-regional fabric
# the operator's own policy objects, beside the Azure VPN of the brownfield config
OPERATOR = """config firewall service custom
    edit "web-8080"
        set comment "operator's proxy"
        set tcp-portrange 8080
    next
    edit "netorch-era"
        set comment "netorch era, keep"
        set udp-portrange 9999
    next
end
config firewall addrgrp
    edit "branches"
        set member "hq-lan" "azure-vnet"
    next
end
"""
OPERATOR_POLICY = """    edit 7
        set name "proxy-out"
        set srcintf "port2"
        set dstintf "port1"
        set action accept
        set srcaddr "branches"
        set dstaddr "all"
        set schedule "always"
        set service "web-8080" "netorch-era"
    next
"""
RULES = [{"from": "zone:police", "to": "org:Courts B", "services": ["https", "tcp/8443-8444"]},
         {"from": "site:north-b", "to": "zone:police", "services": ["udp/5060", "icmp"]},
         {"from": "any", "to": "site:hub", "services": ["dns", "ntp", "syslog"]},
         {"from": "zone:dc", "to": "any", "services": ["ssh"]}]


def _running(base: str = FLAT) -> str:
    """The brownfield config with the operator's policy objects (in VDOM mode, in root)."""
    anchor = "config firewall policy\n"
    text = base.replace(anchor, OPERATOR + anchor, 1)
    return text.replace("        set service \"ALL\"\n    next\n",
                        "        set service \"ALL\"\n    next\n" + OPERATOR_POLICY, 1)


@cache
def _intended(rules: int = 4, with_policy: bool = True) -> str:
    """nb-r1's config, joining the operator's BGP (AS 65010, router-id 10.255.0.1)."""
    joins = {DEVICE: {"asn": 65010, "router_id": "10.255.0.1"}}
    inventory = fortios_inventory(devices=joins, rules=RULES[:rules]) if with_policy else \
        fortios_inventory(devices=joins, policy=None)
    return render(plan(inventory), DEVICE)


def _apply(device: FortiOsDevice, commands: list[str]) -> None:
    session = FortiOsSession(device)
    for command in commands:
        reply = session.handle(command).text
        assert not any(f in reply for f in FAILED), f"{command!r}: {reply}"
    assert not session.stack, "the commands left a config block open"


def _deploy(device: FortiOsDevice, want: str) -> list[str]:
    """Plan against the device's running config, apply; the operator lines it removed
    or changed (as `rehearse` counts them)."""
    before = device.running_text()
    change = fortios.plan_change(before, want)
    assert not change.conflicts, [str(c) for c in change.conflicts]
    _apply(device, change.commands)
    after = set(fortios.lines(device.running_text()))
    owned = set(fortios.lines(fortios.managed(before, want)))
    return [ln for ln in fortios.lines(before) if ln not in after and ln not in owned]


def _device(text: str) -> FortiOsDevice:
    device = FortiOsDevice("fgt")
    device.load_text(text)
    return device


def _policy_order(device: FortiOsDevice) -> list[str]:
    tree = fortios.parse(device.running_text())
    if "vdom" in tree.tables:
        tree = tree.tables["vdom"].entries["root"]
    return list(tree.tables["firewall policy"].entries)


def _operator_lines(text: str) -> set[str]:
    """Every line of the operator's policy objects (its policies 1 and 7, addresses,
    group and services, the "netorch-era" service among them)."""
    tables = ("firewall policy", "firewall address", "firewall addrgrp",
              "firewall service custom")
    edits = {(f"config {t}", f"edit {n}") for t in tables for n in (
        "1", "7", '"azure-vnet"', '"hq-lan"', '"branches"', '"web-8080"', '"netorch-era"')}
    found = {ln for ln in fortios.lines(text)
             if any(pair in edits for pair in pairwise(ln.split(" > ")))}
    assert len(found) == 30, found  # 7 entries and their 23 settings
    return found


@pytest.mark.parametrize("base", [FLAT, VDOM_MODE], ids=["no-vdom", "vdom-mode"])
def test_the_policy_deploys_beside_the_operators_and_again_sends_nothing(base: str) -> None:
    running = _running(base)
    device = _device(running)
    assert _deploy(device, _intended()) == []
    text = device.running_text()
    assert _operator_lines(text) == _operator_lines(running)
    # FortiOS gives each new policy, address and group a uuid, which `show` prints:
    # never unset as "not rendered", so the second deploy sends nothing
    assert text.count("set uuid ") > 20
    assert not fortios.plan_change(text, _intended()), "not idempotent"
    order = _policy_order(device)
    assert order[:2] == ["1", "7"], "the operator's policies stay first, in their order"
    assert order[-3:] == ["1000000011", "1000000012", "1000000013"]  # the denies, last
    assert 'edit "netorch-tcp-8443-8444"' in text and 'edit "web-8080"' in text


def test_a_rule_added_later_goes_before_the_deny_policies() -> None:
    device = _device(_running())
    _deploy(device, _intended(rules=2))
    before = _policy_order(device)
    change = fortios.plan_change(device.running_text(), _intended(rules=4))
    moves = [c for c in change.commands if c.startswith("move ")]
    # rule-3 out and rule-4 in, new, each after its predecessor: the denies stay put
    assert moves == ["move 1001000012 after 1001000008",
                     "move 1001000017 after 1001000012"], moves
    _apply(device, change.commands)
    order = _policy_order(device)
    assert order[:len(before) - 3] == before[:-3]
    assert order[-5:] == ["1001000012", "1001000017", "1000000011", "1000000012",
                          "1000000013"]
    assert not fortios.plan_change(device.running_text(), _intended(rules=4))


def test_a_policy_moved_by_hand_is_put_back_and_the_operators_stay() -> None:
    device = _device(_running())
    _deploy(device, _intended())
    _apply(device, ["config firewall policy", "move 1000000013 before 7", "end"])
    change = fortios.plan_change(device.running_text(), _intended())
    assert [c for c in change.commands if c.startswith("move ")] == [
        "move 1000000013 after 1000000012"], change.commands
    _apply(device, change.commands)
    order = _policy_order(device)
    assert order[:2] == ["1", "7"] and order[-3:] == ["1000000011", "1000000012",
                                                       "1000000013"]
    assert not fortios.plan_change(device.running_text(), _intended())


def test_removing_the_policy_removes_only_its_objects_and_restores_permit_all() -> None:
    running = _running()
    device = _device(running)
    _deploy(device, _intended())
    flat = _intended(with_policy=False)
    change = fortios.plan_change(device.running_text(), flat)
    deleted = [c for c in change.commands if c.startswith("delete ")]
    assert 'delete "netorch-tcp-8443-8444"' in deleted and "delete 1000000011" in deleted
    assert not any("web-8080" in c or "branches" in c or c == "delete 7" for c in deleted)
    _apply(device, change.commands)
    text = device.running_text()
    assert _operator_lines(text) == _operator_lines(running)
    for gone in ("netorch-net-", "netorch-deny", "netorch-rule-", "fabric-none",
                 "fabric-reach", 'edit "netorch-https"', "edit 1000000011"):
        assert gone not in text, gone
    assert _policy_order(device) == ["1", "7", "1000000001", "1000000002"]  # a spoke
    assert not fortios.plan_change(text, flat), "not idempotent"
    fresh = _device(running)  # the same as a flat fabric deployed from scratch
    _deploy(fresh, flat)
    assert set(fortios.lines(fortios.managed(text, flat))) == \
        set(fortios.lines(fortios.managed(fresh.running_text(), flat)))


def test_an_operator_service_with_netorchs_name_is_a_conflict() -> None:
    taken = _running().replace('    edit "web-8080"\n', '    edit "netorch-https"\n', 1)
    taken = taken.replace('set service "web-8080"', 'set service "netorch-https"')
    conflicts = fortios.plan_change(taken, _intended()).conflicts
    assert [c.line for c in conflicts] == [
        'config firewall service custom > edit "netorch-https"']


def test_the_simulator_moves_policies_as_fortios_does() -> None:
    device = _device(_running())
    session = FortiOsSession(device)
    replies = [session.handle(c).text for c in (
        "config firewall policy", "move 7 before 1", "move 1 after 9", "move 1 above 7",
        "end", "config firewall address", "move hq-lan before azure-vnet", "end")]
    assert replies[1] == "" and _policy_order(device) == ["7", "1"]
    assert "entry not found" in replies[2] and "parse error" in replies[3]
    assert "parse error before 'move'" in replies[6]  # only ordered tables move


def test_the_simulator_refuses_what_fortios_refuses_in_policies() -> None:
    device = _device(_running())
    _deploy(device, _intended())
    session = FortiOsSession(device)
    replies = [session.handle(c).text for c in (
        "config firewall policy", "edit 1000000099", 'set srcaddr "nowhere"',
        'set service "netorch-nothing"', 'set dstintf "netorch-elsewhere"',
        'set srcaddr "all" "netorch-any"', 'set service "ALL"', "next", "end",
        "config firewall service custom", 'delete "netorch-https"', "end")]
    assert all("entry not found in datasource" in r for r in replies[2:5]), replies
    assert replies[5] == replies[6] == ""
    assert "used by other" in replies[10]


@pytest.mark.parametrize(("table", "line"), [
    ("firewall policy", "set action allow"),
    ("firewall policy", "set logtraffic everything"),
    ("firewall policy", f'set name "netorch-{"x" * 28}"'),
    ("firewall service custom", "set protocol TCP"),
    ("firewall service custom", "set tcp-portrange 443-80"),
    ("firewall service custom", "set udp-portrange 70000"),
])
def test_the_simulator_refuses_values_fortios_refuses(table: str, line: str) -> None:
    session = FortiOsSession(_device(_running()))
    edit = "edit 1000000099" if table == "firewall policy" else 'edit "netorch-x"'
    replies = [session.handle(c).text for c in (f"config {table}", edit, line)]
    assert "Command fail" in replies[-1], replies
    ok = [session.handle(c).text for c in ("set tcp-portrange 53 8000-8100:1024-65535",
                                           "set udp-portrange 53")]
    assert table != "firewall service custom" or ok == ["", ""]


def _shown_without(text: str, line: str) -> str:
    """`text` as a FortiGate's `show` prints it when `line` is at its default: left out."""
    assert line in text
    return text.replace(line, "")


def test_the_deny_policies_say_deny_and_read_back_either_way() -> None:
    """The simulator stores `set action deny`; a FortiGate's `show` leaves a default out
    (a deny policy shows no action), and both read back as rendered: nothing to send."""
    device = _device(_running())
    _deploy(device, _intended())
    text = device.running_text()
    denies = fortios.parse(text).tables["firewall policy"].entries
    assert all(denies[i].settings["action"] == "deny"
               for i in ("1000000011", "1000000012", "1000000013"))
    shown = _shown_without(text, "        set action deny\n")
    assert "set action deny" not in shown
    assert not fortios.plan_change(shown, _intended())
    assert not fortios.plan_change(text, _intended())


def test_a_deny_policy_without_action_on_an_accept_default_build_is_fixed() -> None:
    """A build whose policies default to accept (the Container FortiOS 7.2.2 CLI
    Reference) prints deny and leaves accept out: netorch's accepts read back as they
    are, and a deny policy of an earlier deploy without its action (there: accept,
    allow-all) gets `set action deny`."""
    device = _device(_running())
    _deploy(device, _intended())
    text = device.running_text()
    accept_default = _shown_without(text, "        set action accept\n")
    assert not fortios.plan_change(accept_default, _intended())
    old = accept_default.replace("        set action deny\n", "", 1)
    old = old.replace("        set schedule \"always\"\n", "        set action deny\n"
                      "        set schedule \"always\"\n", 1)  # the operator's policy 1
    change = fortios.plan_change(old, _intended())
    assert change.commands == ["config firewall policy", "edit 1000000011",
                               "set action deny", "next", "end"], change.commands


def test_the_lan_zone_allows_intrazone_and_an_old_deny_converges() -> None:
    """netorch-lan: `set intrazone allow` (LAN to LAN crosses no tunnel); a device
    deployed with the earlier `deny` gets `allow`, once; netorch-vpn stays deny, also
    when `show` leaves that default out."""
    device = _device(_running())
    _deploy(device, _intended())
    lan = '    edit "netorch-lan"\n'
    text = device.running_text()
    at = text.index(lan)
    old = text[:at] + text[at:].replace("set intrazone allow", "set intrazone deny", 1)
    device.load_text(old)
    change = fortios.plan_change(old, _intended())
    assert change.commands == ["config system zone", 'edit "netorch-lan"',
                               "set intrazone allow", "next", "end"], change.commands
    _apply(device, change.commands)
    text = device.running_text()
    assert not fortios.plan_change(text, _intended())
    assert not fortios.plan_change(_shown_without(text, "        set intrazone deny\n"),
                                   _intended())


def test_a_no_routes_list_shown_as_prefix_any_reads_back_as_rendered() -> None:
    """`fabric-none` is written `set prefix 0.0.0.0 0.0.0.0`; `show router prefix-list`
    prints 0.0.0.0/0 as `set prefix any`: nothing to send for it."""
    want = render(all_fortios(), "sb-r1")
    device = FortiOsDevice("sb-r1")
    change = fortios.plan_change(device.running_text(), want)
    assert not change.conflicts, change.conflicts
    _apply(device, change.commands)
    text = device.running_text()
    assert "set prefix 0.0.0.0 0.0.0.0" in text
    shown = text.replace("set prefix 0.0.0.0 0.0.0.0", "set prefix any")
    assert not fortios.plan_change(shown, want), fortios.plan_change(shown, want).commands
    widened = shown.replace("set le 32", "unset le", 1)
    assert "set le 32" in fortios.plan_change(widened, want).commands
