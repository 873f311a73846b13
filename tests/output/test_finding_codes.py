"""Every finding code netorch can report is registered with its meaning and fix
(netorch/codes.py), docs/findings.md is that registry as generated, and SARIF's helpUri of
each rule points at the code's section there."""

from __future__ import annotations

import ast
import json
import re
from collections import defaultdict
from pathlib import Path

from netorch.codes import CODES, SCHEMA_FAMILY, entry, help_uri, markdown
from netorch.findings import Location, error, note, warning
from netorch.output.findings import as_sarif

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "findings.md"
CODE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def _code_parameters(trees: list[ast.Module]) -> dict[str, int]:
    """Functions taking a finding code: `error`, `warning`, `note` and every function of
    netorch with a parameter named `code` -> the position of that argument."""
    takes = {"error": 0, "warning": 0, "note": 0}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.args]
                if "code" in names:
                    takes[node.name] = names.index("code") - (names[0] in ("self", "cls"))
    return takes


def used_codes() -> dict[str, set[str]]:
    """Every literal code passed where a finding code goes, with the files using it."""
    files = sorted(p for p in (REPO / "netorch").rglob("*.py")
                   if p.name != "codes.py")  # the registry itself
    trees = [ast.parse(p.read_text(), str(p)) for p in files]
    takes = _code_parameters(trees)
    used: dict[str, set[str]] = defaultdict(set)
    for path, tree in zip(files, trees, strict=True):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if name not in takes or len(node.args) <= takes[name]:
                continue
            arg = node.args[takes[name]]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                used[arg.value].add(path.relative_to(REPO).as_posix())
    return used


def test_every_code_used_in_netorch_is_registered() -> None:
    used = used_codes()
    assert len(used) > 50  # the scan finds the codes at all
    missing = {code: sorted(where) for code, where in used.items() if entry(code) is None}
    assert missing == {}, "register these codes (meaning and fix) in netorch/codes.py, " \
                          "then run `python -m netorch.codes > docs/findings.md`"


def test_every_registered_code_is_used_and_well_formed() -> None:
    used = set(used_codes())
    for code, known in CODES.items():
        assert CODE.fullmatch(code), code
        assert known.meaning.endswith(".") and known.fix.endswith("."), code
        assert code in used or code == SCHEMA_FAMILY, f"{code} is registered but never used"


def test_the_doc_is_generated_from_the_registry() -> None:
    assert DOC.read_text() == markdown(), "run `python -m netorch.codes > docs/findings.md`"


def test_every_code_has_its_section_in_the_doc() -> None:
    headings = set(re.findall(r"^### (\S+)$", DOC.read_text(), re.M))
    assert headings == set(CODES)


def test_sarif_help_uri_points_at_the_codes_section() -> None:
    at = Location("inv/fabric.yaml", 3, 5)
    findings = [error("pool-exhausted", "x", at), warning("lan-holds-mgmt", "y", at),
                error("schema-missing", "z", at), note("checks-skipped", "n", at)]
    doc = json.loads(as_sarif(findings, "inv"))
    driver = doc["runs"][0]["tool"]["driver"]
    uris = {r["id"]: r["helpUri"] for r in driver["rules"]}
    for code, uri in uris.items():
        page, anchor = uri.split("#")
        assert page.endswith("docs/findings.md") and anchor == entry(code).code, uri
        assert uri == help_uri(code)
    assert uris["schema-missing"].endswith("#schema")
    assert [r["level"] for r in doc["runs"][0]["results"]] == [
        "error", "warning", "error", "note"]
