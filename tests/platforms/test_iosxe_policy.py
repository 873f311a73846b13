"""IOS-XE rendering of the segmentation policy (issue 17) beyond the goldens: the empty
prefix set that must match no route, a rule over an empty group left out, names cut to
IOS's 64 characters with their hash kept, and a flat fabric with no firewall at all."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from pathlib import Path

from netorch import api
from netorch.plan.model import AddressGroup, FlowRule
from netorch.render import Renderer
from netorch.render.context import DeviceContext, DevicePolicy, device_contexts

ROOT = Path(__file__).resolve().parents[2]
CNSA = ROOT / "tests" / "fixtures" / "cnsa-regional.yaml"


def _as_ios(tmp: Path) -> Path:
    """cnsa-regional with south-a (whose mesh peer south-b shares no flow with it) on
    IOS-XE: its tunnel to south-b accepts and advertises the empty set."""
    text = CNSA.read_text().replace("        platform: juniper_junos\n",
                                    "        platform: cisco_iosxe\n")
    text = text.replace("ge-0/0/1.0", "GigabitEthernet0/0/1").replace(
        "ge-0/0/0.0", "GigabitEthernet0/0/0")
    path = tmp / "cnsa-ios.yaml"
    path.write_text(text)
    api.allocate(api.load(path), create=True)
    return path


def _context(path: Path, device: str) -> DeviceContext:
    plan = api.plan(api.load(path))
    return next(iter(device_contexts(plan, None, redact=True, options={}, devices={device})))


def _config(ctx: DeviceContext) -> str:
    return Renderer().render_device(ctx)["config.ios"]


def test_the_empty_prefix_set_denies_every_route(tmp_path: Path) -> None:
    ctx = _context(_as_ios(tmp_path), "sa-r1")
    (empty,) = [s for s in ctx.prefix_sets if not s.entries]
    text = _config(ctx)
    head = f"ip prefix-list netorch-{empty.name} "
    lines = [ln for ln in text.splitlines() if ln.startswith(head)]
    assert lines[1:] == [f"{head}seq 5 deny 0.0.0.0/0 le 32"]
    assert f" match ip address prefix-list netorch-{empty.name}" in text


def test_a_rule_over_an_empty_group_is_left_out() -> None:
    ctx = _context(CNSA, "nb-r1")
    assert ctx.policy is not None
    nobody = AddressGroup.build(name="site-gone", selector="site:gone", sites=[], prefixes=[])
    rule = FlowRule.build(name="rule-9", origin="rules[8]", description="to nobody",
                          source=ctx.policy.rules[0].source, destination="site-gone",
                          services=["https"])
    policy = dataclasses.replace(ctx.policy, rules=[*ctx.policy.rules, rule],
                                 groups=[*ctx.policy.groups, nobody])
    text = _config(dataclasses.replace(ctx, policy=policy))
    assert text == _config(ctx)


def test_names_longer_than_ios_takes_are_cut_and_stay_apart() -> None:
    """Object-groups take 64 characters, class-maps (and their ACLs) 40: a longer name
    keeps its start and ends in a hash of the whole name, so names alike up to the cut
    stay two."""
    ctx = _context(CNSA, "nb-r1")
    assert ctx.policy is not None
    first, second = ("others-org-" + "a" * 50 + end for end in ("-x", "-y"))
    renamed = {ctx.policy.groups[0].name: first, ctx.policy.groups[1].name: second}
    groups = [g.model_copy(update={"name": renamed.get(g.name, g.name)})
              for g in ctx.policy.groups]
    rules = [r.model_copy(update={"name": f"same-org-{'b' * 40}-{i}",
                                  "source": renamed.get(r.source, r.source),
                                  "destination": renamed.get(r.destination, r.destination)})
             for i, r in enumerate(ctx.policy.rules)]
    policy = dataclasses.replace(ctx.policy, groups=groups, rules=rules)
    text = _config(dataclasses.replace(ctx, policy=policy))
    groups_shown = set(re.findall(r"^object-group network (\S+)", text, re.M))
    fixed = {"netorch-bfd-echo", "netorch-fabric-control"}
    classes = [c for c in re.findall(r"^class-map type inspect match-any (\S+)", text, re.M)
               if c not in fixed]
    acls = [a for a in re.findall(r"^ip access-list extended (\S+)", text, re.M)
            if a not in fixed]
    assert max(len(n) for n in groups_shown) == 64 and max(len(n) for n in classes) == 40
    assert len({n for n in groups_shown if n.startswith("netorch-others-org-aaa")}) == 2
    assert len(set(classes)) == len(rules) and acls == classes
    assert all(f"match access-group name {c}" in text for c in classes)
    assert text == _config(dataclasses.replace(ctx, policy=policy))  # the same every time


def test_descriptions_are_cut_to_200_characters() -> None:
    ctx = _context(CNSA, "nb-r1")
    assert ctx.policy is not None
    words = "Case files between agencies " * 10
    rules = [r.model_copy(update={"description": words}) for r in ctx.policy.rules]
    text = _config(dataclasses.replace(ctx, policy=dataclasses.replace(ctx.policy,
                                                                        rules=rules)))
    descriptions = [ln for ln in text.splitlines() if ln.startswith(" description netorch: Case")]
    assert descriptions and all(len(d) - len(" description ") <= 200 for d in descriptions)
    assert all(not d.endswith(" ") for d in descriptions)


def test_a_flat_fabric_renders_no_firewall() -> None:
    plan = api.plan(api.load(ROOT / "tests" / "fixtures" / "psk-mesh.yaml"))
    ios = [d.name for d in plan.devices if d.platform == "cisco_iosxe"]
    for files in api.render(plan, redact=True, devices=set(ios)).values():
        text = files["config.ios"]
        assert "zone" not in text and "inspect" not in text and "object-group" not in text


def test_every_group_prefix_is_an_object_group_entry() -> None:
    ctx = _context(CNSA, "nb-r1")
    assert isinstance(ctx.policy, DevicePolicy)
    text = _config(ctx)
    for group in ctx.policy.groups:
        body = text.split(f"object-group network netorch-{group.name}\n")[1].split("!\n")[0]
        entries = {ipaddress.ip_network(ln.split()[1] if ln.startswith(" host ") else
                                        "/".join(ln.split()))
                   for ln in body.splitlines()[1:]}
        assert entries == set(group.prefixes), group.name


def test_the_router_itself_is_reached_only_from_the_fabric_zone_pair() -> None:
    """The self zone allows everything until a zone-pair names it (Cisco 98628): the one
    netorch adds is fabric -> self; what the router sends (self -> anything) and what
    reaches it from the default zone (IKE and ESP on the underlay, management) keep no
    zone-pair, as before."""
    text = _config(_context(CNSA, "nb-r1"))
    pairs = re.findall(r"^zone-pair security \S+ source (\S+) destination (\S+)$", text, re.M)
    assert [p for p in pairs if "self" in p] == [("netorch-fabric", "self")]
    control = text.split("ip access-list extended netorch-fabric-control\n")[1].split("!")[0]
    assert " permit tcp host 100.64.0.4 host 100.64.0.5 eq 179\n" in control  # peer opens
    assert " permit tcp host 100.64.0.4 eq 179 host 100.64.0.5\n" in control  # its replies
    assert all(" any" not in line for line in control.splitlines())
