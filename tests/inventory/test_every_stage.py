"""Every problem at once: one `netorch validate` run reports a YAML error in one site
file, a schema error in another, a cross-file error and a plan-time error, each at
FILE:LINE:COL, exit 1, no traceback; a stage that could not look at part of the
inventory says so in a note. (The corpus case tests/errors/every-stage holds the exact
output.)"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from netorch import api
from netorch.cli import main

REPO = Path(__file__).resolve().parents[2]
EVERY_STAGE = REPO / "tests" / "errors" / "every-stage"
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|note): ")


def _validate(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out


def test_one_run_reports_an_error_of_every_stage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate([str(EVERY_STAGE), "--format", "json"], capsys)
    assert code == 1
    doc = json.loads(out)
    found = {(Path(f["file"]).name, f["code"], f["line"]) for f in doc["findings"]}
    assert ("spoke-d.yaml", "yaml-syntax", 5) in found           # YAML
    assert ("spoke-c.yaml", "schema-int-type", 3) in found     # schema
    assert ("spoke-b.yaml", "duplicate-mgmt", 11) in found        # across files
    assert ("fabric.yaml", "pool-exhausted", 11) in found         # plan time
    assert doc["summary"] == {"errors": 4, "warnings": 0, "notes": 2}


def test_every_line_is_file_line_col(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate([str(EVERY_STAGE)], capsys)
    lines = out.splitlines()
    assert code == 1 and lines[-1].endswith("4 errors, 0 warnings, 2 notes")
    for line in lines[:-1]:
        m = LINE.match(line)
        assert m and Path(m["file"]).exists() and int(m["line"]) >= 1, line
    notes = [line for line in lines if ": note: " in line]
    assert "spoke-c.yaml, " in notes[0] and "spoke-d.yaml" in notes[0]  # left out, named
    assert "ran on 2 of the 3 sites that loaded" in notes[1]


def test_an_unknown_key_does_not_hide_an_unknown_platform_beside_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's example: the unknown key was shown, the platform only on the next run."""
    inv = tmp_path / "inv"
    shutil.copytree(EVERY_STAGE, inv)
    site = inv / "sites" / "spoke-a.yaml"
    site.write_text(site.read_text().replace("id: 2\n", "id: 2\ncolour: blue\n")
                    .replace("platform: cisco_iosxe", "platform: cisco_ios"))
    code, out = _validate([str(inv)], capsys)
    assert code == 1
    assert f"{site}:3:1: error: unknown key 'colour'" in out
    assert f"{site}:10:15: error: unknown platform 'cisco_ios' (did you mean 'cisco_iosxe'?)" \
        in out


def test_a_single_file_inventory_places_the_findings_of_the_sites_that_load(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Sites left out of a single file: the later findings still point at their lines."""
    fabric = (EVERY_STAGE / "fabric.yaml").read_text()
    sites = [(EVERY_STAGE / "sites" / f"{n}.yaml").read_text()
             for n in ("spoke-c", "hub", "spoke-a", "spoke-b")]  # spoke-c: schema error
    body = "".join("  - " + s.replace("\n", "\n    ").rstrip() + "\n" for s in sites)
    single = tmp_path / "inv.yaml"
    single.write_text(fabric + "sites:\n" + body)
    code, out = _validate([str(single)], capsys)
    assert code == 1
    text = single.read_text().splitlines()
    for m in (LINE.match(line) for line in out.splitlines()[:-1]):
        assert m, out
        if m["sev"] == "error":
            line = text[int(m["line"]) - 1]
            assert any(word in line for word in ("id: four", "mgmt: 192.0.2.2", "tunnels:")), \
                line
    assert out.count(": error: ") == 3  # schema, duplicate mgmt, pool exhausted


def test_a_clean_inventory_is_checked_against_its_lock_file() -> None:
    result = api.validate(REPO / "inventories" / "eastern-region")
    assert result.errors == [] and not any(f.is_note for f in result.findings)
    assert result.inventory is not None
