"""The segmentation policy on FortiOS: what the template renders, and the policy IDs.

A fabric without `policy:` renders the permit-all policies as before; with one, each
rule the device enforces becomes accept policies per direction (out of the site, into
it, and on hubs in transit), then one deny-and-log policy per direction. Policy IDs are
netorch's reserved ones, stable per rule name; names fit FortiOS's 35 characters.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from netorch import api
from netorch.inventory.model import Inventory
from netorch.plan import make_plan
from netorch.plan.model import FabricPlan
from netorch.platforms.fortinet_fortios import policy as ids
from netorch.platforms.fortinet_fortios.names import RESERVED_IDS
from netorch.render import Renderer
from netorch.render.context import device_contexts
from netorch.render.engine import platform_variables
from tests.render.structure import INVENTORIES, configs, plan_of
from tests.render.test_fortios_structure import parse

PLATFORM = "fortinet_fortios"
CNSA = INVENTORIES["cnsa-regional"]


def fortios_inventory(source: Path = CNSA, devices: dict[str, dict[str, Any]] | None = None,
                      **policy: Any) -> Inventory:
    """`source` with every device a FortiGate (links on port1, port2, ...; `devices`:
    more settings by device name); `policy` replaces keys of its `fabric.policy`
    (`policy=None` drops it)."""
    data = yaml.safe_load(source.read_text())
    for site in data["sites"]:
        for device in site["devices"]:
            device["platform"] = PLATFORM
            device.update((devices or {}).get(device["name"], {}))
            for i, link in enumerate(device["links"], start=1):
                link["interface"] = f"port{i}"
    if policy.get("policy", 0) is None:
        data["fabric"].pop("policy")
    else:
        data["fabric"]["policy"].update(policy)
    return Inventory.model_validate(data)


def plan(inventory: Inventory) -> FabricPlan:
    """The plan with fresh allocations (an inventory built in Python has no lock file)."""
    result = make_plan(inventory)
    assert result.plan is not None, result.findings
    return result.plan


@cache
def all_fortios() -> FabricPlan:
    return plan(fortios_inventory())


def render(fabric: FabricPlan, device: str) -> str:
    return api.render(fabric, redact=True, devices={device})[device]["config.fortios"]


def policies(text: str) -> list[tuple[str, dict[str, list[str]]]]:
    """(ID, settings) of every firewall policy, in order."""
    return [(i, p.settings) for i, p in parse(text).table("firewall policy").items()]


def test_without_a_policy_the_flat_policies_stay() -> None:
    text = render(plan(fortios_inventory(policy=None)), "hub-r1")
    assert [s["name"] for _, s in policies(text)] == [
        ["netorch-lan-to-fabric"], ["netorch-fabric-to-lan"], ["netorch-fabric-transit"]]
    assert "config firewall service custom" not in text
    assert "fabric-none" not in text and "fabric-reach" not in text


def test_a_hub_enforces_rules_in_transit_and_for_its_own_lan() -> None:
    got = [s["name"][0] for _, s in policies(render(all_fortios(), "hub-r1"))]
    # rule-1 (police -> Courts B) and rule-2 (north-b -> police) pass the hub in transit;
    # rule-3 (any -> hub) only arrives and rule-4 (dc, the hub -> any) only leaves: no
    # other site on one side, so nothing of theirs is transit
    assert got == ["netorch-rule-1-transit", "netorch-rule-2-transit", "netorch-rule-3-in",
                   "netorch-rule-4-out", "netorch-deny-out", "netorch-deny-in",
                   "netorch-deny-transit"]


def test_a_spoke_enforces_only_its_own_sides_and_never_transit() -> None:
    text = render(all_fortios(), "nb-r1")  # north-b: Courts B
    got = {s["name"][0]: s for _, s in policies(text)}
    assert list(got) == ["netorch-rule-1-in", "netorch-rule-2-out", "netorch-rule-3-out",
                         "netorch-rule-4-in", "netorch-deny-out", "netorch-deny-in",
                         "netorch-deny-transit"]
    rule1 = got["netorch-rule-1-in"]
    assert rule1["srcintf"] == ["netorch-vpn"] and rule1["dstintf"] == ["netorch-lan"]
    assert rule1["srcaddr"] == ["netorch-zone-police"]
    assert rule1["dstaddr"] == ["netorch-org-courts-b"]
    assert rule1["service"] == ["netorch-https", "netorch-tcp-8443-8444"]
    assert rule1["action"] == ["accept"] and rule1["logtraffic"] == ["all"]
    deny = got["netorch-deny-in"]
    assert deny["action"] == ["deny"]  # explicit: not every FortiOS build defaults to deny
    assert (deny["srcaddr"], deny["service"], deny["logtraffic"]) == (["all"], ["ALL"], ["all"])


def test_services_are_rendered_as_fortios_shows_them() -> None:
    tree = parse(render(all_fortios(), "hub-r1"))
    services = {n: s.settings for n, s in tree.table("firewall service custom").items()}
    assert services["netorch-tcp-8443-8444"] == {
        "comment": ["netorch: tcp/8443-8444"], "tcp-portrange": ["8443-8444"]}
    assert services["netorch-dns"]["tcp-portrange"] == ["53"]
    assert services["netorch-dns"]["udp-portrange"] == ["53"]
    assert services["netorch-icmp"]["protocol"] == ["ICMP"]
    assert "protocol" not in services["netorch-udp-5060"]  # TCP/UDP/SCTP: the default
    assert "netorch-any" not in services  # `any` is the predefined "ALL"


def test_a_mesh_pair_without_flows_exchanges_no_routes() -> None:
    text = render(all_fortios(), "sb-r1")
    lists = parse(text).table("router prefix-list")
    [rule] = lists["fabric-none"].table("rule").values()
    assert rule.settings == {"action": ["deny"], "prefix": ["0.0.0.0", "0.0.0.0"],
                             "le": ["32"]}


def test_a_rule_whose_group_is_empty_is_left_out() -> None:
    """A selector matching no site is a validate error; rendering still works and
    allows nothing for it (no group, no policy)."""
    fabric = all_fortios()
    assert fabric.policy is not None
    empty = next(g for g in fabric.policy.groups if g.name == "org-courts-b")
    hollow = fabric.policy.model_copy(update={"groups": [
        g.model_copy(update={"sites": [], "prefixes": []}) if g is empty else g
        for g in fabric.policy.groups]})
    fabric = fabric.model_copy(update={"policy": hollow})
    options = platform_variables(fabric, {})
    ctx = next(device_contexts(fabric, None, redact=True, options=options,
                               devices={"hub-r1"}))
    assert ctx.policy is not None
    groups = [g for g in hollow.groups if g.name in {x.name for x in ctx.policy.groups}]
    ctx = dataclasses.replace(ctx, policy=dataclasses.replace(ctx.policy, groups=groups))
    text = Renderer().render_device(ctx)["config.fortios"]
    names = [s["name"][0] for _, s in policies(text)]
    assert "netorch-rule-1-transit" not in names and "netorch-rule-2-transit" in names
    assert "netorch-org-courts-b" not in parse(text).table("firewall addrgrp")


def test_policy_ids_are_reserved_stable_and_distinct() -> None:
    fabric = all_fortios()
    assert fabric.policy is not None
    slots = ids.policy_slots(fabric.policy)
    every = [pid for rule in slots.values() for pid, _ in rule.values()]
    assert len(set(every)) == len(every) and all(pid in RESERVED_IDS for pid in every)
    assert not set(every) & {1_000_000_001, 1_000_000_002, 1_000_000_003}  # the flat ones
    names = [name for rule in slots.values() for _, name in rule.values()]
    assert len(set(names)) == len(names) and all(len(n) <= 35 for n in names)
    # a rule keeps its IDs whatever other rules come or go
    fewer = fabric.policy.model_copy(update={"rules": fabric.policy.rules[1:]})
    assert ids.policy_slots(fewer)["rule-2"] == slots["rule-2"]
    assert slots["rule-3"]["out"][0] == 1_000_000_000 + 1_000_000 + 4 * 3


def test_hashed_slots_probe_past_a_clash_and_stay_in_range(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "HASHED", 3)  # three slots: names must clash and move on
    slots = ids.rule_slots(["same-org-a", "same-org-b", "default", "rule-7"])
    assert slots["rule-7"] == 7
    hashed = [slots[n] for n in ("same-org-a", "same-org-b", "default")]
    assert sorted(hashed) == [ids.NUMBERED, ids.NUMBERED + 1, ids.NUMBERED + 2]
    monkeypatch.undo()
    top = ids.RULE_BASE + 4 * (ids.NUMBERED + ids.HASHED - 1) + 2
    assert top in RESERVED_IDS


def test_long_rule_names_are_cut_to_35_characters_and_stay_apart() -> None:
    long_a = "same-org-" + "a" * 40
    long_b = "same-org-" + "a" * 39 + "b"
    names = {ids.policy_name(r, d) for r in (long_a, long_b) for d in ids.DIRECTIONS}
    assert len(names) == 6 and all(len(n) <= 35 and n.startswith("netorch-") for n in names)


@pytest.mark.parametrize("device", ["esx-basildon-r1", "cps-east-fw1"])
def test_eastern_region_comments_carry_the_marker_and_rule_text(device: str) -> None:
    text = configs("eastern-region", PLATFORM)[device]
    for _, settings in policies(text):
        assert " ".join(settings["comments"]).startswith("netorch: ")
    assert plan_of("eastern-region").policy is not None
