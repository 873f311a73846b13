"""The loader: both inventory forms, positions, and YAML that must not crash it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netorch import api
from netorch.findings import InventoryError, Location
from netorch.inventory import InventoryNotFound, load, location_of
from netorch.inventory.model import Inventory
from netorch.inventory.types import parse_duration
from netorch.yamlsource import FileMap, SourceMap, load_file, pack


def _single_file(example: Path, out: Path) -> Path:
    fabric = yaml.safe_load((example / "fabric.yaml").read_text())
    sites = [yaml.safe_load(p.read_text()) for p in sorted((example / "sites").glob("*.yaml"))]
    out.write_text(yaml.safe_dump({**fabric, "sites": sites}, sort_keys=False))
    return out


def test_directory_and_single_file_load_to_equal_models(example_inventory: Path,
                                                        tmp_path: Path) -> None:
    directory = load(example_inventory)
    single = load(_single_file(example_inventory, tmp_path / "inventory.yaml"))
    assert directory.model_dump() == single.model_dump()
    assert len(directory.sites) > 20


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_positions_point_into_the_site_file(example_inventory: Path) -> None:
    inventory = load(example_inventory)
    index = next(i for i, s in enumerate(inventory.sites) if s.name == "dc-north")
    site_file = example_inventory / "sites" / "dc-north.yaml"
    where = location_of(inventory, ("sites", index, "devices", 1, "mgmt"))
    assert where.file == site_file.as_posix()
    assert where.line == _line_of(site_file, "mgmt: 192.0.2.101")
    assert where.column == len("    mgmt: ") + 1
    key = location_of(inventory, ("sites", index, "lan"), key=True)
    assert (key.line, key.column) == (_line_of(site_file, "lan:"), 1)


def test_positions_point_into_fabric_yaml(example_inventory: Path) -> None:
    inventory = load(example_inventory)
    where = location_of(inventory, ("fabric", "pools", "tunnels"))
    fabric = example_inventory / "fabric.yaml"
    assert (where.file, where.line) == (fabric.as_posix(), _line_of(fabric, "tunnels:"))


def test_missing_path_falls_back_to_the_nearest_ancestor(example_inventory: Path) -> None:
    inventory = load(example_inventory)
    deep = location_of(inventory, ("fabric", "pools", "no-such-key", 3))
    assert deep == location_of(inventory, ("fabric", "pools"))


def test_location_of_an_inventory_built_in_python() -> None:
    data = yaml.safe_load((Path(__file__).parent / "minimal.yaml").read_text())
    inventory = Inventory.model_validate(data)
    assert location_of(inventory, ("sites", 0)) == Location("<inventory>", 0, 0)


def test_source_map_picks_the_longest_mounted_prefix() -> None:
    fabric, site = FileMap("fabric.yaml"), FileMap("sites/a.yaml")
    fabric.values[()] = pack(1, 1)
    site.values[("name",)] = pack(1, 7)
    source = SourceMap()
    source.mount((), fabric)
    source.mount(("sites", 4), site)
    assert source.locate(("sites", 4, "name")) == Location("sites/a.yaml", 1, 7)
    assert source.locate(("sites", 5, "name")) == Location("fabric.yaml", 1, 1)
    assert SourceMap().locate(("x",)) == Location("<inventory>", 1, 1)


def test_missing_path_is_not_an_inventory(tmp_path: Path) -> None:
    with pytest.raises(InventoryNotFound, match="no such file or directory"):
        load(tmp_path / "nope")
    with pytest.raises(InventoryNotFound, match=r"has no fabric\.yaml"):
        load(tmp_path)


def test_errors_come_all_at_once_sorted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("fabric: {name: X}\nsites: []\nextra: 1\n")
    with pytest.raises(InventoryError) as caught:
        load(bad)
    rendered = [f.render() for f in caught.value.findings]
    assert rendered == sorted(rendered, key=lambda r: tuple(
        int(p) if p.isdigit() else p for p in r.split(":")[:3]))
    assert len(rendered) >= 3


def _findings(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "f.yaml"
    path.write_text(text)
    return [f.render() for f in load_file(path, "f.yaml")[2]]


@pytest.mark.parametrize(("text", "expected"), [
    ("a: 1\na: 2\n", "f.yaml:2:1: error: duplicate key 'a' (first at f.yaml:1:1)"),
    ("", "f.yaml:1:1: error: file is empty"),
    ("a: 1\n---\nb: 2\n", "f.yaml:3:1: error: expected one YAML document, found several"),
    ("a:\n\tb: 1\n", "f.yaml:2:1: error: YAML does not allow tabs for indentation: use spaces"),
    ("a: *nope\n", "f.yaml:1:4: error: YAML syntax error: found undefined alias 'nope'"),
    ("? [x, y]\n: 1\n", "f.yaml:1:3: error: mapping keys must be plain scalars"),
    ("a: &x [*x]\n", "f.yaml:1:4: error: an alias refers to its own anchor (recursive data "
                     "cannot be an inventory)"),
    ("a: &x {<<: *x}\n", "f.yaml:1:4: error: '<<' merges a mapping into itself"),
])
def test_yaml_problems_become_findings(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in _findings(tmp_path, text)


def test_alias_bomb_is_stopped(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    findings = _findings(tmp_path, "\n".join(lines) + "\n")
    assert findings == ["f.yaml:1:1: error: aliases expand this file to too many values"]


def test_merge_keys_merge_and_own_keys_win(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n")
    data, filemap, findings = load_file(path, "m.yaml")
    assert findings == []
    assert data["use"] == {"x": 1, "y": 3}
    assert filemap.locate(("use", "x")) == Location("m.yaml", 3, 3)  # at its '<<'
    assert filemap.locate(("use", "y")) == Location("m.yaml", 4, 6)


def test_not_utf8_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    result = api.validate(path)
    assert [f.code for f in result.findings] == ["yaml-encoding", "checks-skipped"]


@pytest.mark.parametrize(("text", "seconds"), [("8h", 28800), ("30m", 1800), ("1d", 86400),
                                               (3600, 3600), ("90s", 90)])
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds
