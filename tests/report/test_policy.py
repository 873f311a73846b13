"""The segmentation section: the policy as intended, what the plan lets through
(computed from the plan alone), and every difference as a `policy-drift` finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netorch import api
from netorch.inventory.model import Inventory, Policy, PolicyRule
from netorch.plan.model import FabricPlan, PrefixSet
from netorch.report import Report, make_report, render
from netorch.report.build import Inputs, build
from netorch.report.model import PolicyCell, Segmentation
from netorch.report.segmentation import segmentation
from netorch.report.services import Vocabulary
from netorch.report.wording import services
from tests.report.conftest import EXAMPLE, FIXED_TIME, ROOT

REGIONAL = "tests/fixtures/cnsa-regional.yaml"
FLAT = "tests/fixtures/psk-mesh.yaml"


@pytest.fixture(scope="module")
def eastern() -> tuple[Inventory, FabricPlan]:
    inventory = api.load(ROOT / EXAMPLE)
    return inventory, api.plan(inventory)


@pytest.fixture(scope="module")
def regional() -> tuple[Inventory, FabricPlan]:
    inventory = api.load(ROOT / REGIONAL)
    return inventory, api.plan(inventory)


def _cell(seg: Segmentation, view: str, by: str, source: str, target: str) -> PolicyCell:
    matrix = next(m for m in seg.matrices if (m.view, m.by) == (view, by))
    return next(c for c in matrix.cells if (c.source, c.target) == (source, target))


def _says(seg: Segmentation, view: str, by: str, source: str, target: str) -> str:
    return services(_cell(seg, view, by, source, target))


def _section(inventory: Inventory, plan: FabricPlan) -> tuple[Segmentation, list[str]]:
    seg, findings = segmentation(inventory, plan)
    assert seg is not None
    assert {f.code for f in findings} <= {"policy-drift"}
    return seg, [f.message for f in findings]


def test_intended_matrices_say_the_policy(eastern: tuple[Inventory, FabricPlan]) -> None:
    seg, _ = _section(*eastern)
    assert (seg.default, seg.same_organisation, seg.rules) == ("deny", "allow", 8)
    assert (seg.pairs, seg.intended_pairs) == (27 * 26, 208)
    said = {(a, b): _says(seg, "intended", "zone", a, b) for a, b in [
        ("police", "cps"), ("cps", "police"), ("police", "police"), ("police", "courts"),
        ("cps", "cps"), ("dc", "police"), ("police", "dc")]}
    assert said == {
        ("police", "cps"): "https, smb, icmp", ("cps", "police"): "https, icmp",
        # 6 forces of 3 or 4 sites: 54 of the 21 x 20 pairs are of one force
        ("police", "police"): "any (54 of 420 pairs)", ("police", "courts"): "nothing",
        ("cps", "cps"): "—", ("dc", "police"): "icmp, ssh",
        ("police", "dc"): "https, icmp, dns, ntp, ldaps, syslog"}
    assert _says(seg, "intended", "organisation", "HM Courts & Tribunals Service",
                 "Probation Service") == "https, smb"
    assert _says(seg, "intended", "organisation", "Essex Police", "Essex Police") == "any"


@pytest.mark.parametrize("which", ["eastern", "regional"])
def test_the_plan_lets_through_exactly_the_policy(request: pytest.FixtureRequest,
                                                  which: str) -> None:
    seg, findings = _section(*request.getfixturevalue(which))
    assert (seg.differing, seg.drift, findings) == (0, [], [])
    assert seg.effective_pairs == seg.intended_pairs
    views = {(m.view, m.by): m for m in seg.matrices}
    assert {by for _, by in views} == {"zone", "organisation"}
    for by in ("zone", "organisation"):
        assert views[("intended", by)].cells == views[("effective", by)].cells


def test_a_mesh_pair_without_flows_exchanges_nothing(regional: tuple[Inventory, FabricPlan]
                                                     ) -> None:
    """south-a (police) and south-b (probation) have a direct tunnel but no flow; the
    north pair's rule is a port list, the court's to the police another."""
    seg, _ = _section(*regional)
    assert _says(seg, "effective", "zone", "police", "probation") == "nothing"
    assert _says(seg, "effective", "zone", "police", "courts") == "https, tcp/8443-8444"
    assert _says(seg, "effective", "zone", "courts", "police") == "udp/5060, icmp"


def _device_drops(plan: FabricPlan, site: str, rule: str) -> FabricPlan:
    devices = [d.model_copy(update={"policy": [n for n in d.policy or [] if n != rule]})
               if d.site == site else d for d in plan.devices]
    return plan.model_copy(update={"devices": devices})


def test_a_device_missing_a_rule_is_drift(eastern: tuple[Inventory, FabricPlan]) -> None:
    inventory, plan = eastern
    seg, messages = _section(inventory, _device_drops(plan, "cps-east", "rule-1"))
    assert (seg.differing, len(seg.drift)) == (21, 1)
    drift = seg.drift[0]
    assert (drift.source, drift.target, drift.differing, drift.pairs) == ("police", "cps", 21, 21)
    case = drift.cases[0]
    assert (case.intended, case.effective, case.example) == (
        ["https", "smb", "icmp"], [], ("beds-dunstable", "cps-east"))
    assert case.why == "cps-east's firewall refuses https, smb, icmp"
    assert _says(seg, "effective", "zone", "police", "cps") == "nothing"
    assert _says(seg, "intended", "zone", "police", "cps") == "https, smb, icmp"
    assert messages == ["from zone police to zone cps, the plan differs from the policy for 21 "
                        "of the 21 pairs of sites: 21 pairs: the policy allows https, smb, icmp, "
                        "the plan lets nothing through (e.g. beds-dunstable → cps-east: "
                        "cps-east's firewall refuses https, smb, icmp)"]


def _accepts(plan: FabricPlan, site: str, prefix_set: str) -> FabricPlan:
    """`site`'s tunnel ends facing hubs accept `prefix_set`."""
    tunnels = []
    for t in plan.tunnels:
        if t.kind == "hub-spoke" and site in (t.a.site, t.b.site):
            side = "a" if t.a.site == site else "b"
            t = t.model_copy(update={side: getattr(t, side).model_copy(
                update={"accepts": prefix_set})})
        tunnels.append(t)
    return plan.model_copy(update={"tunnels": tunnels})


