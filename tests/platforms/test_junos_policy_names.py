"""Junos names of the segmentation policy's objects stay within Junos's 63 characters
(security policies, address-book addresses and address-sets, applications and
application-sets: Juniper's Junos YANG `length "1 .. 63"`), however long the inventory's
organisation (free text, up to 128 characters) or zone names: a longer name keeps its
start and ends in a hash of the whole name (templates/juniper_junos/_names.j2 `cut`), so
two long names stay two, and the simulator, which refuses a longer name, commits it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from netorch import api
from netorch.inventory.types import FREE_TEXT_MAX
from netorch.plan.model import FabricPlan
from netorch.platforms.juniper_junos.sim import JunosDevice
from tests.render.structure import INVENTORIES

DEVICE = "sa-r1"  # cnsa-regional's SRX, at site south-a
# Two organisations whose names share their first 120 characters (so their plan slugs
# are cut alike and told apart only by the planner's hash), with FreeText's punctuation.
_COMMON = ("Office of the Police, Fire & Crime Commissioner (Eastern Region) / Joint "
           "Collaboration Unit: ICT + Security_Ops @ 100% = one's")
ORG_A, ORG_B = f"{_COMMON[:120]} Unit A1", f"{_COMMON[:120]} Unit B2"
ZONE = "z" * 55 + "-police"  # 63 characters, the longest Name
_NAMED = re.compile(r"^set (?:security policies from-zone \S+ to-zone \S+ policy "
                    r"|security address-book global address(?:-set)? "
                    r"|applications application(?:-set)? )(\S+)", re.M)


def _plan(tmp_path: Path) -> FabricPlan:
    data = yaml.safe_load(INVENTORIES["cnsa-regional"].read_text())
    data["fabric"]["policy"] = {
        "default": "allow", "same_organisation": "deny",
        "rules": [{"from": f"zone:{ZONE}", "to": f"org:{ORG_B}",
                   "services": ["https", "dns", "udp/5000-5010"]}]}
    for site in data["sites"]:
        if site["name"] == "south-a":
            site["organisation"], site["zone"] = ORG_A, ZONE
        if site["name"] in ("north-b", "south-b"):
            site["organisation"] = ORG_B
    path = tmp_path / "long-names.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    locked = INVENTORIES["cnsa-regional"].with_suffix(".allocations.yaml")
    (tmp_path / "long-names.allocations.yaml").write_text(locked.read_text())
    return api.plan(api.load(path))


def _render(plan: FabricPlan) -> str:
    return api.render(plan, redact=True, devices={DEVICE})[DEVICE]["config.set"]


def test_long_organisation_and_zone_names_are_cut_to_63(tmp_path: Path) -> None:
    assert len(ORG_A) == len(ORG_B) == FREE_TEXT_MAX
    plan = _plan(tmp_path)
    text = _render(plan)
    names = set(_NAMED.findall(text))
    assert names and max(len(n) for n in names) <= 63, sorted(names, key=len)[-3:]
    assert all(n.startswith("netorch-") for n in names)
    policies = set(re.findall(r" policy (netorch-\S+) ", text))
    defaults = sorted(p for p in policies if p.startswith("netorch-default-org-office"))
    assert len(defaults) == 2  # ORG_A's and ORG_B's rules: two names, each cut
    assert all(len(p) == 63 for p in defaults)
    assert defaults[0][:56] == defaults[1][:56] and defaults[0] != defaults[1]
    sets = {n for n in names if n.startswith("netorch-others-org-office")}
    assert len(sets) == 2
    assert _render(plan) == text  # the same names on every render


def test_every_reference_names_the_cut_object(tmp_path: Path) -> None:
    """The cut names are the ones the policies refer to: the SRX commits the config."""
    text = _render(_plan(tmp_path))
    zone_set = next(n for n in _NAMED.findall(text) if n.startswith("netorch-zone-zzz"))
    assert len(zone_set) == 63 and f"match source-address {zone_set}" in text
    device = JunosDevice(DEVICE)
    session = device.session()
    session.handle("configure exclusive")
    for line in text.splitlines():
        if line.startswith("set "):
            assert session.handle(line).text == "", line
    assert "commit complete" in session.handle("commit").text


def test_short_names_are_unchanged(tmp_path: Path) -> None:
    text = _render(_plan(tmp_path))
    assert "set applications application-set netorch-dns application netorch-dns-udp-53" in text
    assert "set applications application netorch-udp-5000-5010 destination-port 5000-5010" in text
    assert " policy netorch-deny " in text
