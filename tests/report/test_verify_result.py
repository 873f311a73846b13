"""verify's result is one typed, versioned model (`netorch.verify.model.VerifyResult`):
what `netorch verify --format json` (and `netorch lab verify`) write is what `netorch
report --state` reads back, into the same types; another schema major is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from netorch.commands.deploy import VerifyFormat
from netorch.commands.lab import _print_verify
from netorch.errors import UserError
from netorch.lab.api import LabVerifyResult
from netorch.report.statefile import load_state
from netorch.verify import BgpCheck, TunnelCheck, TunnelStatus, VerifyReport, VerifyResult
from netorch.verify.origin import OriginError, StateOrigin, lab_source

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = StateOrigin(source="production", generated_at="2024-01-01T00:00:00Z",
                     inventory_sha256="0" * 64, fabric="eastern-region")
TUNNEL = "r1--r2--private"
CHECKS = VerifyReport(
    tunnels=[TunnelCheck("r1", TUNNEL, TunnelStatus.ESTABLISHED, "198.51.100.1", "198.51.100.2",
                         "IKE_SA ESTABLISHED, CHILD_SA t INSTALLED"),
             TunnelCheck("r2", TUNNEL, TunnelStatus.DOWN, "198.51.100.2", "198.51.100.1",
                         "CHILD_SA none \u2603"),
             TunnelCheck("r2", "-", TunnelStatus.UNEXPECTED, "", "203.0.113.9")],
    bgp=[BgpCheck("r1", TUNNEL, "100.64.0.1", "Established", 4),
         BgpCheck("r2", TUNNEL, "100.64.0.0", "missing", None)],
    errors={"r3": "timeout"})

# The layout `--format json` has written since schema 1.0 (keys sorted, indent 2; `id`,
# `up` and `ok` derived): a reader of 1.0 reads it unchanged.
LAYOUT = """{
  "bgp": [
    {
      "device": "r1",
      "neighbor": "100.64.0.1",
      "prefixes": 4,
      "state": "Established",
      "tunnel": "r1--r2--private",
      "up": true
    }
  ],
  "certs": [],
  "errors": {
    "r3": "timeout"
  },
  "fabric": "eastern-region",
  "generated_at": "2024-01-01T00:00:00Z",
  "inventory_sha256": "0000000000000000000000000000000000000000000000000000000000000000",
  "ok": false,
  "schema_version": "1.1",
  "source": "production",
  "tunnels": [
    {
      "detail": "CHILD_SA none",
      "device": "r1",
      "id": "r1--r2--private",
      "local": "198.51.100.1",
      "remote": "198.51.100.2",
      "status": "DOWN",
      "tunnel": "r1--r2--private"
    }
  ]
}
"""


def _write(tmp_path: Path, text: str) -> Path:
    state = tmp_path / "verify.json"
    state.write_text(text, encoding="utf-8")
    return state


@pytest.mark.parametrize("source", ["production", lab_source("t-lab")])
def test_result_to_json_to_state_file_is_the_same_object(source: str, tmp_path: Path) -> None:
    origin = ORIGIN.model_copy(update={"source": source})
    result = CHECKS.result(origin)
    read = load_state(_write(tmp_path, result.to_json())).result
    assert read == result and read.origin == origin
    assert type(read) is VerifyResult
    assert all(type(t) is TunnelCheck and type(t.status) is TunnelStatus for t in read.tunnels)
    assert all(type(b) is BgpCheck for b in read.bgp)
    assert read.to_json() == result.to_json()
    assert (read.ok, read.exit_code, read.table()) == (False, 1, CHECKS.table())


def test_json_layout_is_schema_1_1s_and_a_1_0_document_still_reads() -> None:
    checks = VerifyReport(
        tunnels=[TunnelCheck("r1", TUNNEL, TunnelStatus.DOWN, "198.51.100.1", "198.51.100.2",
                             "CHILD_SA none")],
        bgp=[BgpCheck("r1", TUNNEL, "100.64.0.1", "Established", 4)], errors={"r3": "timeout"})
    assert checks.result(ORIGIN).to_json() == LAYOUT
    assert VerifyResult.read(json.loads(LAYOUT)) == checks.result(ORIGIN)
    older = {k: v for k, v in json.loads(LAYOUT).items() if k != "certs"}
    read = VerifyResult.read({**older, "schema_version": "1.0"})
    assert (read.certs, read.tunnels, read.bgp) == ([], checks.result(ORIGIN).tunnels,
                                                     checks.result(ORIGIN).bgp)


@pytest.mark.parametrize("version", ["0.9", "2.0", "10.1"])
def test_another_major_is_refused_with_a_clear_message(version: str, tmp_path: Path) -> None:
    document = {**json.loads(CHECKS.result(ORIGIN).to_json()), "schema_version": version}
    state = _write(tmp_path, json.dumps(document))
    with pytest.raises(UserError) as refused:
        load_state(state)
    assert str(refused.value) == (
        f"{state.as_posix()}: not verify's JSON: schema_version {version} is not one this "
        "netorch reads (1.x); write it again with `netorch verify --format json` (or "
        "`netorch lab verify`), or use the netorch that wrote it")
    with pytest.raises(OriginError):
        VerifyResult.read(document)
    with pytest.raises(ValidationError):  # the model itself never holds another major
        VerifyResult.model_validate(document, extra="ignore")


def test_a_later_minor_adds_fields_an_older_reader_ignores() -> None:
    document = json.loads(CHECKS.result(ORIGIN).to_json())
    document.update(schema_version="1.9", new={"deep": [[{}]]})
    document["tunnels"][0]["new"] = 1
    document["bgp"][0]["new"] = [1]
    read = VerifyResult.read(document)
    assert read.schema_version == "1.9"
    assert (read.tunnels, read.bgp, read.errors) == (CHECKS.tunnels, CHECKS.bgp, CHECKS.errors)


def test_lab_verify_prints_the_same_typed_result(capsys: pytest.CaptureFixture[str]) -> None:
    origin = ORIGIN.model_copy(update={"source": lab_source("t-lab")})
    verified = LabVerifyResult("t-lab", CHECKS, origin)
    assert verified.result == CHECKS.result(origin)
    _print_verify(verified.result, VerifyFormat.json)
    assert VerifyResult.read(json.loads(capsys.readouterr().out)) == verified.result
    _print_verify(verified.result, VerifyFormat.table)
    assert capsys.readouterr().out == CHECKS.table()


def test_one_live_state_class() -> None:
    """The device snapshot is verify's `LiveState`; report's view has its own name."""
    found = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "netorch").rglob("*.py")
                   if re.search(r"^class LiveState\b", path.read_text(encoding="utf-8"), re.M))
    assert found == ["netorch/verify/model.py"]
