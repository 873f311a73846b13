"""The segmentation policy against the sites: unknown zones, organisations and sites
(errors at the selector), rules that allow nothing new, any-to-any under `default: deny`
and rules that allow nothing (warnings), and the note of a fabric without a policy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from netorch import api
from netorch.checks import check
from netorch.checks.context import Context
from netorch.checks.policy import NEEDS_EVERY_SITE, Sites, flat, gathered
from netorch.cli import main
from netorch.findings import Location
from netorch.inventory import load
from netorch.plan import make_plan
from tests.checks.rulekit import build, codes, only, site

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inventories" / "eastern-region"
CNSA = REPO / "tests" / "fixtures" / "cnsa-regional.yaml"
PSK = REPO / "tests" / "fixtures" / "psk-mesh.yaml"


def _rule(source: str, to: str, *services: str) -> dict[str, Any]:
    return {"from": source, "to": to, "services": list(services) or ["any"]}


def _policy(*rules: dict[str, Any], **settings: str) -> Any:
    return lambda d: d["fabric"].__setitem__("policy", {**settings, "rules": list(rules)})


def _set(index: int, **fields: str) -> Any:
    return lambda d: d["sites"][index].update(fields)


def _fourth(d: dict[str, Any]) -> None:
    d["sites"].append(site("fourth", 4))


# Sites: hub (zone dc, org "Data centre"), spoke and third (zone police, org "Essex
# Police"), fourth (zone cps, org "Crown Prosecution Service").
ZONED = (_set(0, zone="dc", organisation="Data centre"),
         _set(1, organisation="Essex Police"), _set(2, organisation="Essex Police"),
         _fourth, _set(3, zone="cps", organisation="Crown Prosecution Service"))


def _policy_codes(*edits: Any) -> list[str]:
    return [c for c in codes(build(*ZONED, *edits)) if c.startswith("policy-")]


def _one(code: str, *edits: Any) -> str:
    [finding] = only(build(*ZONED, *edits), code)
    return finding.message


# --- unknown zones, organisations and sites ------------------------------------------

def test_known_selectors_are_clean() -> None:
    assert _policy_codes(_policy(_rule("zone:police", "zone:cps", "https"),
                                 _rule("org:Essex Police", "site:hub", "dns"),
                                 _rule("any", "org:Data centre", "ntp"))) == []


def test_an_unknown_zone_suggests_and_lists_the_zones() -> None:
    message = _one("policy-unknown-selector", _policy(_rule("zone:polise", "zone:cps")))
    assert message == ("rules[0] from: unknown zone 'polise': no site has it (did you mean "
                       "'zone:police'?); known zones: cps, dc, police")


def test_an_organisation_is_matched_exactly_and_suggested_whatever_its_case() -> None:
    message = _one("policy-unknown-selector",
                   _policy(_rule("zone:cps", "org:essex police", "https")))
    assert message.startswith("rules[0] to: unknown organisation 'essex police': no site has "
                              "it (did you mean 'org:Essex Police'?); known organisations: ")


def test_an_unknown_site_suggests_the_nearest_sites_but_lists_none() -> None:
    message = _one("policy-unknown-selector", _policy(_rule("site:thrid", "site:hub")))
    assert message == ("rules[0] from: unknown site 'thrid': no site has it "
                       "(did you mean 'site:third'?)")


def test_both_sides_of_every_rule_are_reported() -> None:
    found = only(build(*ZONED, _policy(_rule("zone:x", "site:y"), _rule("org:z", "any"))),
                 "policy-unknown-selector")
    assert [f.message.split(":")[0] for f in found] == ["rules[0] from", "rules[0] to",
                                                        "rules[1] from"]
    assert all(f.is_error for f in found)


def test_a_rule_with_an_unknown_side_is_not_judged_further() -> None:
    """Its selector picks nothing: no shadowing or 'allows nothing' echo of the error."""
    assert sorted(_policy_codes(_policy(_rule("any", "any"), _rule("site:nope", "site:hub")))) \
        == ["policy-any-to-any", "policy-unknown-selector"]


def _example(tmp_path: Path, old: str, new: str) -> tuple[Path, int, int]:
    """A copy of the example inventory with `old` replaced by `new` in fabric.yaml once;
    the fabric file, and the line and column where `new` starts."""
    inv = tmp_path / "inv"
    shutil.copytree(EXAMPLE, inv)
    fabric = inv / "fabric.yaml"
    text = fabric.read_text(encoding="utf-8")
    assert text.count(old) == 1
    text = text.replace(old, new)
    fabric.write_text(text, encoding="utf-8")
    before = text[:text.index(new)]
    return fabric, before.count("\n") + 1, len(before) - before.rfind("\n")


def test_an_unknown_zone_is_an_error_at_its_value(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fabric, line, column = _example(tmp_path, "to: zone:courts, services: [https, smb",
                                    "to: zone:court, services: [https, smb")
    assert main(["validate", str(fabric.parent)]) == 1
    out = capsys.readouterr().out
    assert (f"{fabric}:{line}:{column + 4}: error: rules[2] to: unknown zone 'court': no site "
            "has it (did you mean 'zone:courts'?); known zones: courts, cps, dc, police, "
            "probation") in out
    assert "Traceback" not in out


def test_a_refused_service_is_a_schema_error_at_its_value_with_the_others(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The vocabulary's errors are schema errors, each at its line, all in one run: two
    bad services, a selector of no known form and a bad default, beside a site's own
    schema error."""
    fabric, line, column = _example(tmp_path, "services: [https, smb, icmp], description: "
                                    "\"Case files", "services: [https, tcp/0, icmp], "
                                    "description: \"Case files")
    text = fabric.read_text(encoding="utf-8")
    text = (text.replace("services: [ssh, icmp]", "services: [ssh, telnet]")
            .replace("from: zone:courts, to: zone:probation", "from: court:x, to: zone:probation")
            .replace("default: deny", "default: block"))
    fabric.write_text(text, encoding="utf-8")
    site_file = fabric.parent / "sites" / "cps-east.yaml"
    site_file.write_text(site_file.read_text(encoding="utf-8").replace("id: ", "id: x", 1),
                         encoding="utf-8")
    assert main(["validate", str(fabric.parent)]) == 1
    out = capsys.readouterr().out
    lines = text.splitlines()

    def at(needle: str) -> str:
        row = next(i for i, t in enumerate(lines) if needle in t)
        return f"{fabric}:{row + 1}:{lines[row].index(needle) + 1}: error: "

    assert f"{fabric}:{line}:{column + len('services: [https, ')}: error: service " in out
    assert "tcp/0" in out and ": ports run from 1 to 65535" in out
    assert at("telnet") + "unknown service " in out
    assert at("court:x") in out and "court:x" in out and "is not a selector" in out
    assert at("block") in out
    assert f"{site_file}:" in out and "Traceback" not in out


