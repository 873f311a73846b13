"""Symmetric paths through hubs: the planner's hub order and the plan-time check.

Real plans of the example inventories and of benchmarks/generate.py fabrics must have no
finding; plans whose preferences are tampered with (the old flat policy, one site
preferring the other hub) and an inventory whose first hub lacks an underlay must.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from netorch.inventory.loader import load
from netorch.plan import make_plan
from netorch.plan.hubpolicy import MAX_HUB_DEVICES, HubOrder
from netorch.plan.model import FabricPlan, Tunnel, TunnelEnd
from netorch.plan.prefixindex import PrefixIndex
from netorch.plan.symmetry import Fabric, check_symmetry, sites_of, trace
from tests.plan.factory import inventory, site

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # type: ignore[import-not-found]  # noqa: E402


def _plan(path: Path) -> tuple[FabricPlan, Any]:
    inv = load(path)
    result = make_plan(inv)
    assert result.plan is not None, [f.render() for f in result.findings]
    return result.plan, inv


@pytest.mark.parametrize("name", ["lab", "eastern-region"])
def test_example_inventories_have_symmetric_hub_paths(name: str) -> None:
    plan, inv = _plan(ROOT / "inventories" / name)
    assert check_symmetry(plan, inv) == []


@pytest.mark.parametrize(("kind", "sites"), [("hub-and-spoke", 300), ("regional", 120),
                                             ("full-mesh", 24)])
def test_generated_fabrics_have_symmetric_hub_paths(tmp_path: Path, kind: str,
                                                    sites: int) -> None:
    fabric = generate.fabric()
    if kind == "full-mesh":
        fabric["topology"] = {"kind": kind}
    else:
        fabric["topology"]["kind"] = kind
    path = tmp_path / "inv.yaml"
    path.write_text(yaml.safe_dump({"fabric": fabric, "sites": generate.sites(sites)}))
    plan, inv = _plan(path)
    assert check_symmetry(plan, inv) == []


def _paths(plan: FabricPlan, a: str, b: str, down: str | None = None
           ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    fab = Fabric.of(plan)
    by_name = {s.name: s for s in sites_of(fab, PrefixIndex(plan.prefix_sets))}
    there, back = trace(fab, by_name[a], by_name[b], down), trace(fab, by_name[b],
                                                                   by_name[a], down)
    assert there is not None and back is not None
    return there.hubs, back.hubs


def test_one_primary_hub_device_both_ways_and_in_each_failure() -> None:
    plan, _ = _plan(ROOT / "inventories" / "eastern-region")
    for down in (None, "private", "internet"):
        # spoke <-> spoke (police <-> CPS: the policy allows flows): the first hub device
        # of the first hub site, both ways
        there, back = _paths(plan, "norfolk-hq", "cps-east", down)
        assert there == back == ("dcn-r1",)
    # a data-centre LAN is entered and left through its own gateway (first device)
    assert _paths(plan, "norfolk-hq", "dc-south") == (("dcs-fw1",), ("dcs-fw1",))
    # hub site to hub site: gateway to gateway
    assert _paths(plan, "dc-north", "dc-south") == (("dcn-r1", "dcs-fw1"),
                                                    ("dcs-fw1", "dcn-r1"))


def _retune(plan: FabricPlan, change: Any) -> FabricPlan:
    def end(e: TunnelEnd, t: Tunnel) -> TunnelEnd:
        return change(e, t.b if e is t.a else t.a, t) or e
    tunnels = [t.model_copy(update={"a": end(t.a, t), "b": end(t.b, t)}) for t in plan.tunnels]
    return plan.model_copy(update={"tunnels": tunnels})


def test_the_old_flat_policy_is_a_tie_finding_at_the_site_name() -> None:
    plan, inv = _plan(ROOT / "inventories" / "lab")
    flat = _retune(plan, lambda e, _, t: e.model_copy(update={
        "local_preference": t.local_preference, "preferences": []}))
    findings = check_symmetry(flat, inv)
    assert findings and all(f.code == "hub-path-tie" and not f.is_error for f in findings)
    first = findings[0].render()
    assert first.startswith("inventories/lab/sites/police-hq.yaml:1:7: warning: ") or \
        ":1:7: warning: " in first
    assert "two equally good routes, through dcn-r1 and dcs-r1" in first


def test_a_site_preferring_the_other_hub_is_an_asymmetry_finding() -> None:
    plan, inv = _plan(ROOT / "inventories" / "lab")

    def prefer_south(e: TunnelEnd, peer: TunnelEnd, t: Tunnel) -> TunnelEnd | None:
        if e.site != "police-hq" or not peer.site.startswith("dc-"):
            return None
        lp = t.local_preference - (1 if peer.site == "dc-south" else 2)
        return e.model_copy(update={"local_preference": lp, "preferences": []})

    findings = check_symmetry(_retune(plan, prefer_south), inv)
    messages = [f.message for f in findings if f.code == "asymmetric-hub-path"]
    assert any(m.startswith("police-hq <-> crown-court in steady state: the way there "
                            "crosses dcs-r1, the way back dcn-r1") for m in messages)


def test_a_hub_missing_an_underlay_is_found_by_validate_style_planning(tmp_path: Path) -> None:
    inv_dir = tmp_path / "lab"
    shutil.copytree(ROOT / "inventories" / "lab", inv_dir)
    (inv_dir / "allocations.yaml").unlink()
    north = inv_dir / "sites" / "dc-north.yaml"
    north.write_text("\n".join(line for line in north.read_text().splitlines()
                               if "underlay: internet" not in line) + "\n")
    result = make_plan(load(inv_dir), paths=True)
    found = [f for f in result.findings if f.code == "asymmetric-hub-path"]
    assert found, [f.render() for f in result.findings]
    text = found[0].render()
    assert "the way there crosses dcn-r1 then dcs-r1, the way back dcs-r1" in text
    assert text.split(": warning: ")[0].endswith(":1:7")


def test_hub_order_puts_a_hub_sites_own_devices_first() -> None:
    order = HubOrder(("n1", "n2", "s1", "s2"), {"north": ("n1", "n2"), "south": ("s1", "s2")})
    assert order.towards(None) == ("n1", "n2", "s1", "s2")
    assert order.towards("south") == ("s1", "s2", "n1", "n2")
    default, rules = order.spoke_end("s2", 200)
    assert default == 196  # transit: 200 - 1 - position 3
    # a hub site's own prefixes: 199 - (position towards that site * 4 + underlay rank)
    assert [(r.match, r.local_preference) for r in rules] == [("site-north", 187),
                                                              ("site-south", 195)]
    # n1 towards north: 199, the catch-all's own value: no rule
    assert [(r.match, r.local_preference) for r in order.spoke_end("n1", 200)[1]] == [
        ("site-south", 191)]
    assert order.spoke_end("s2", 200)[1] is rules  # shared by every such end


def test_a_hub_sites_prefixes_rank_its_device_before_the_underlay() -> None:
    """dc-south's LAN leaves through s1 whatever its links: a spoke enters through s1
    over its backup underlay rather than through s2 over the primary one."""
    order = HubOrder(("n1", "n2", "s1", "s2"), {"north": ("n1", "n2"), "south": ("s1", "s2")})
    south = {dev: {band: {r.match: r.local_preference
                              for r in order.spoke_end(dev, band)[1]}["site-south"]
                   for band in (200, 150, 100, 50)} for dev in ("s1", "s2", "n1")}
    assert min(south["s1"].values()) > max(south["s2"].values()) > max(south["n1"].values())
    assert south["s1"][200] > south["s1"][150]  # then the underlay


def test_ha_members_are_preferred_in_name_order_by_every_other_end() -> None:
    plan = make_plan(inventory([site(1, devices=2), site(2, devices=2), site(3)],
                               hubs=["s1", "s2"])).plan
    assert plan is not None
    for t in plan.tunnels:
        for local, remote in ((t.a, t.b), (t.b, t.a)):
            if local.preferences or (remote.site in ("s1", "s2") and local.site == "s3"):
                continue
            rank = 0 if remote.device.endswith("-r1") else 1
            assert local.local_preference == t.local_preference - rank


def test_too_many_hub_devices_is_an_error_at_the_hubs() -> None:
    hubs = [site(i, devices=1) for i in range(1, MAX_HUB_DEVICES + 3)]
    result = make_plan(inventory(hubs, hubs=[s["name"] for s in hubs],
                                 loopbacks="100.65.0.0/20"))
    assert result.plan is None
    assert [f.code for f in result.findings] == ["too-many-hub-devices"]
