"""The segmentation policy on linux_strongswan (templates/linux_strongswan/_policy_nft.j2):
nftables rules inside netorch's own table in interfaces.sh, the same names in both
dataplanes with the tunnel interfaces each creates, sources bound to where they enter
(each tunnel to what its end accepts, the LAN to the site's own prefixes), traffic to
the device over a tunnel filtered, and FRR's empty prefix-list that matches no route. No
root needed: these read the rendered text (the real `nft -c` and `vtysh --dryrun` checks
are in tests/realparsers/test_nft_policy.py, the enforcement in test_nft_policy_netns)."""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

import pytest

from netorch import api
from netorch.inventory import load
from netorch.lab.pipeline import lab_inventory
from netorch.lab.spec import build_spec
from netorch.plan.model import AddressGroup, FabricPlan, PrefixEntry, PrefixSet
from netorch.render import Renderer, RenderOptions
from netorch.render.context import DeviceContext, device_contexts
from netorch.render.engine import platform_variables

ROOT = Path(__file__).resolve().parents[2]
EASTERN = ROOT / "inventories" / "eastern-region"
CNSA = ROOT / "tests" / "fixtures" / "cnsa-regional.yaml"
FLAT = ROOT / "tests" / "fixtures" / "psk-mesh.yaml"
PLATFORM = "linux_strongswan"
HEREDOC = re.compile(r"^nft -f - <<'NFT'\n(.*?)^NFT$", re.S | re.M)


@cache
def _plan(inventory: Path) -> FabricPlan:
    return api.plan(api.load(inventory))


@cache
def _lab_plan(inventory: Path) -> FabricPlan:
    """The plan the lab runs: every device linux_strongswan (hubs with hub-hub tunnels,
    a mesh pair accepting fabric-none)."""
    loaded = load(inventory)
    return api.plan(lab_inventory(loaded, build_spec(loaded, "t-linux-policy")))


@cache
def _lab_rendered(inventory: Path) -> dict[str, dict[str, str]]:
    return api.render(_lab_plan(inventory), redact=True,
                      options=RenderOptions(dataplane="lab"))


@cache
def _rendered(inventory: Path, dataplane: str) -> dict[str, dict[str, str]]:
    plan = _plan(inventory)
    devices = {d.name for d in plan.devices if d.platform == PLATFORM}
    return api.render(plan, redact=True, options=RenderOptions(dataplane=dataplane),
                      devices=devices)


def nft_rules(interfaces_sh: str) -> str:
    """The nftables ruleset interfaces.sh loads (its `nft -f -` heredoc)."""
    found = HEREDOC.search(interfaces_sh)
    assert found is not None, "no nft heredoc in interfaces.sh"
    return found[1]


def _set_elements(rules: str, name: str) -> list[str] | None:
    found = re.search(rf"^  set {re.escape(name)} {{\n(.*?)^  }}", rules, re.S | re.M)
    assert found is not None, f"no set {name}"
    elements = re.search(r"elements = \{ (.*) \}", found[1])
    return None if elements is None else [e.strip().strip('"') for e in elements[1].split(",")]


def _chain(rules: str, name: str) -> list[str]:
    found = re.search(rf"^  chain {re.escape(name)} {{\n(.*?)\n  }}$", rules, re.S | re.M)
    assert found is not None, f"no chain {name}"
    return found[1].split("\n")


def _render(ctx: DeviceContext) -> dict[str, str]:
    return Renderer(RenderOptions(dataplane=str(ctx.options["dataplane"]))).render_device(ctx)


def _context(inventory: Path, device: str, dataplane: str = "kernel") -> DeviceContext:
    plan = _plan(inventory)
    options = RenderOptions(dataplane=dataplane).variables()
    options.update(platform_variables(plan, options))
    return next(device_contexts(plan, None, redact=True, options=options, devices={device}))


CASES = [(inv, dataplane, device) for inv in (EASTERN, CNSA) for dataplane in ("kernel", "lab")
         for device in sorted(d.name for d in _plan(inv).devices if d.platform == PLATFORM)]


def test_flat_fabric_renders_the_mss_clamp_alone() -> None:
    for dataplane in ("kernel", "lab"):
        for files in _rendered(FLAT, dataplane).values():
            rules = nft_rules(files["interfaces.sh"])
            assert "policy-" not in rules and "  set " not in rules
            assert rules.count("chain ") == 1 and "maxseg size set rt mtu" in rules


