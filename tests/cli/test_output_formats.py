"""Findings as JSON, JUnit XML and SARIF 2.1.0: the shapes CI systems read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from netorch import api
from netorch.findings import Finding, Location, error, sort_findings, warning
from netorch.output import as_json, as_junit, as_sarif, as_text

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "errors"
FINDINGS = [
    error("duplicate-site-id", "site id 2 is already used", Location("inv/sites/b.yaml", 2, 5)),
    error("lan-overlap", "LAN overlaps", Location("inv/sites/b.yaml", 6, 7)),
    warning("psk-with-ncsc-profile", "use certificates", Location("inv/fabric.yaml", 13, 39)),
]
FILES = ["inv/fabric.yaml", "inv/sites/a.yaml", "inv/sites/b.yaml"]


def test_text_is_compiler_style_with_a_summary() -> None:
    assert as_text(FINDINGS, "inv").splitlines() == [
        "inv/sites/b.yaml:2:5: error: site id 2 is already used",
        "inv/sites/b.yaml:6:7: error: LAN overlaps",
        "inv/fabric.yaml:13:39: warning: use certificates",
        "inv: 2 errors, 1 warning"]


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[" not in as_text(FINDINGS, "inv")
    assert "\x1b[" in as_text(FINDINGS, "inv", colour=True)


def test_json_shape() -> None:
    doc = json.loads(as_json(FINDINGS, "inv"))
    assert doc["inventory"] == "inv"
    assert doc["valid"] is False
    assert doc["summary"] == {"errors": 2, "warnings": 1}
    assert doc["findings"][0] == {"severity": "error", "code": "duplicate-site-id",
                                  "message": "site id 2 is already used",
                                  "file": "inv/sites/b.yaml", "line": 2, "column": 5,
                                  "related": []}
    assert json.loads(as_json([], "inv"))["valid"] is True


def _cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    [suite] = root.findall("testsuite")
    return {case.get("name", ""): case for case in suite.findall("testcase")}


def test_junit_has_a_testcase_per_file_and_fails_on_errors() -> None:
    cases = _cases(as_junit(FINDINGS, "inv", files=FILES))
    assert sorted(cases) == FILES
    assert cases["inv/sites/b.yaml"].find("failure") is not None
    assert cases["inv/sites/a.yaml"].find("failure") is None
    assert cases["inv/fabric.yaml"].find("failure") is None  # a warning only
    assert "use certificates" in (cases["inv/fabric.yaml"].findtext("system-out") or "")


def test_junit_strict_fails_on_warnings() -> None:
    xml = as_junit(FINDINGS, "inv", files=FILES, strict=True)
    assert _cases(xml)["inv/fabric.yaml"].find("failure") is not None
    assert ET.fromstring(xml).find("testsuite").get("failures") == "2"  # type: ignore[union-attr]


def test_sarif_structure() -> None:
    doc = json.loads(as_sarif(FINDINGS, "inv"))
    assert doc["version"] == "2.1.0"
    [run] = doc["runs"]
    assert run["tool"]["driver"]["name"] == "netorch"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == sorted({f.code for f in FINDINGS})
    for result, finding in zip(run["results"], FINDINGS, strict=True):
        assert result["ruleId"] == finding.code
        assert rules[result["ruleIndex"]] == finding.code
        assert result["level"] == ("error" if finding.is_error else "warning")
        assert result["message"]["text"] == finding.message
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == finding.location.file
        assert physical["region"]["startLine"] == finding.location.line
        assert physical["region"]["startColumn"] == finding.location.column


def test_sarif_region_is_never_below_1() -> None:
    whole_file = error("x", "m", Location("a.yaml", 0, 0))
    result = json.loads(as_sarif([whole_file], "a"))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1,
                                                                     "startColumn": 1}


@pytest.mark.parametrize("formatter", [as_text, as_json, as_junit, as_sarif])
def test_output_is_deterministic(formatter: Callable[..., str]) -> None:
    first = api.validate(CORPUS / "several-errors")
    again = api.validate(CORPUS / "several-errors")
    assert formatter(first.findings, "x", files=first.files) == \
        formatter(again.findings, "x", files=again.files)


def test_findings_sort_by_place_and_drop_exact_duplicates() -> None:
    dup = FINDINGS[0]
    ordered = sort_findings([FINDINGS[2], dup, FINDINGS[1], dup])
    assert ordered == sorted({FINDINGS[0], FINDINGS[1], FINDINGS[2]}, key=Finding.sort_key)


def test_sarif_related_locations_point_at_the_first_use() -> None:
    result = api.validate(CORPUS / "duplicate-site-id")
    [sarif] = json.loads(as_sarif(result.errors, "x"))["runs"][0]["results"]
    [related] = sarif["relatedLocations"]
    physical = related["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("duplicate-site-id/sites/spoke.yaml")
    assert physical["region"] == {"startLine": 2, "startColumn": 5}
    doc = json.loads(as_json(result.errors, "x"))
    assert doc["findings"][0]["related"] == [physical["artifactLocation"]["uri"] + ":2:5"]