def test_a_spoke_that_accepts_no_routes_is_drift(eastern: tuple[Inventory, FabricPlan]
                                                 ) -> None:
    inventory, plan = eastern
    nothing = PrefixSet(name="nothing", description="matches no route", entries=[])
    plan = plan.model_copy(update={"prefix_sets": [*plan.prefix_sets, nothing]})
    seg, _ = _section(inventory, _accepts(plan, "essex-hq", "nothing"))
    whys = {(d.source, d.target): d.cases[0].why for d in seg.drift}
    assert whys[("police", "cps")] == "essex-hq has no route to cps-east"
    assert whys[("cps", "police")] == "essex-hq has no route back to cps-east"
    # 3 other Essex sites, 2 hubs and the CPS, both ways
    assert seg.differing == 2 * (3 + 2 + 1)


def test_a_hub_on_the_way_enforces_too(regional: tuple[Inventory, FabricPlan]) -> None:
    """south-a reaches north-b's courts only through the hub: the hub's firewall is on
    the way; north-a's direct tunnel to north-b does not cross it."""
    inventory, plan = regional
    seg, _ = _section(inventory, _device_drops(plan, "hub", "rule-1"))
    (drift,) = seg.drift
    assert (drift.source, drift.target, drift.differing) == ("police", "courts", 1)
    assert drift.cases[0].example == ("south-a", "north-b")
    assert drift.cases[0].why == "hub hub's firewall refuses https, tcp/8443-8444"


def test_a_plan_that_allows_more_is_drift(eastern: tuple[Inventory, FabricPlan]) -> None:
    inventory, plan = eastern
    assert plan.policy is not None
    rules = [r.model_copy(update={"services": ["any"]}) if r.name == "rule-8" else r
             for r in plan.policy.rules]
    widened = plan.model_copy(update={"policy": plan.policy.model_copy(
        update={"rules": rules, "services": [*plan.policy.services]})})
    seg, _ = _section(inventory, widened)
    assert {(d.source, d.target) for d in seg.drift} == {
        ("dc", z) for z in ("courts", "cps", "police", "probation")}
    case = next(d for d in seg.drift if d.target == "cps").cases[0]
    assert (case.intended, case.effective) == (["icmp", "ssh"], ["any"])
    assert case.why.startswith("the plan routes it both ways and rule-8 lets https, smb, ")
    assert _says(seg, "effective", "zone", "dc", "police") == "any"


