"""Routing under the policy (netorch/plan/routing.py reach_sets, plan/build.py _filters
and _preferences): a spoke learns exactly the prefixes of the sites it may exchange
flows with, worked out here independently from the inventory; sites alike share one
set; direct peers with no flow exchange no routes; the hub paths stay symmetric; and
without a policy the plan is byte for byte what it was before policies existed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from netorch import api
from netorch.inventory import load
from netorch.inventory.model import Inventory
from netorch.output.plan import plan_json
from netorch.plan import make_plan, routing
from netorch.plan.model import FabricPlan, PrefixSet, TunnelEnd
from tests.plan.factory import inventory
from tests.plan.test_policy_compile import SIX, plan_of, rule, sites, with_policy

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inventories" / "eastern-region"
CNSA = REPO / "tests" / "fixtures" / "cnsa-regional.yaml"
PSK = REPO / "tests" / "fixtures" / "psk-mesh.yaml"


# --- an independent oracle: who may exchange flows with whom ------------------------------

def _picks(inv: Inventory, text: str) -> set[str]:
    if text == "any":
        return {s.name for s in inv.sites}
    kind, _, name = text.partition(":")
    field = {"zone": "zone", "org": "organisation", "site": "name"}[kind]
    return {s.name for s in inv.sites if getattr(s, field) == name}


def _pairs(inv: Inventory) -> list[tuple[set[str], set[str]]]:
    """(from, to) of every allow the policy makes, its defaults included."""
    policy = inv.fabric.policy
    assert policy is not None
    every = {s.name for s in inv.sites}
    orgs: dict[str, set[str]] = {}
    for s in inv.sites:
        orgs.setdefault(s.organisation, set()).add(s.name)
    out = [(_picks(inv, r.source), _picks(inv, r.to)) for r in policy.rules]
    if policy.same_organisation == "allow":
        out += [(members, members) for members in orgs.values() if len(members) > 1]
    if policy.default == "allow":
        out += [(every, every)] if policy.same_organisation == "allow" else [
            (members, every - members) for members in orgs.values()]
    return out


def partners(inv: Inventory) -> dict[str, set[str]]:
    """Each site's flow partners: the other side of every allow it is on."""
    out: dict[str, set[str]] = {s.name: set() for s in inv.sites}
    for source, to in _pairs(inv):
        for name in source:
            out[name] |= to
        for name in to:
            out[name] |= source
    return out


def _entries(prefix_set: PrefixSet) -> set[tuple[str, int | None]]:
    return {(str(e.prefix), e.le) for e in prefix_set.entries}


def _ends(plan: FabricPlan) -> list[tuple[TunnelEnd, TunnelEnd]]:
    """Every (end, the end facing it)."""
    return [pair for t in plan.tunnels for pair in ((t.a, t.b), (t.b, t.a))]


def assert_routes_follow_the_policy(inv: Inventory, plan: FabricPlan) -> None:
    sets = {s.name: s for s in plan.prefix_sets}
    related = partners(inv)
    hubs = {s.name for s in plan.sites if s.hub}
    every = {s.name for s in inv.sites}
    for end, peer in _ends(plan):
        assert end.accepts in sets and end.advertises in sets, (end.device, peer.device)
        assert end.accepts == peer.advertises, (end.device, peer.device)
        spoke, other = end.site not in hubs, peer.site not in hubs
        if spoke and not other:  # a spoke facing a hub: exactly its partners' prefixes
            mine = related[end.site]
            if mine == every:
                assert end.accepts == routing.FABRIC_SET, end.site
            elif not mine:
                assert end.accepts == routing.NO_ROUTES, end.site
            else:
                wanted = set().union(*(_entries(sets[routing.site_set(p)]) for p in mine))
                assert _entries(sets[end.accepts]) == wanted, end.site
            allowed = {routing.site_set(p) for p in mine}
            assert all(p.match in allowed for p in end.preferences), end.device
        elif spoke and other:  # direct peers: the peer's own set, or nothing
            wanted = (routing.site_set(peer.site) if peer.site in related[end.site]
                      else routing.NO_ROUTES)
            assert end.accepts == wanted, (end.device, peer.device)
    used = {n for end, _ in _ends(plan) for n in (end.accepts, end.advertises)}
    assert {s.name for s in plan.prefix_sets if not s.name.startswith("site-")} <= \
        used | {routing.FABRIC_SET}