@pytest.mark.parametrize(("inventory", "dataplane", "device"), CASES,
                         ids=[f"{i.stem}-{p}-{d}" for i, p, d in CASES])
def test_tunnel_set_names_the_interfaces_the_script_creates(
        inventory: Path, dataplane: str, device: str) -> None:
    """Production: the XFRM interfaces; lab: the VXLAN devices of _lab_tunnels.j2."""
    script = _rendered(inventory, dataplane)[device]["interfaces.sh"]
    created = re.findall(r"\|\| ip link add (\S+) type (xfrm|vxlan) ", script)
    assert created and {kind for _, kind in created} == {"xfrm" if dataplane == "kernel"
                                                          else "vxlan"}
    assert _set_elements(nft_rules(script), "policy-tunnels") == [n for n, _ in created]


@pytest.mark.parametrize(("inventory", "dataplane", "device"), CASES,
                         ids=[f"{i.stem}-{p}-{d}" for i, p, d in CASES])
def test_only_netorchs_table_and_the_forward_hook(inventory: Path, dataplane: str,
                                                 device: str) -> None:
    rules = nft_rules(_rendered(inventory, dataplane)[device]["interfaces.sh"])
    assert "flush" not in rules
    assert re.findall(r"^(?:delete )?table (.*?)(?: \{)?$", rules, re.M) == ["inet netorch"] * 3
    hooks = re.findall(r"type filter hook (\w+) priority (\w+);", rules)
    assert hooks == [("forward", "mangle"), ("forward", "filter"), ("input", "filter")]
    assert _chain(rules, "policy-forward")[1:] == [
        "    iifname vmap @policy-sources",
        "    iifname != @policy-tunnels oifname @policy-tunnels jump policy-from-lan",
        "    iifname @policy-tunnels jump policy-fabric",
        "    oifname @policy-tunnels jump policy-fabric"]
    assert _chain(rules, "policy-input")[1:] == [
        "    iifname @policy-tunnels jump policy-device"]


def _expected_lines(ctx: DeviceContext) -> list[str]:
    """What policy-fabric must accept: one line per (rule, service port)."""
    assert ctx.policy is not None
    services = {s.name: s for s in ctx.policy.services}
    lines = []
    for rule in ctx.policy.rules:
        for name in rule.services:
            for port in services[name].ports:
                l4 = {"icmp": " meta l4proto icmp", "any": ""}.get(port.protocol)
                if l4 is None:
                    ports = f"{port.first}" if port.last == port.first else \
                        f"{port.first}-{port.last}"
                    l4 = f" {port.protocol} dport {ports}"
                lines.append(f"    ip saddr @group-{rule.source} ip daddr "
                             f"@group-{rule.destination}{l4} counter accept comment "
                             f'"{rule.name} {name}"')
    return lines


@pytest.mark.parametrize(("inventory", "device"), [(EASTERN, "cam-hq-r1"), (CNSA, "hub-r1"),
                                                   (CNSA, "na-r1")])
def test_every_rule_and_service_port_is_one_accept(inventory: Path, device: str) -> None:
    ctx = _context(inventory, device)
    assert ctx.policy is not None and ctx.policy.rules
    rules = nft_rules(_rendered(inventory, "kernel")[device]["interfaces.sh"])
    lines = _chain(rules, "policy-fabric")
    assert lines[:2] == ["    ct state established,related accept", "    ct state invalid drop"]
    assert lines[2:-2] == _expected_lines(ctx)
    assert lines[-2].startswith("    limit rate ") and " log prefix " in lines[-2]
    assert lines[-1] == '    counter name "policy-drops" drop'
    for group in ctx.policy.groups:
        assert _set_elements(rules, f"group-{group.name}") == [str(p) for p in group.prefixes]


def test_hub_enforces_every_rule() -> None:
    plan = _plan(CNSA)
    assert plan.policy is not None
    rules = nft_rules(_rendered(CNSA, "kernel")["hub-r1"]["interfaces.sh"])
    named = set(re.findall(r'comment "(\S+) ', rules))
    assert named == {r.name for r in plan.policy.rules}


def test_descriptions_and_selectors_are_not_written() -> None:
    """Inventory text (rule descriptions, selectors) never reaches the shell script."""
    plan = _plan(EASTERN)
    assert plan.policy is not None
    text = "".join(f["interfaces.sh"] for f in _rendered(EASTERN, "kernel").values())
    for rule in plan.policy.rules:
        assert rule.description not in text
    for group in plan.policy.groups:
        assert group.selector not in text or group.selector == "any"