def test_services_meet_by_their_ports() -> None:
    policy = Policy(rules=[PolicyRule.model_validate(
        {"from": "any", "to": "any", "services": s}) for s in (["tcp/400-500"], ["https"],
                                                                 ["dns"], ["any"])])
    words = Vocabulary(policy, None)
    wide, https = words.spec_mask("tcp/400-500"), words.spec_mask("https")
    assert words.describe(wide & https) == ["https"]
    assert words.describe(wide) == ["tcp/400-500"]
    assert words.describe(wide & ~https) == ["tcp/400-442, tcp/444-500"]
    assert words.describe(words.atoms.full) == ["any"]
    assert words.describe(0) == []
    assert words.count({words.atoms.full: 3, https: 9}) == [("any", 3), ("https", 12)]
    assert words.count({wide: 2, https: 2}) == [("tcp/400-500", 2), ("https", 4)]


def _drifted_report(inventory: Inventory, plan: FabricPlan) -> Report:
    return build(Inputs(inventory=inventory, plan=plan, findings=[], path=ROOT / EXAMPLE,
                        allocations="allocations.yaml", generated_at=FIXED_TIME))


def test_every_format_shows_the_drift(eastern: tuple[Inventory, FabricPlan]) -> None:
    report = _drifted_report(eastern[0], _device_drops(eastern[1], "cps-east", "rule-1"))
    assert [(f.code, f.severity) for f in report.findings] == [("policy-drift", "error")]
    assert report.summary.findings["error"] == 1
    md = render(report, "md")
    assert "**default deny between organisations, allow within one, 8 rules: 208 of the 702 " \
           "pairs of sites may open some service; the plan differs from the policy for 21 " \
           "pairs of sites (see the differences)**" in md
    assert "| **police** | **cps** | 21 of 21 | 21 pairs: the policy allows https, smb, " in md
    html = render(report, "html")
    assert 'id="policy-drift"' in html and "DRIFT" in html
    data = json.loads(render(report, "json"))
    assert data["policy"]["differing"] == 21
    assert [(m["view"], m["by"]) for m in data["policy"]["matrices"]] == [
        ("intended", "zone"), ("intended", "organisation"), ("effective", "zone"),
        ("effective", "organisation")]


def test_json_carries_both_matrices(example: Report) -> None:
    data = json.loads(render(example, "json"))
    assert data["schema_version"] == "1.3"
    cells = {(m["view"], m["by"]): {(c["source"], c["target"]): c for c in m["cells"]}
             for m in data["policy"]["matrices"]}
    assert cells[("intended", "zone")][("police", "police")] == {
        "source": "police", "target": "police", "pairs": 420, "allowed": 54,
        "services": [{"service": "any", "pairs": 54}]}
    assert cells[("effective", "zone")] == cells[("intended", "zone")]
    md = render(example, "md")
    assert "## Segmentation policy" in md and "### Effective, by organisation" in md


def test_a_flat_fabric_says_so_and_nothing_more(at_root: Path) -> None:
    report = make_report(api.load(FLAT), generated_at=FIXED_TIME)
    assert report.policy is None
    md = render(report, "md")
    assert ("- **Segmentation:** none: the fabric is flat, every site reaches every other "
            "(the inventory has no policy).") in md
    assert "Segmentation policy" not in md and "policy-drift" not in md
    assert json.loads(render(report, "json"))["policy"] is None
    assert 'href="#segmentation"' not in render(report, "html")


HOSTILE_ORGANISATION = "_x_ | *y* <b>z</b> `w` [l](javascript:a) &amp; # H"


def test_a_hostile_organisation_name_stays_text(eastern: tuple[Inventory, FabricPlan]
                                                ) -> None:
    """Organisation names head the matrix's rows and columns: data in every format."""
    inventory, plan = eastern
    renamed = inventory.model_copy(update={"sites": [
        s.model_copy(update={"organisation": HOSTILE_ORGANISATION})
        if s.organisation == "Essex Police" else s for s in inventory.sites]})
    report, plain = _drifted_report(renamed, plan), _drifted_report(inventory, plan)
    assert report.policy is not None
    assert HOSTILE_ORGANISATION in report.policy.matrices[1].groups
    md, plain_md = render(report, "md"), render(plain, "md")
    rows = [line for line in md.splitlines() if line.startswith("| **") and "\\_x\\_" in line]
    assert rows and all("<b>" not in r and "`w`" not in r for r in rows)
    assert [line.count("|") - line.count("\\|") for line in md.splitlines()] == \
           [line.count("|") - line.count("\\|") for line in plain_md.splitlines()]
    html = render(report, "html")
    assert "<b>z</b>" not in html and "&lt;b&gt;z&lt;/b&gt;" in html
    assert html.count("<tr>") == render(plain, "html").count("<tr>")
    assert json.loads(render(report, "json"))["policy"]["matrices"][1]["groups"].count(
        HOSTILE_ORGANISATION) == 1
