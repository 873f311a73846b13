"""`netorch verify --format json` against simulated devices says where its state came
from, and `netorch report --state` takes it for this inventory and no other."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from netorch import cli
from netorch.fingerprint import inventory_sha256
from tests.deploy.test_rendered_e2e import Fabric, fabric  # noqa: F401  (the fixture)


@pytest.mark.parametrize("fabric", ["certificate"], indirect=True)
def test_verify_json_origin_is_checked_by_report(
        fabric: Fabric, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    inventory = fabric.inventory()
    monkeypatch.setenv("NETORCH_USERNAME", "netorch")
    monkeypatch.setenv("NETORCH_PASSWORD", "lab-pass")
    assert cli.main(["deploy", str(inventory), "--commit"]) == 0
    capsys.readouterr()

    assert cli.main(["verify", str(inventory), "--format", "json"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert (doc["schema_version"], doc["source"], doc["fabric"]) == ("1.1", "production", "e2e")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["generated_at"])
    assert doc["inventory_sha256"] == inventory_sha256(inventory)
    assert doc["ok"] and len(doc["tunnels"]) == 6  # verify's own fields are kept

    state = tmp_path / "verify.json"
    state.write_text(out)
    assert cli.main(["report", str(inventory), "-f", "md", "--state", str(state)]) == 0
    md = capsys.readouterr().out
    assert "read from **production**" in md and "LAB STATE" not in md

    inventory.write_text(inventory.read_text() + "# edited after verify\n")
    assert cli.main(["report", str(inventory), "-f", "md", "--state", str(state)]) == 1
    err = capsys.readouterr().err
    assert doc["inventory_sha256"] in err and inventory_sha256(inventory) in err


@pytest.mark.parametrize("fabric", ["certificate"], indirect=True)
def test_deploy_confirm_minutes_reaches_the_commit_confirm_platform(
        fabric: Fabric, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    """`deploy --confirm-minutes N`: the Junos device is sent `commit confirmed N`."""
    inventory = fabric.inventory()
    monkeypatch.setenv("NETORCH_USERNAME", "netorch")
    monkeypatch.setenv("NETORCH_PASSWORD", "lab-pass")
    assert cli.main(["deploy", str(inventory), "--commit", "--confirm-minutes", "9"]) == 0
    capsys.readouterr()
    [junos] = [d for d in fabric.sim.devices.values() if d.platform == "juniper_junos"]
    assert [c for c in junos.commands if c.startswith("commit confirmed")] == [
        "commit confirmed 9"]
