"""Rendering the segmentation policy for Junos: edge cases the inventories do not hold.

A group that matches no address (a rule over it matches nothing, and an address-set
cannot be empty) is left out with its rule; a rule description is Junos-quoted data;
a rule allowing `any` service matches `application any`; a fabric without a policy
keeps the permit-all policies and renders no application; an operator zone's own
address book is a deploy conflict (Junos refuses it beside the global address book).
"""

from __future__ import annotations

import re

from netorch import api
from netorch.plan.model import FabricPlan, PolicyPlan
from netorch.platforms.juniper_junos import config as junos_config
from netorch.platforms.juniper_junos import text as junos
from netorch.platforms.juniper_junos.sim import JunosDevice
from tests.render.structure import configs, plan_of

DEVICE = "sa-r1"  # cnsa-regional: rule-1 leaves it (zone:police -> org:Courts B)


def _render(plan: FabricPlan) -> str:
    return api.render(plan, redact=True, devices={DEVICE})[DEVICE]["config.set"]


def _with_policy(plan: FabricPlan, policy: PolicyPlan) -> FabricPlan:
    return plan.model_copy(update={"policy": policy})


def _commits(text: str) -> str:
    device = JunosDevice(DEVICE)
    session = device.session()
    session.handle("configure exclusive")
    for line in text.splitlines():
        if line.startswith("set "):
            assert session.handle(line).text == "", line
    return session.handle("commit").text


def test_a_rule_over_an_empty_group_is_left_out() -> None:
    plan = plan_of("cnsa-regional")
    assert plan.policy is not None
    groups = [g.model_copy(update={"prefixes": [], "sites": []})
              if g.name == "org-courts-b" else g for g in plan.policy.groups]
    text = _render(_with_policy(plan, plan.policy.model_copy(update={"groups": groups})))
    assert "netorch-rule-1 " not in text and "netorch-org-courts-b" not in text
    assert "netorch-tcp-8443-8444" not in text  # used by rule-1 only
    assert "policy netorch-rule-3 " in text  # the others stay
    assert "commit complete" in _commits(text)


def test_a_description_is_quoted_data() -> None:
    plan = plan_of("cnsa-regional")
    assert plan.policy is not None
    rules = [r.model_copy(update={"description": 'say "hi" \\ set system x'})
             if r.name == "rule-1" else r for r in plan.policy.rules]
    text = _render(_with_policy(plan, plan.policy.model_copy(update={"rules": rules})))
    [line] = [ln for ln in text.splitlines() if "netorch-rule-1 description" in ln]
    assert line.endswith(' description "say \\"hi\\" \\\\ set system x"')
    assert junos.statements(line)[0].endswith('"say \\"hi\\" \\\\ set system x"')


def test_any_service_is_junos_any() -> None:
    text = configs("eastern-region", "juniper_junos")["sfk-hq-r1"]
    same_org = re.findall(r"policy netorch-same-org-suffolk-constabulary match application "
                          r"(\S+)", text)
    assert same_org == ["any", "any"]  # leaving and arriving
    assert "applications application netorch-any" not in text


def test_without_a_policy_the_fabric_stays_flat() -> None:
    text = configs("psk-mesh", "juniper_junos")["mj-r1"]
    assert "policy netorch-lan-to-fabric match application any" in text
    assert "netorch-deny" not in text and "set applications" not in text


_OPERATOR = """set system host-name sa-r1
set security zones security-zone trust interfaces ge-0/0/2.0
set security policies from-zone trust to-zone untrust policy op-web match source-address any
"""
_ZONE_BOOK = "security zones security-zone trust address-book"


def _book_conflicts(running: str, intended: str) -> list[str]:
    change = junos_config.plan_change(running, intended)
    return [str(c) for c in change.conflicts if "address book" in c.reason]


def test_an_operator_zone_address_book_is_a_conflict() -> None:
    """Junos refuses a zone's own address book beside global address-book entries, which
    every netorch config has (the policy's, or the flat fabric's `netorch-lan`)."""
    book = (f"set {_ZONE_BOOK} address op-dns 192.0.2.53/32\n"
            f"set {_ZONE_BOOK} address-set op-servers address op-dns\n")
    for intended in (configs("cnsa-regional", "juniper_junos")[DEVICE],
                     configs("psk-mesh", "juniper_junos")["mj-r1"]):
        assert _book_conflicts(_OPERATOR, intended) == []
        found = junos_config.plan_change(_OPERATOR + book, intended).conflicts
        [conflict] = [c for c in found if "address book" in c.reason]
        assert conflict.line == f"{_ZONE_BOOK} address op-dns 192.0.2.53/32"
        assert conflict.reason.startswith("zone trust has its own address book")
        assert "security address-book global" in conflict.resolve
    intended = configs("cnsa-regional", "juniper_junos")[DEVICE]
    # from a group too (it is in effect); not when deactivated (Junos ignores it)
    grouped = ("set groups op security zones security-zone <*> address-book address a "
               "192.0.2.1/32\nset apply-groups op\n")
    [line] = _book_conflicts(_OPERATOR + grouped, intended)
    assert line.startswith("groups op security zones security-zone <*> address-book")
    assert _book_conflicts(_OPERATOR + book + f"deactivate {_ZONE_BOOK}\n", intended) == []
