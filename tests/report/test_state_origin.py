"""Live state says where it came from: `report --state` shows its source, time and
inventory fingerprint, marks a lab's state in every format, and refuses state of
another schema or another inventory (one clean error, exit 1)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from netorch import api, cli
from netorch.errors import UserError
from netorch.fingerprint import inventory_sha256
from netorch.report import Report, make_report, render
from netorch.report.model import Summary, ZoneAnswer
from netorch.report.provenance import hash_inputs
from netorch.report.wording import count, reached_by, verdict
from netorch.verify import BgpCheck, TunnelCheck, TunnelStatus, VerifyReport
from netorch.verify.origin import STATE_SCHEMA_VERSION, lab_source, origin_of
from tests.report.conftest import EXAMPLE, FIXED_TIME, state_header

LAB_INVENTORY = "inventories/lab"


def _verify_document(inventory: str | Path, source: str) -> str:
    """What `netorch verify --format json` writes: one tunnel end up, one down."""
    plan = api.plan(api.load(inventory))
    first = plan.tunnels[0]
    report = VerifyReport(
        tunnels=[TunnelCheck(first.a.device, first.id, TunnelStatus.ESTABLISHED, "", ""),
                 TunnelCheck(first.b.device, first.id, TunnelStatus.DOWN, "", "", "no CHILD_SA")],
        bgp=[BgpCheck(first.a.device, first.id, str(first.b.address.ip), "Active", None)])
    return report.result(origin_of(inventory, plan.fabric.name, source)).to_json()


def _write(tmp_path: Path, text: str) -> Path:
    state = tmp_path / "verify.json"
    state.write_text(text)
    return state


def _report(state: Path, fmt: str, capsys: pytest.CaptureFixture[str],
            inventory: str | Path = EXAMPLE) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["report", str(inventory), "-f", fmt, "--state", str(state),
                     "--generated-at", FIXED_TIME])
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_json_carries_its_origin_and_keeps_its_fields(at_root: Path) -> None:
    doc = json.loads(_verify_document(EXAMPLE, "production"))
    assert doc["schema_version"] == STATE_SCHEMA_VERSION == "1.1"
    assert doc["source"] == "production" and doc["fabric"] == "eastern-region"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["generated_at"])
    assert doc["inventory_sha256"] == inventory_sha256(EXAMPLE) == hash_inputs(Path(EXAMPLE))[0]
    assert {"ok", "errors", "tunnels", "bgp"} <= set(doc) and doc["ok"] is False


def test_production_state_shows_source_time_and_fingerprint(
        at_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = _write(tmp_path, _verify_document(EXAMPLE, "production"))
    origin = json.loads(state.read_text())
    code, out, err = _report(state, "json", capsys)
    report = json.loads(out)
    assert code == 0, err
    assert report["banner"] is None
    assert report["state"]["origin"] == {k: origin[k] for k in (
        "schema_version", "source", "generated_at", "inventory_sha256", "fabric")}
    code, md, _ = _report(state, "md", capsys)
    assert code == 0 and "LAB STATE" not in md
    assert f"read from **production** at {origin['generated_at']}" in md
    assert f"inventory sha256 `{origin['inventory_sha256']}`" in md


@pytest.mark.parametrize("fmt", ["html", "md", "json", "dot", "mermaid"])
def test_lab_state_is_marked_as_a_lab_in_every_format(
        fmt: str, at_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = _write(tmp_path, _verify_document(EXAMPLE, lab_source("t-lab")))
    code, out, err = _report(state, fmt, capsys)
    assert code == 0, err
    assert "LAB STATE, NOT PRODUCTION" in out
    assert "t-lab" in out
    if fmt == "md":  # the first thing after the title
        assert out.splitlines()[2].startswith("> **LAB STATE, NOT PRODUCTION")
    if fmt == "html":
        assert '<p class="banner" id="lab-banner" role="alert">' in out
        assert "<title>LAB STATE — eastern-region" in out
    if fmt == "json":
        doc = json.loads(out)
        assert doc["banner"].startswith("LAB STATE, NOT PRODUCTION")
        assert doc["state"]["origin"]["source"] == "lab:t-lab"


def test_state_of_a_changed_inventory_is_refused_naming_both_fingerprints(
        at_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "inventory"
    shutil.copytree(EXAMPLE, copy)
    state = _write(tmp_path, _verify_document(copy, "production"))
    before = inventory_sha256(copy)
    site = copy / "sites" / "cps-east.yaml"
    site.write_text(site.read_text() + "# edited after verify\n")
    code, out, err = _report(state, "md", capsys, copy)
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"netorch: error: {state.as_posix()}: live state read ")
    assert before in line and inventory_sha256(copy) in line
    assert "the inventory changed since" in line and "Traceback" not in err


def test_state_of_another_fabric_is_refused_naming_both(
        at_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = _write(tmp_path, _verify_document(LAB_INVENTORY, lab_source("x")))
    code, _, err = _report(state, "html", capsys)
    assert code == 1
    [line] = err.splitlines()
    assert "it is from another inventory" in line
    fabric = api.load(LAB_INVENTORY).fabric.name
    assert f"fabric {fabric}, inventory sha256 {inventory_sha256(LAB_INVENTORY)}" in line
    assert f"fabric eastern-region, inventory sha256 {inventory_sha256(EXAMPLE)}" in line


BAD_HEADERS: dict[str, tuple[dict[str, Any], str]] = {
    "no-version": ({"schema_version": None}, "no schema_version"),
    "next-major": ({"schema_version": "2.0"}, "schema_version 2.0 is not one this netorch "
                                              "reads (1.x)"),
    "version-number": ({"schema_version": 1.0}, "schema_version: expected a version"),
    "version-secret": ({"schema_version": "s3cr3t-value"}, "schema_version: expected"),
    "no-source": ({"source": None}, "source: missing"),
    "odd-source": ({"source": "staging"}, "source: expected \"production\" or \"lab:NAME\""),
    "local-time": ({"generated_at": "2024-01-01T00:00:00+01:00"}, "generated_at: expected"),
    "not-a-date": ({"generated_at": "2024-02-30T00:00:00Z"}, "generated_at: expected"),
    "short-hash": ({"inventory_sha256": "abc"}, "inventory_sha256: expected 64"),
    "fabric-secret": ({"fabric": "S3CR3T value"}, "fabric: expected a fabric name"),
}


@pytest.mark.parametrize("case", sorted(BAD_HEADERS))
def test_a_bad_header_is_one_clean_error(case: str, at_root: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    change, expected = BAD_HEADERS[case]
    doc = {**state_header(), "tunnels": [], **change}
    state = _write(tmp_path, json.dumps({k: v for k, v in doc.items() if v is not None}))
    code, out, err = _report(state, "json", capsys)
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"netorch: error: {state.as_posix()}: not verify's JSON: ")
    assert expected in line, line
    assert "S3CR3T" not in line and "s3cr3t" not in line  # a field's value is never echoed
    with pytest.raises(UserError):
        make_report(api.load(EXAMPLE), state=state, generated_at=FIXED_TIME)


def test_a_later_minor_version_is_read(at_root: Path, tmp_path: Path) -> None:
    state = _write(tmp_path, json.dumps({**state_header(), "schema_version": "1.7",
                                         "tunnels": [], "new_field": {"x": 1}}))
    report = make_report(api.load(EXAMPLE), state=state, generated_at=FIXED_TIME)
    assert report.state is not None and report.state.origin.schema_version == "1.7"


# --- wording -----------------------------------------------------------------------

def _summary(example: Report, **compliance: int) -> Summary:
    total = sum(compliance.values())
    return example.summary.model_copy(update={
        "tunnels": total, "compliance": {"pass": 0, "warn": 0, "fail": 0, **compliance}})


def test_verdict_counts_tunnels_with_warnings_among_those_that_pass(example: Report) -> None:
    assert verdict(_summary(example, **{"pass": 186, "warn": 2})) == (
        "188 of 188 tunnels pass (2 with warnings)")
    assert verdict(_summary(example, **{"pass": 4, "warn": 1})) == (
        "5 of 5 tunnels pass (1 with a warning)")
    assert verdict(_summary(example, **{"pass": 1})) == "1 of 1 tunnel passes"
    assert verdict(_summary(example, **{"pass": 3, "warn": 1, "fail": 2})) == (
        "2 of 6 tunnels fail the crypto checks")


def test_plurals(example: Report) -> None:
    assert [count(n, "tunnel") for n in (0, 1, 2)] == ["0 tunnels", "1 tunnel", "2 tunnels"]
    md = render(example, "md")
    assert not re.search(r"\b1 (tunnels|sites|devices|errors|warnings|files)\b", md)
    assert not re.search(r"\b([02-9]|\d\d+) (tunnel|site|device|error|warning)\b(?![-s])", md)
    assert "0 errors, 0 warnings" in md and "(188 tunnels)" in md


def test_reached_by_says_which_sites_it_counts(example: Report) -> None:
    police = next(z for z in example.summary.zones if z.zone == "police")
    assert (police.reached_by, police.outside) == (6, 6)
    assert reached_by(police) == "all 6 sites outside police"
    assert "| all 6 sites outside police |" in render(example, "md")
    one = ZoneAnswer(zone="dc", sites=["a"], reached_by=0, outside=1, unreachable_from=["b"],
                     routes=[], tunnels=0, compliant_tunnels=0)
    assert reached_by(one) == "not the one site outside dc"
    assert reached_by(one.model_copy(update={"reached_by": 1, "unreachable_from": []})) == (
        "the one site outside dc")
    alone = one.model_copy(update={"outside": 0, "unreachable_from": []})
    assert reached_by(alone) == "no site outside dc: every site is in it"