def test_sites_left_out_by_validate_are_not_unknown(tmp_path: Path) -> None:
    """Both data-centre sites fail to load: zone dc is not unknown, only absent for now
    (as reachability and hubs are not judged while a site is left out)."""
    inv = tmp_path / "inv"
    shutil.copytree(EXAMPLE, inv)
    for name in ("dc-north", "dc-south"):
        path = inv / "sites" / f"{name}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("id: ", "id: x", 1),
                        encoding="utf-8")
    found = {f.code for f in api.validate(inv).findings}
    assert any(c.startswith("schema-") for c in found)
    assert not found & NEEDS_EVERY_SITE


# --- rules that allow nothing new ----------------------------------------------------

def test_the_issues_shadow_example() -> None:
    message = _one("policy-shadowed", _policy(_rule("zone:police", "any"),
                                              _rule("zone:cps", "zone:police", "https"),
                                              _rule("site:spoke", "site:hub", "https")))
    assert message == "rules[2] is already allowed by rules[0] (zone:police -> any: any)"


def test_a_shadowed_rule_names_the_wider_one_wherever_it_is() -> None:
    found = only(build(*ZONED, _policy(_rule("site:spoke", "zone:cps", "https"),
                                       _rule("zone:police", "zone:cps", "tcp/400-500"))),
                 "policy-shadowed")
    assert [f.message for f in found] == [
        "rules[0] is already allowed by rules[1] (zone:police -> zone:cps: tcp/400-500)"]
    assert found[0].is_warning


