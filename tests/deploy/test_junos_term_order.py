"""Junos ordered lists on redeploy: the device ends in the rendered term order.

A policy-statement's terms are evaluated in order, and Junos appends a new term at the
end of its policy-statement. netorch renders per-hub-site rule terms (`term site-...`)
before the catch-all `term accept` (docs/routing.md), so a device running an older
rendering (only `term accept`) or the terms in another order must be brought to the
rendered order with `insert`, not by `set` alone. Proved against the simulated SRX over
SSH with the real driver: it appends new terms and reorders only on `insert`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from netorch import api
from netorch.deploy import Credentials, DeployOptions, DeviceTarget, Outcome, deploy_fabric
from netorch.keys import Secret
from netorch.platforms.juniper_junos import config as junos
from netorch.platforms.juniper_junos.order import moves
from netorch.platforms.juniper_junos.sim import JunosDevice
from netorch.sim.server import Simulator
from tests.render.structure import plan_of

SECRET = Secret(b"junos-term-order-test-secret-0123456789")
CREDS = Credentials("netorch", "lab-pass")
DEVICE = "sfk-ipswich-r1"  # a spoke with rule terms for both hub sites' devices
_TERM = re.compile(r"set policy-options policy-statement (\S+) term (\S+) ")
OPERATOR = """set system host-name j1
set interfaces ge-0/0/0 unit 0 family inet dhcp
set policy-options policy-statement ops-export term zz-last from protocol static
set policy-options policy-statement ops-export term zz-last then accept
set policy-options policy-statement ops-export term aa-first from protocol direct
set policy-options policy-statement ops-export term aa-first then accept
set policy-options policy-statement ops-export term accept then reject
set security zones security-zone trust
set security zones security-zone untrust
set security policies from-zone trust to-zone untrust policy ops-b match application any
set security policies from-zone trust to-zone untrust policy ops-a match application any
"""


def term_order(text: str) -> dict[str, list[str]]:
    """Each policy-statement's terms, in the order a `display set` text shows them."""
    out: dict[str, list[str]] = {}
    for m in _TERM.finditer(text):
        if m[2] not in (terms := out.setdefault(m[1], [])):
            terms.append(m[2])
    return out


@pytest.fixture(scope="module")
def current() -> str:
    plan = plan_of("eastern-region")
    return api.render(plan, SECRET, devices={DEVICE})[DEVICE]["config.set"]


def _older(config: str) -> str:
    """The same device's config as netorch rendered it before the rule terms."""
    return "".join(ln for ln in config.splitlines(keepends=True) if " term site-" not in ln)


def _swapped(config: str) -> str:
    """The current config with each inbound policy-statement's `term accept` first."""
    lines = config.splitlines(keepends=True)
    accept = [ln for ln in lines if re.search(r"-in term accept ", ln)]
    rest = [ln for ln in lines if ln not in accept]
    return "".join(accept + rest)


def _deploy(sim: Simulator, config: str) -> Any:
    device = sim.devices["j1"]
    target = DeviceTarget("j1", "juniper_junos", "127.0.0.1", device.port, "suffolk-ipswich",
                          {"config.set": config})
    return deploy_fabric([target], CREDS, DeployOptions(commit=True, audit_log=None)).devices[0]


def _running(*texts: str) -> str:
    """A running config holding each line of `texts` once, in order."""
    return "".join(dict.fromkeys(ln + "\n" for t in texts for ln in t.splitlines()))


def _operator_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if "ops-" in ln]


def _device() -> JunosDevice:
    device = JunosDevice("j1")
    device.minute = 0.5
    device.load_text(OPERATOR)
    return device


# --- the rendering this is about -------------------------------------------------------

def test_the_rendering_puts_rule_terms_before_the_catch_all(current: str) -> None:
    orders = {p: t for p, t in term_order(current).items() if p.endswith("-in")}
    assert any(len(t) > 1 for t in orders.values()), "no rule terms rendered: nothing to test"
    assert all(t[-1] == "accept" for t in orders.values()), orders


# --- over SSH: the real driver, the simulated SRX --------------------------------------

def test_a_redeploy_over_an_older_rendering_ends_in_the_rendered_order(current: str) -> None:
    device = _device()
    with Simulator([device]) as sim:
        first = _deploy(sim, _older(current))
        assert first.outcome is Outcome.COMMITTED, first.as_dict()
        assert all(t == ["accept"] for p, t in term_order(device.running_text()).items()
                   if p.endswith("-in"))
        sent = len(device.commands)
        second = _deploy(sim, current)
        assert second.outcome is Outcome.COMMITTED, second.as_dict()
        inserts = [c for c in device.commands[sent:] if c.startswith("insert ")]
        running = device.running_text()
        assert {p: t for p, t in term_order(running).items() if not p.startswith("ops-")} == \
            term_order(current)
        # one move per policy-statement with rule terms, never one per term
        assert len(inserts) == sum(len(t) > 1 for t in term_order(current).values()) > 0
        assert all(re.fullmatch(r"insert policy-options policy-statement \S+-in term (accept "
                                r"after term site-\S+|site-\S+ before term accept)", c)
                   for c in inserts), inserts
        again = _deploy(sim, current)
        assert again.outcome is Outcome.UNCHANGED, again.as_dict()
        assert _operator_lines(device.running_text()) == _operator_lines(OPERATOR)