def _hub_facing(plan: FabricPlan) -> dict[str, str]:
    """What each spoke accepts from its hubs (one set, whichever hub end)."""
    hubs = {s.name for s in plan.sites if s.hub}
    out: dict[str, set[str]] = {}
    for end, peer in _ends(plan):
        if end.site not in hubs and peer.site in hubs:
            out.setdefault(end.site, set()).add(end.accepts)
    assert all(len(v) == 1 for v in out.values()), out
    return {site: next(iter(v)) for site, v in out.items()}


# --- a spoke learns its partners ---------------------------------------------------------

def test_a_spoke_learns_exactly_its_partners_prefixes() -> None:
    inv = with_policy(inventory(SIX), rule("zone:police", "zone:cps", "https"),
                      rule("site:s6", "site:s4", "ssh"), same_organisation="deny")
    plan = plan_of(inv)
    assert_routes_follow_the_policy(inv, plan)
    accepted = _hub_facing(plan)
    sets = {s.name: s for s in plan.prefix_sets}
    lans = {s.name: {str(n) for n in s.lan} for s in plan.sites}
    learnt = {site: {str(e.prefix) for e in sets[name].entries}
              for site, name in accepted.items()}
    assert learnt["s6"] & set().union(*lans.values()) == lans["s4"]
    assert learnt["s4"] & set().union(*lans.values()) == lans["s5"] | lans["s6"]
    assert learnt["s5"] & set().union(*lans.values()) == lans["s2"] | lans["s3"] | lans["s4"]
    assert accepted["s2"] == accepted["s3"]  # same partners (s5): one set
    assert accepted["s2"] != accepted["s4"]


def test_sites_with_the_same_partners_share_one_set() -> None:
    inv = with_policy(inventory(SIX), rule("zone:police", "zone:cps", "https"),
                      same_organisation="deny")
    plan = plan_of(inv)
    accepted = _hub_facing(plan)
    assert accepted["s2"] == accepted["s3"] == accepted["s4"]
    assert accepted["s6"] == routing.NO_ROUTES  # the court is in no rule: learns nothing
    names = [s.name for s in plan.prefix_sets]
    assert len(names) == len(set(names))
    reach = [n for n in names if n not in (routing.FABRIC_SET, routing.NO_ROUTES)
             and not n.startswith("site-")]
    assert reach == sorted({accepted["s2"], accepted["s5"]})
    [none] = [s for s in plan.prefix_sets if s.name == routing.NO_ROUTES]
    assert none.entries == []


def test_a_site_that_reaches_every_site_takes_the_fabric_set() -> None:
    inv = with_policy(inventory(SIX), rule("site:s5", "any", "https"), rule("any", "site:s5"),
                      same_organisation="deny")
    plan = plan_of(inv)
    assert_routes_follow_the_policy(inv, plan)
    assert _hub_facing(plan)["s5"] == routing.FABRIC_SET


@pytest.mark.parametrize("settings", [{}, {"default": "allow"},
                                      {"default": "allow", "same_organisation": "deny"},
                                      {"same_organisation": "deny"}])
def test_defaults_route_like_the_rules_they_make(settings: dict[str, str]) -> None:
    inv = with_policy(inventory(SIX), rule("zone:cps", "zone:courts", "https"), **settings)
    assert_routes_follow_the_policy(inv, plan_of(inv))


# --- direct peers (regional, full mesh) -------------------------------------------------

def _regional(*rules: dict[str, Any], **settings: str) -> Inventory:
    west = sites((1, "Data centre", "dc"), (2, "Essex Police", "police"),
                 (3, "Crown Prosecution Service", "cps"), region="west")
    east = sites((4, "Norfolk", "police"), (5, "HMCTS", "courts"), (6, "Probation", "probation"),
                 region="east")
    return with_policy(inventory([*west, *east], kind="regional", hubs=["s1"]), *rules,
                       **settings)


def test_direct_peers_without_a_flow_exchange_no_routes() -> None:
    inv = _regional(rule("zone:police", "zone:cps", "https"), rule("site:s5", "site:s6"))
    plan = plan_of(inv)
    assert_routes_follow_the_policy(inv, plan)
    direct = {(e.site, p.site): e.accepts for e, p in _ends(plan) if "s1" not in (e.site, p.site)}
    assert direct[("s2", "s3")] == "site-s3" and direct[("s3", "s2")] == "site-s2"
    assert direct[("s5", "s6")] == "site-s6" and direct[("s6", "s5")] == "site-s5"
    assert direct[("s4", "s5")] == direct[("s5", "s4")] == routing.NO_ROUTES
    assert direct[("s4", "s6")] == routing.NO_ROUTES