def test_of_two_rules_allowing_the_same_the_later_is_reported() -> None:
    """Same sites by other selectors, same ports by other names."""
    found = only(build(*ZONED, _policy(_rule("org:Essex Police", "site:fourth", "https"),
                                       _rule("zone:police", "zone:cps", "tcp/443"))),
                 "policy-shadowed")
    assert [f.message.split(" is")[0] for f in found] == ["rules[1]"]


@pytest.mark.parametrize(("wide", "narrow"), [
    (["udp/53"], ["dns"]),                     # dns is udp/53 and tcp/53
    (["tcp/1-442", "tcp/444-500"], ["https"]),  # a hole at 443
    (["icmp"], ["tcp/1"]),
    (["https"], ["any"]),
])
def test_services_not_covered_by_ports_do_not_shadow(wide: list[str],
                                                     narrow: list[str]) -> None:
    found = only(build(*ZONED, _policy(_rule("zone:police", "zone:cps", *wide),
                                       _rule("zone:police", "zone:cps", *narrow))),
                 "policy-shadowed")
    assert not [f for f in found if f.message.startswith("rules[1]")]


@pytest.mark.parametrize(("wide", "narrow"), [
    (["tcp/1-100", "tcp/101-65535"], ["https", "ssh", "tcp/8000-9000"]),
    (["dns"], ["tcp/53", "udp/53"]),
    (["any"], ["icmp", "rdp"]),
    (["icmp", "udp/1-1000"], ["icmp", "ntp"]),
])
def test_services_covered_by_ports_shadow(wide: list[str], narrow: list[str]) -> None:
    assert _policy_codes(_policy(_rule("zone:police", "zone:cps", *wide),
                                 _rule("zone:police", "zone:cps", *narrow))) \
        == ["policy-shadowed"]


def test_a_wider_side_is_not_shadowed() -> None:
    assert _policy_codes(_policy(_rule("zone:police", "zone:cps", "https"),
                                 _rule("any", "zone:cps", "https"),
                                 _rule("zone:police", "any", "https"))) == [
        "policy-shadowed"]  # only rules[0], by either


def test_rules_are_compared_by_the_flows_they_allow_not_their_selectors() -> None:
    """With fourth in zone dc, 'from zone:dc to site:fourth' allows only hub -> fourth
    (flows inside fourth do not cross the fabric): 'from hub to fourth' allows all of
    it; 'from zone:dc to zone:dc' allows fourth -> hub too."""
    found = only(build(*ZONED, _set(3, zone="dc"),
                       _policy(_rule("site:hub", "site:fourth", "https"),
                               _rule("zone:dc", "site:fourth", "https"),
                               _rule("zone:dc", "zone:dc", "https"))), "policy-shadowed")
    assert [f.message.split(" (")[0] for f in found] == [
        "rules[0] is already allowed by rules[2]", "rules[1] is already allowed by rules[0]"]


def test_a_rule_inside_one_organisation_is_shadowed_by_same_organisation_allow() -> None:
    rule = _rule("site:spoke", "site:third", "https")
    assert _one("policy-shadowed", _policy(rule)) == (
        "rules[0] is already allowed by 'same_organisation: allow' (every flow it allows "
        "is between sites of Essex Police)")
    assert _policy_codes(_policy(rule, same_organisation="deny")) == []
    assert _policy_codes(_policy(_rule("zone:police", "any"))) == []  # crosses too


def test_a_rule_between_organisations_is_shadowed_by_default_allow() -> None:
    assert _one("policy-shadowed", _policy(_rule("zone:police", "zone:cps"),
                                           default="allow", same_organisation="deny")) == (
        "rules[0] is already allowed by 'default: allow' (every flow it allows is between "
        "different organisations)")
    assert _policy_codes(_policy(_rule("zone:police", "zone:police"), default="allow",
                                 same_organisation="deny")) == []


def test_default_and_same_organisation_allow_shadow_every_rule() -> None:
    found = only(build(*ZONED, _policy(_rule("zone:police", "zone:police", "https"),
                                       _rule("site:hub", "site:fourth", "ssh"),
                                       default="allow")), "policy-shadowed")
    assert [f.message.split(" is")[0] for f in found] == ["rules[0]", "rules[1]"]
    assert "'default: allow' with 'same_organisation: allow'" in found[0].message