def test_an_empty_group_is_a_set_without_elements() -> None:
    ctx = _context(CNSA, "na-r1")
    assert ctx.policy is not None
    empty = [AddressGroup(name=g.name, selector=g.selector, sites=[], prefixes=[])
             if i == 0 else g for i, g in enumerate(ctx.policy.groups)]
    files = _render(dataclasses.replace(ctx, policy=dataclasses.replace(ctx.policy,
                                                                        groups=empty)))
    rules = nft_rules(files["interfaces.sh"])
    assert _set_elements(rules, f"group-{empty[0].name}") is None
    assert f"@group-{empty[0].name} " in rules  # the rule stays; it can match nothing


def test_a_device_without_rules_drops_everything_that_crosses() -> None:
    ctx = _context(CNSA, "na-r1")
    assert ctx.policy is not None
    bare = dataclasses.replace(ctx.policy, rules=[], groups=[], services=[])
    rules = nft_rules(_render(dataclasses.replace(ctx, policy=bare))["interfaces.sh"])
    assert "counter accept comment" not in rules
    assert 'counter name "policy-drops" drop' in rules
    assert 'counter name "policy-input-drops" drop' in rules


def test_empty_prefix_set_denies_every_route() -> None:
    ctx = _context(CNSA, "na-r1")
    none = PrefixSet(name="fabric-none", description="no route", entries=[])
    frr = _render(dataclasses.replace(ctx, prefix_sets=[*ctx.prefix_sets, none]))["frr.conf"]
    lines = [ln for ln in frr.splitlines() if ln.startswith("ip prefix-list fabric-none ")]
    assert lines == ["ip prefix-list fabric-none description no route",
                     "ip prefix-list fabric-none seq 5 deny 0.0.0.0/0 le 32"]
    assert "deny" not in frr.replace(lines[1], "")  # sets with entries: permits only


def _map(rules: str) -> dict[str, str]:
    """policy-sources: tunnel interface -> the chain it jumps to."""
    found = re.search(r"^  map policy-sources \{\n    type ifname : verdict\n"
                      r"    elements = \{ (.*) \}\n  \}$", rules, re.M)
    assert found is not None, "no map policy-sources"
    pairs = (e.split(" : jump ") for e in found[1].split(", "))
    return {name.strip('"'): chain for name, chain in pairs}


def _prefixes(entries: list[PrefixEntry]) -> list[str]:
    """What a source set is written with: each entry's whole prefix (`le` or not), in the
    plan's order; nft's auto-merge collapses them (tests/realparsers/test_nft_policy.py)."""
    return [str(e.prefix) for e in entries]


def _address_set(rules: str, name: str) -> list[str]:
    found = re.search(rf"^  set {re.escape(name)} {{\n(.*?)^  }}", rules, re.S | re.M)
    assert found is not None, f"no set {name}"
    return found[1].splitlines()[:3]


LAB_CASES = [(inv, d.name) for inv in (EASTERN, CNSA) for d in _lab_plan(inv).devices]


@pytest.mark.parametrize(("inventory", "device"), LAB_CASES,
                         ids=[f"{i.stem}-{d}" for i, d in LAB_CASES])
def test_each_tunnel_takes_only_the_sources_its_end_accepts(inventory: Path,
                                                            device: str) -> None:
    """Every tunnel interface jumps to the chain of the prefix set its end accepts (a
    backup underlay to the same peer to the same one; hub peers: fabric-all); that
    chain lets through the set's sources and the fabric's tunnel-address ICMP errors of
    tracked flows, and drops (counted) everything else."""
    plan = _lab_plan(inventory)
    sets = {s.name: s for s in plan.prefix_sets}
    ends = [(t, e) for t in plan.tunnels_of(device) for e in t.ends() if e.device == device]
    rules = nft_rules(_lab_rendered(inventory)[device]["interfaces.sh"])
    assert _map(rules) == {f"vx{t.index}": f"policy-from-{e.accepts}" for t, e in ends}
    for name in {e.accepts for _, e in ends}:
        expected = _prefixes(sets[name].entries)
        assert _set_elements(rules, f"src-{name}") == (expected or None), name
        assert _address_set(rules, f"src-{name}") == [
            "    type ipv4_addr", "    flags interval", "    auto-merge"]
        assert _chain(rules, f"policy-from-{name}") == [
            f"    ip saddr @src-{name} return",
            f"    ip saddr {plan.fabric.tunnel_pool} ct state related meta l4proto icmp "
            "return",
            '    limit rate 10/second burst 20 packets log prefix "netorch spoofed: " '
            "level info",
            '    counter name "policy-spoofed-fabric" drop']
    hub_peers = {e.accepts for t, e in ends if t.kind == "hub-hub"}
    assert hub_peers <= {"fabric-all"}