def test_a_full_mesh_routes_only_between_partners() -> None:
    base = inventory(SIX, kind="full-mesh")
    inv = with_policy(base, rule("zone:police", "zone:cps", "https"))
    plan = plan_of(inv)
    assert_routes_follow_the_policy(inv, plan)
    accepts = {(e.site, p.site): e.accepts for e, p in _ends(plan)}
    assert accepts[("s2", "s3")] == "site-s3"  # same organisation
    assert accepts[("s2", "s6")] == routing.NO_ROUTES


def test_ends_between_hubs_and_between_partners_are_as_without_a_policy() -> None:
    base = inventory(sites((1, "Data centre", "dc"), (2, "Data centre", "dc"),
                           (3, "Essex Police", "police"), (4, "CPS", "cps")),
                     kind="regional", hubs=["s1", "s2"])
    flat = plan_of(base)
    inv = with_policy(base, rule("zone:police", "zone:cps", "https"), same_organisation="deny")
    plan = plan_of(inv)
    assert_routes_follow_the_policy(inv, plan)
    before = {t.id: t for t in flat.tunnels}
    for tunnel in plan.tunnels:
        if tunnel.kind == "hub-hub" or tunnel.kind == "mesh":
            assert tunnel == before[tunnel.id], tunnel.id


# --- the real inventories ----------------------------------------------------------------

@pytest.mark.parametrize("path", [EXAMPLE, CNSA])
def test_the_real_inventories_route_by_their_policy(path: Path) -> None:
    inv = load(path)
    result = make_plan(inv, api.saved_allocations(inv), paths=True)
    assert result.plan is not None
    assert [f.render() for f in result.findings] == []  # no hub-path asymmetry or tie
    assert_routes_follow_the_policy(inv, result.plan)


def test_the_fixtures_mesh_pair_without_flows_exchanges_no_routes() -> None:
    plan = plan_of(load(CNSA))
    ends = {(e.site, p.site): (e.accepts, e.advertises) for e, p in _ends(plan)}
    assert ends[("south-a", "south-b")] == (routing.NO_ROUTES, routing.NO_ROUTES)
    assert ends[("north-a", "north-b")] == ("site-north-b", "site-north-a")


def test_the_example_spokes_learn_no_other_force() -> None:
    """Police learn the CPS and the data centres, never another force or the courts."""
    inv = load(EXAMPLE)
    plan = plan_of(inv)
    sets = {s.name: s for s in plan.prefix_sets}
    zone = {s.name: s.zone for s in inv.sites}
    org = {s.name: s.organisation for s in inv.sites}
    own = {s.name: _entries(sets[routing.site_set(s.name)]) for s in inv.sites}
    for site, name in _hub_facing(plan).items():
        learnt = _entries(sets[name]) if name != routing.FABRIC_SET else set()
        seen = {other for other, entries in own.items() if entries <= learnt}
        if zone[site] == "police":
            assert {zone[s] for s in seen} <= {"police", "cps", "dc"}, site
            assert {org[s] for s in seen if zone[s] == "police"} <= {org[site]}, site


# --- without a policy: the plan of before, byte for byte ----------------------------------

# sha256 of `netorch plan -f json` before policies existed (schema 1.0, commit 7b900d5:
# its tests/plan/golden/eastern-region.json, and psk-mesh and the cnsa fixture, then
# without a policy, planned by that code): a flat plan must not move by one byte, but
# for the `policy` keys (null) and the schema version.
BEFORE = {
    EXAMPLE: "a6ff322e1bb71a6e6dc49472b220137cdc2c9b3d2e93df96576b7180db5622d5",
    PSK: "9b74a8d1efee3ccad110304966520f46ac6a3cba56ec4678bd80a85b0e8cadd3",
    CNSA: "d18acced591920e25d4f9c2fdc5fb4cf9ff310174895dea48e9320601be80bc3",
}


def _as_before(text: str) -> str:
    text = re.sub(r',\n\s*"policy": null', "", text)
    return text.replace('"schema_version": "1.1"', '"schema_version": "1.0"', 1)


@pytest.mark.parametrize("path", list(BEFORE), ids=lambda p: p.stem)
def test_without_a_policy_the_plan_is_the_plan_of_before(path: Path) -> None:
    inv = load(path)
    flat = inv.model_copy(update={"fabric": inv.fabric.model_copy(update={"policy": None})})
    result = api.plan_result(flat)
    assert result.plan is not None and result.plan.policy is None
    text = plan_json(result.plan)
    assert '"policy": {' not in text and "fabric-reach" not in text
    assert hashlib.sha256(_as_before(text).encode()).hexdigest() == BEFORE[path]