def test_terms_in_another_order_are_reordered_and_nothing_else_is_sent(current: str) -> None:
    device = _device()
    device.load_text(_running(OPERATOR, _swapped(current)))
    assert term_order(device.running_text()) != {**term_order(OPERATOR), **term_order(current)}
    with Simulator([device]) as sim:
        fixed = _deploy(sim, current)
        assert fixed.outcome is Outcome.COMMITTED, fixed.as_dict()
        moved = [ln[1:] for ln in fixed.diff.splitlines() if ln.startswith("-set ")]
        assert moved and all(f"+{ln}" in fixed.diff.splitlines() for ln in moved)
        assert all(" term " in ln for ln in moved)  # an order change shows in the diff
        assert term_order(device.running_text()) == {**term_order(OPERATOR),
                                                     **term_order(current)}
        assert _deploy(sim, current).outcome is Outcome.UNCHANGED
        assert _operator_lines(device.running_text()) == _operator_lines(OPERATOR)


def test_a_plan_on_the_wrong_order_sends_only_inserts(current: str) -> None:
    change = junos.plan_change(_running(OPERATOR, _swapped(current)), current)
    assert change.commands and all(c.startswith("insert ") for c in change.commands)
    assert not [c for c in change.commands if "ops-" in c]
    assert not junos.plan_change(_running(OPERATOR, current), current)


# --- security policies: netorch's move among themselves, the operator's never ----------

_POLICIES = """set security zones security-zone trust
set security zones security-zone netorch-vpn
set security policies from-zone trust to-zone netorch-vpn policy netorch-b match application any
set security policies from-zone trust to-zone netorch-vpn policy ops-x match application any
set security policies from-zone trust to-zone netorch-vpn policy netorch-a match application any
"""


def test_netorchs_security_policies_take_the_rendered_order() -> None:
    intended = "".join(ln + "\n" for ln in _POLICIES.splitlines() if "ops-x" not in ln)
    intended = intended.replace("policy netorch-b", "policy netorch-Z").replace(
        "policy netorch-a", "policy netorch-b").replace("policy netorch-Z", "policy netorch-a")
    change = junos.plan_change(_POLICIES, intended)
    assert change.commands == [
        "insert security policies from-zone trust to-zone netorch-vpn policy netorch-a "
        "before policy netorch-b"]
    device = JunosDevice("j1")
    device.load_text(_POLICIES)
    session = device.session()
    session.handle("configure")
    assert session.handle(change.commands[0]).text == ""
    assert "commit complete" in session.handle("commit").text
    assert [ln.split()[8] for ln in device.running_text().splitlines() if " policy " in ln] \
        == ["netorch-a", "netorch-b", "ops-x"]
    assert not junos.plan_change(device.running_text(), intended)


# --- the ordering and the simulator, piece by piece ------------------------------------

@pytest.mark.parametrize(("have", "wanted", "fewest"), [
    ("abc", "abc", 0), ("cba", "abc", 2), ("bcda", "abcd", 1), ("dabc", "abcd", 1),
    ("xabcd", "abcdx", 1), ("badc", "abcd", 2)])
def test_moves_reach_the_wanted_order_with_the_fewest_inserts(
        have: str, wanted: str, fewest: int) -> None:
    order = list(have)
    steps = moves(list(have), list(wanted))
    for name, where, anchor in steps:
        order.remove(name)
        order.insert(order.index(anchor) + (where == "after"), name)
    assert order == list(wanted)
    assert len(steps) == fewest


def _session(text: str) -> tuple[JunosDevice, Any]:
    device = JunosDevice("j1")
    device.load_text(text)
    session = device.session()
    session.handle("configure")
    return device, session


PS = "set policy-options policy-statement P "


def test_the_simulator_appends_a_new_term_and_moves_it_only_by_insert() -> None:
    device, session = _session(f"{PS}term accept then accept\n{PS}then reject\n"
                               "set system host-name j1\n")
    session.handle("set policy-options policy-statement P term new then accept")
    shown = session.handle("show | display set").text
    assert shown.splitlines()[:3] == [f"{PS}term accept then accept",
                                      f"{PS}term new then accept", f"{PS}then reject"]
    session.handle("commit")
    assert term_order(device.running_text()) == {"P": ["accept", "new"]}
    assert session.handle("insert policy-options policy-statement P term new before "
                          "term accept").text == ""
    assert "-   term new { ... }\n+   term new { ... }" in session.handle("show | compare").text
    session.handle("commit")
    assert term_order(device.running_text()) == {"P": ["new", "accept"]}


def test_the_simulator_refuses_insert_where_junos_does() -> None:
    _, session = _session(f"{PS}term a then accept\nset system ntp server 192.0.2.1\n")
    missing = session.handle("insert policy-options policy-statement P term b before term a")
    assert missing.text.startswith("error: statement not found")
    unordered = session.handle("insert system ntp server 192.0.2.9 before server 192.0.2.1")
    assert unordered.text.startswith("error:")
    garbled = session.handle("insert policy-options policy-statement P term a")
    assert "syntax error." in garbled.text
