"""Render a list of findings as text, JSON, JUnit XML or SARIF 2.1.0.

Every formatter is a pure function of (findings, inventory path): sorted input gives
byte-identical output, so CI artefacts diff cleanly between runs.

Inventory text is data, never syntax: the text formats give one line per finding with
control and bidi characters shown escaped (`printable`); JUnit XML is well-formed for any
input (`xml_text`: markup escaped by ElementTree, XML-1.0-illegal characters escaped
visibly); JSON and SARIF escape through `json.dumps` (ASCII only, so the bytes of a
file name that is not UTF-8 stay JSON escapes); SARIF URIs are percent-encoded from the
name's bytes (`sarif_uri`).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from urllib.parse import quote
from xml.etree import ElementTree as ET

from netorch import __version__
from netorch.codes import help_uri, project_url
from netorch.findings import Finding, Location, Severity, printable

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36"}
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def summary(findings: list[Finding]) -> dict[str, int]:
    counts = {"errors": sum(f.is_error for f in findings),
              "warnings": sum(f.is_warning for f in findings)}
    notes = len(findings) - counts["errors"] - counts["warnings"]
    return counts | ({"notes": notes} if notes else {})


def summary_line(findings: list[Finding], inventory: str) -> str:
    """'inventory: 2 errors, 1 warning' (', 1 note' when some checks could not run) — or
    'inventory: valid' when clean."""
    counts = summary(findings)
    if not findings:
        return printable(f"{inventory}: valid, no findings")
    parts = [_plural(counts["errors"], "error"), _plural(counts["warnings"], "warning")]
    parts += [_plural(counts["notes"], "note")] if "notes" in counts else []
    return printable(f"{inventory}: {', '.join(parts)}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def as_text(findings: list[Finding], inventory: str, *, colour: bool = False,
            **_: object) -> str:
    lines = [_coloured(f, colour) for f in findings]
    lines.append(summary_line(findings, inventory))
    return "\n".join(lines) + "\n"


def _coloured(finding: Finding, colour: bool) -> str:
    if not colour:
        return finding.render()
    code = _COLOURS[finding.severity]
    label = f"\x1b[1;{code}m{finding.severity.value}:\x1b[0m"
    return (f"\x1b[1m{printable(str(finding.location))}:\x1b[0m {label} "
            f"{printable(finding.message)}")


def sarif_uri(file: str) -> str:
    """A file path as a SARIF `uri`: a relative URI reference, percent-encoded per RFC
    3986 from the name's bytes on disk (so `#`, `?`, `%`, spaces and non-UTF-8 bytes mean
    themselves), `/` kept.

    >>> sarif_uri("inv/sites/a b#c%41?d.yaml")
    'inv/sites/a%20b%23c%2541%3Fd.yaml'
    """
    try:
        raw = os.fsencode(file)
    except UnicodeEncodeError:  # not a name from the disk: a surrogate no byte stands for
        raw = file.encode("utf-8", "surrogatepass")
    return quote(raw, safe="/")


def _finding_dict(finding: Finding) -> dict[str, object]:
    loc = finding.location
    return {
        "severity": finding.severity.value,
        "code": finding.code,
        "message": finding.message,
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "related": [str(r) for r in finding.related],
    }


def as_json(findings: list[Finding], inventory: str, **_: object) -> str:
    doc = {
        "version": __version__,
        "inventory": inventory,
        "valid": not any(f.is_error for f in findings),
        "summary": summary(findings),
        "findings": [_finding_dict(f) for f in findings],
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def as_junit(findings: list[Finding], inventory: str, *, strict: bool = False,
             files: list[str] | None = None, **_: object) -> str:
    """One testsuite, one testcase per file; errors (and warnings with strict) fail it."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.location.file].append(f)
    names = sorted(set(files or []) | set(by_file))
    suite = ET.Element("testsuite", name=xml_text(f"netorch validate {inventory}"))
    failures = 0
    for name in names:
        failures += _junit_case(suite, name, by_file.get(name, []), strict)
    suite.set("tests", str(len(names)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def xml_text(text: str) -> str:
    """Text ElementTree can write as well-formed XML 1.0: it escapes `<&>"` itself, but
    writes control characters, surrogates and U+FFFE/U+FFFF raw, so those are escaped
    visibly here (`Finding.render()` already is)."""
    return printable(text)


def _junit_case(suite: ET.Element, name: str, found: list[Finding], strict: bool) -> int:
    case = ET.SubElement(suite, "testcase", classname="netorch.validate", name=xml_text(name))
    failing = [f for f in found if f.is_error or (strict and f.is_warning)]
    if failing:
        fail = ET.SubElement(case, "failure", message=failing[0].render(),
                             type=xml_text(failing[0].code))
        fail.text = "\n".join(f.render() for f in failing)
    others = [f for f in found if f not in failing]
    if others:
        ET.SubElement(case, "system-out").text = "\n".join(f.render() for f in others)
    return 1 if failing else 0


def as_sarif(findings: list[Finding], inventory: str, **_: object) -> str:
    """SARIF 2.1.0, as GitHub code scanning and GitLab read it (relative URIs)."""
    codes = sorted({f.code for f in findings})
    rules = [{"id": c, "shortDescription": {"text": c.replace("-", " ")},
              "helpUri": help_uri(c)} for c in codes]
    run = {
        "tool": {"driver": {"name": "netorch", "version": __version__,
                            "informationUri": project_url("Repository", "README.md"),
                            "rules": rules}},
        "results": [_sarif_result(f, codes.index(f.code)) for f in findings],
    }
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
           "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2) + "\n"


def _sarif_result(finding: Finding, rule_index: int) -> dict[str, object]:
    loc = finding.location
    result: dict[str, object] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [_sarif_location(loc)],
    }
    if finding.related:
        result["relatedLocations"] = [{"id": i, **_sarif_location(r)}
                                      for i, r in enumerate(finding.related)]
    return result


def _sarif_location(loc: Location) -> dict[str, object]:
    """A SARIF physical location; SARIF regions are 1-based, so 'whole file' is 1:1."""
    region = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    return {"physicalLocation": {"artifactLocation": {"uri": sarif_uri(loc.file)},
                                 "region": region}}
