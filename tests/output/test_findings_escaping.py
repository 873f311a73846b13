"""`netorch validate` output fed hostile text: one line per finding, well-formed XML.

Findings are built directly (a message or file name may hold anything a check quotes
from the inventory, or a non-UTF-8 file name), so these hold whatever the loader allows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from netorch import cli
from netorch.findings import Finding, InventoryError, Location, error, printable, warning
from netorch.output import as_json, as_junit, as_sarif, as_text

FORGED = "\nsites/x.yaml:1:1: error: forged"
HOSTILE = [
    FORGED,
    "bad\rsites/x.yaml:1:1: error: forged",
    "\x1b[2J\x1b]0;pwned\x07\x1b[31mred",
    "\u202edeyalpsid\u2066 \u200b\u2028\u2029\x85",
    "\x00\x08\x0b\x0c\x1f\x7f\ufffe\uffff\ud800",
    "<failure message='x'/>]]><![CDATA[&amp;\"'",
]
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colours netorch itself prints


def _findings(value: str) -> list[Finding]:
    return [error("bad-value", f"value {value} is bad", Location("inv/sites/a.yaml", 3, 5)),
            warning("odd-value", value, Location(f"inv/sites/{value}.yaml", 1, 1)),
            error("x", "plain", Location("inv/fabric.yaml", 2, 1))]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("colour", [False, True])
def test_text_is_one_line_per_finding(value: str, colour: bool) -> None:
    findings = _findings(value)
    text = as_text(findings, f"inv{value}", colour=colour)
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == len(findings) + 2  # + summary + final newline
    visible = SGR.sub("", text)
    assert "\x1b" not in visible and "\r" not in visible
    assert all(c.isprintable() for c in visible.replace("\n", ""))
    assert not [line for line in lines if line.startswith("sites/x.yaml")]


@pytest.mark.parametrize("value", HOSTILE)
def test_render_is_one_printable_line(value: str) -> None:
    for finding in _findings(value):
        assert finding.render().isprintable()
    assert str(InventoryError(_findings(value))).isprintable()


def test_escapes_are_visible_not_dropped() -> None:
    assert printable("a\nb\x1b[2J\u202e") == "a\\nb\\x1b[2J\\u202e"
    [line] = as_text([error("x", FORGED, Location("a.yaml", 1, 1))], "inv").splitlines()[:1]
    assert line == "a.yaml:1:1: error: \\nsites/x.yaml:1:1: error: forged"


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("strict", [False, True])
def test_junit_is_well_formed_for_any_text(value: str, strict: bool) -> None:
    findings = _findings(value)
    xml = as_junit(findings, f"inv{value}", strict=strict,
                   files=["inv/fabric.yaml", f"inv/{value}.yaml"])
    root = ET.fromstring(xml.encode("utf-8"))  # well-formed, and writable as UTF-8
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 4
    failures = list(suite.iter("failure"))
    assert not [f for f in failures if "\n" in f.get("message", "")]
    lines = [line for f in failures for line in (f.text or "").splitlines()]
    assert len(lines) == sum(1 for f in findings if f.is_error or strict)


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("formatter", [as_json, as_sarif])
def test_json_formats_keep_the_value(value: str, formatter: object) -> None:
    text = formatter(_findings(value), "inv")  # type: ignore[operator]
    assert text.isascii()
    doc = json.loads(text)
    messages = json.dumps(doc)
    assert json.dumps(f"value {value} is bad")[1:-1] in messages


def test_validate_cli_prints_one_line_per_finding(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Through the CLI, with a hostile value in a site file (whatever the loader does
    with it: quoted in a finding, or refused, each finding is one line)."""
    site = tmp_path / "inv.yaml"
    site.write_text(
        "fabric:\n  name: f\n  topology: {kind: full-mesh}\n"
        "  underlays: {internet: {preference: 10}}\n"
        "  pools: {tunnels: 100.64.0.0/16, loopbacks: 100.65.0.0/22}\n"
        "  routing: {asn_base: 4200000000}\n"
        "sites:\n"
        '  - {name: a, id: 1, organisation: "A\\nsites/x.yaml:1:1: error: forged\\e[2J",'
        " zone: z, region: r, lan: [10.1.0.0/16], devices: [{name: a1,"
        ' platform: "nope\\nsites/x.yaml:1:1: error: forged\\r\\u202e", mgmt: 192.0.2.1,'
        " links: [{underlay: internet, interface: eth0, address: 198.51.100.1/24,"
        " next_hop: 198.51.100.254}]}]}\n", encoding="utf-8")
    for fmt in ("text", "junit"):
        code = cli.main(["validate", str(site), "--format", fmt])
        out, err = capsys.readouterr()
        assert code == 1
        assert "\x1b" not in out + err and "\r" not in out + err
        assert not [line for line in (out + err).splitlines()
                    if line.startswith("sites/x.yaml")]
        if fmt == "junit":
            ET.fromstring(out.encode("utf-8"))
