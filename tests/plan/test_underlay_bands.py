"""More underlays than local-preference bands: refused at the fabric's `underlays:` line,
never rendered as a band shared by two underlays or a negative local-preference."""

from __future__ import annotations

import shutil
from pathlib import Path

from netorch import api

LAB = Path(__file__).resolve().parents[2] / "inventories" / "lab"


def _with_underlays(tmp_path: Path, extra: int) -> Path:
    inv = tmp_path / "lab"
    shutil.copytree(LAB, inv)
    fabric = inv / "fabric.yaml"
    lines = [f"    spare{i}: {{preference: {30 + i}}}" for i in range(extra)]
    text = fabric.read_text().replace(
        '    internet: {preference: 20, description: "internet, encrypted backup"}\n',
        '    internet: {preference: 20, description: "internet, encrypted backup"}\n'
        + "".join(line + "\n" for line in lines))
    fabric.write_text(text)
    return inv


def test_five_underlays_are_refused_at_the_underlays_line(tmp_path: Path) -> None:
    inv = _with_underlays(tmp_path, 3)
    found = [f for f in api.validate(inv).findings if f.code == "too-many-underlays"]
    assert len(found) == 1 and found[0].is_error
    assert found[0].location.file.endswith("fabric.yaml")
    underlays_line = next(i for i, line in enumerate(
        (inv / "fabric.yaml").read_text().splitlines(), 1) if line.strip() == "underlays:")
    # the `underlays:` mapping: its key line, or its first entry where the map places it
    assert found[0].location.line in (underlays_line, underlays_line + 1)
    assert "5 underlays" in found[0].message


def test_four_underlays_are_fine(tmp_path: Path) -> None:
    codes = {f.code for f in api.validate(_with_underlays(tmp_path, 2)).findings}
    assert "too-many-underlays" not in codes