def test_fabric_none_and_hub_peers_are_covered() -> None:
    """The cases the anti-spoofing must get right are in the lab views above."""
    accepts = {(t.kind, e.accepts) for inv in (EASTERN, CNSA)
               for t in _lab_plan(inv).tunnels for e in t.ends()}
    assert ("hub-hub", "fabric-all") in accepts and ("mesh", "fabric-none") in accepts
    rules = nft_rules(_lab_rendered(CNSA)["sa-r1"]["interfaces.sh"])
    assert _set_elements(rules, "src-fabric-none") is None  # nothing from that peer


@pytest.mark.parametrize(("inventory", "device"), LAB_CASES,
                         ids=[f"{i.stem}-{d}" for i, d in LAB_CASES])
def test_the_lan_may_send_only_the_sites_own_sources(inventory: Path, device: str) -> None:
    """policy-site: the plan's site set (LANs and the site's loopbacks); a hub, whose
    context lacks that set, its LANs and its own loopback."""
    plan = _lab_plan(inventory)
    me = plan.device(device)
    site = next(s for s in plan.sites if s.name == me.site)
    rules = nft_rules(_lab_rendered(inventory)[device]["interfaces.sh"])
    if me.hub:
        expected = [str(p) for p in sorted([*site.lan, me.loopback.network])]
    else:
        own = next(s for s in plan.prefix_sets if s.name == f"site-{site.name}")
        expected = _prefixes(own.entries)
    assert _set_elements(rules, "policy-site") == expected
    assert _chain(rules, "policy-from-lan") == [
        "    ip saddr @policy-site return",
        '    limit rate 10/second burst 20 packets log prefix "netorch spoofed: " level info',
        '    counter name "policy-spoofed-lan" drop']


def test_le_entries_are_their_whole_prefix() -> None:
    """A `le` entry (routes up to /le inside it) is every address of its prefix; a nested
    entry is written too, for nft's auto-merge (the real load: test_nft_policy.py)."""
    ctx = _context(CNSA, "na-r1")
    nested = PrefixSet(name="fabric-reach-2", description="x", entries=[
        PrefixEntry(prefix="10.0.0.0/8", le=32), PrefixEntry(prefix="10.1.0.0/16"),
        PrefixEntry(prefix="10.3.0.0/16", le=24), PrefixEntry(prefix="100.65.0.1/32")])
    sets = [nested if s.name == nested.name else s for s in ctx.prefix_sets]
    rules = nft_rules(_render(dataclasses.replace(ctx, prefix_sets=sets))["interfaces.sh"])
    assert _set_elements(rules, "src-fabric-reach-2") == [
        "10.0.0.0/8", "10.1.0.0/16", "10.3.0.0/16", "100.65.0.1/32"]


@pytest.mark.parametrize(("inventory", "device"), LAB_CASES,
                         ids=[f"{i.stem}-{d}" for i, d in LAB_CASES])
def test_the_device_itself_takes_bgp_bfd_icmp_and_its_sites_rules(inventory: Path,
                                                                  device: str) -> None:
    plan = _lab_plan(inventory)
    assert plan.policy is not None
    rules = nft_rules(_lab_rendered(inventory)[device]["interfaces.sh"])
    lines = _chain(rules, "policy-device")
    assert lines[:6] == [
        "    ct state established,related accept",
        '    tcp dport 179 accept comment "bgp"',
        '    tcp sport 179 accept comment "bgp"',
        '    udp dport { 3784, 3785, 4784 } accept comment "bfd"',
        '    meta l4proto icmp accept comment "icmp"',
        "    iifname vmap @policy-sources"]
    assert lines[-1] == '    counter name "policy-input-drops" drop'
    groups = {g.name: g for g in plan.policy.groups}
    site = plan.device(device).site
    mine = {r.name for r in plan.policy.rules if site in groups[r.destination].sites}
    named = {m.split()[0] for m in re.findall(r'counter accept comment "(.*)"',
                                              "\n".join(lines))}
    assert named == mine
    assert not any(re.search(r"\b(500|4500|22)\b", line) and "accept" in line
                   and "comment \"rule" not in line for line in lines)  # no IKE, no SSH