def test_the_shadowing_rule_is_the_related_place(tmp_path: Path) -> None:
    fabric, line, _ = _example(
        tmp_path, '      - {from: zone:dc, to: any, services: [ssh, icmp], description: '
        '"National operations centre management"}\n',
        '      - {from: zone:dc, to: any, services: [ssh, icmp], description: '
        '"National operations centre management"}\n'
        '      - {from: site:dc-north, to: zone:police, services: [ssh]}\n')
    [finding] = [f for f in api.validate(fabric.parent).findings if f.code == "policy-shadowed"]
    assert finding.message == ("rules[8] is already allowed by rules[7] (zone:dc -> any: ssh, "
                               "icmp)")
    assert (finding.location.file, finding.location.line) == (fabric.as_posix(), line + 1)
    assert [r.line for r in finding.related] == [line]


# --- any to any, and rules that allow nothing ------------------------------------------

def test_any_to_any_under_default_deny_is_a_warning() -> None:
    [finding] = only(build(*ZONED, _policy(_rule("any", "any", "icmp", "dns"))),
                     "policy-any-to-any")
    assert finding.is_warning
    assert finding.message.startswith("rules[0] lets every site open icmp, dns flows to "
                                      "every other site: under 'default: deny' it makes the "
                                      "fabric flat for these services")


def test_selectors_that_pick_every_site_are_any_to_any_too() -> None:
    every = (_set(i, zone="police") for i in range(4))
    assert "policy-any-to-any" in codes(build(*ZONED, *every,
                                              _policy(_rule("zone:police", "any", "https"))))


def test_any_to_any_under_default_allow_is_left_to_the_default() -> None:
    assert "policy-any-to-any" not in _policy_codes(
        _policy(_rule("any", "any", "https"), default="allow", same_organisation="deny"))


def test_a_rule_from_a_site_to_itself_allows_nothing() -> None:
    [finding] = only(build(*ZONED, _policy(_rule("site:hub", "zone:dc", "https"))),
                     "policy-allows-nothing")
    assert finding.is_warning
    assert finding.message == ("rules[0] allows nothing: 'from' and 'to' both pick only site "
                               "hub, and flows inside a site do not cross the fabric")
    assert _policy_codes(_policy(_rule("site:hub", "zone:dc", "https"))) == [
        "policy-allows-nothing"]  # not also 'shadowed' by every other rule


# --- the flat fabric, and the real inventories -----------------------------------------

def test_a_fabric_without_policy_gets_the_flat_note() -> None:
    at = Location("fabric.yaml", 3, 1)
    [finding] = flat(build(), at)
    assert (finding.code, finding.is_note, finding.location) == ("policy-flat", True, at)
    assert "it is flat, every site reaches every other site" in finding.message
    assert flat(build(*ZONED, _policy(_rule("any", "zone:dc"))), at) == []
    assert "policy-flat" not in codes(build())  # validate's note, not a check's


def test_validate_notes_a_flat_fabric_once_it_has_no_errors() -> None:
    notes = [f for f in api.validate(PSK).findings if f.code == "policy-flat"]
    assert [(f.location.line, f.is_note) for f in notes] == [(3, True)]


@pytest.mark.parametrize("path", [EXAMPLE, CNSA])
def test_the_real_policies_are_clean(path: Path) -> None:
    assert [f.render() for f in check(load(path)) if f.code.startswith("policy-")] == []


@pytest.mark.parametrize("path", [EXAMPLE, CNSA])
def test_the_check_picks_the_sites_the_planner_groups(path: Path) -> None:
    """One meaning of a selector: the check's sites are the plan's address groups'."""
    inventory = load(path)
    plan = make_plan(inventory, None).plan
    assert plan is not None and plan.policy is not None
    sites = Sites(inventory)
    groups = [g for g in plan.policy.groups if not g.name.startswith("others-")]
    assert groups
    for group in groups:
        assert sorted(sites.picks(group.selector)) == group.sites, group.name
    policy = inventory.fabric.policy
    assert policy is not None
    assert len(gathered(Context(inventory)).rules) == len(policy.rules)
