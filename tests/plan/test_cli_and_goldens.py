"""`netorch plan` on the example inventory: reviewed goldens, allocation file rules."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from netorch.cli import main
from netorch.plan.lockfile import read_lock

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventories" / "eastern-region"
GOLDEN = Path(__file__).parent / "golden"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("fmt", "golden"), [("table", "eastern-region.txt"),
                                             ("json", "eastern-region.json")])
def test_example_plan_matches_reviewed_golden(capsys, monkeypatch, fmt, golden) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "plan", "inventories/eastern-region", "--frozen", "-f", fmt)
    assert code == 0, err
    expected = (GOLDEN / golden).read_text()
    if out != expected:
        (GOLDEN / f"{golden}.actual").write_text(out)
        diff = "".join(difflib.unified_diff(expected.splitlines(True), out.splitlines(True),
                                            golden, f"{golden}.actual", n=2))
        pytest.fail(f"plan differs from the reviewed golden:\n{diff[:5000]}")


def test_missing_allocation_file_is_a_clear_error_not_a_renumbering(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    inv = tmp_path / "inv"
    shutil.copytree(EXAMPLE, inv)
    (inv / "allocations.yaml").unlink()
    code, out, err = run(capsys, "plan", str(inv))
    assert code == 1 and out == ""
    assert "allocations.yaml: no allocation file" in err and "--allocate" in err
    assert "Traceback" not in err
    code, out, err = run(capsys, "plan", str(inv), "--allocate", "-f", "json")
    assert code == 0
    fresh = read_lock(inv / "allocations.yaml", "eastern-region")
    assert fresh == read_lock(EXAMPLE / "allocations.yaml", "eastern-region")


def test_removing_a_site_releases_only_its_addresses(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    inv = tmp_path / "inv"
    shutil.copytree(EXAMPLE, inv)
    before = read_lock(inv / "allocations.yaml", "eastern-region")
    (inv / "sites" / "norfolk-king-s-lynn.yaml").unlink()
    code, _, err = run(capsys, "plan", str(inv), "--frozen")
    assert code == 1 and "out of date" in err
    code, _, err = run(capsys, "plan", str(inv))
    assert code == 0 and "updated" in err
    after = read_lock(inv / "allocations.yaml", "eastern-region")
    gone = {k for k in before.tunnels if "nfk-king-s-lynn-r1" in k}
    assert gone and set(after.tunnels) == set(before.tunnels) - gone
    assert all(after.tunnels[k] == before.tunnels[k] for k in after.tunnels)
    assert "nfk-king-s-lynn-r1" not in after.loopbacks
    assert all(after.loopbacks[k] == before.loopbacks[k] for k in after.loopbacks)


def test_plan_of_an_invalid_inventory_exits_1_with_findings(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    inv = tmp_path / "inv"
    shutil.copytree(EXAMPLE, inv)
    fabric = inv / "fabric.yaml"
    fabric.write_text(fabric.read_text().replace("hubs: [dc-north, dc-south]",
                                                 "hubs: [dc-north, dc-sout]"))
    code, out, err = run(capsys, "plan", str(inv))
    assert code == 1 and out == ""
    assert "fabric.yaml:10:" in err and "dc-sout" in err and "dc-south" in err
