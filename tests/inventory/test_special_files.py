"""What is not a readable site file is an error at its path: never a site that silently
vanishes, never a hang (FIFO), never a traceback, never a whole file quoted back."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from netorch import yamlsource
from netorch.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "eastern-region"


@pytest.fixture
def inventory(example_copy: Path) -> Path:
    return example_copy


def _validate(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list[str]]:
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, [line for line in text.splitlines() if ": error: " in line]


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _folder(p: Path) -> None:
    p.mkdir()


def _dangling(p: Path) -> None:
    p.symlink_to("no-such-site.yaml")


def _loop(p: Path) -> None:
    p.symlink_to(p.name)


def _latin1(p: Path) -> None:
    p.write_bytes("name: Norwich Caf\xe9\n".encode("latin-1"))


def _binary(p: Path) -> None:
    p.write_bytes(bytes(range(256)) * 4)


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (_fifo, "error: the site file must be a regular file, not a FIFO"),
    "folder": (_folder, "error: the site file must be a regular file, not a folder"),
    "dangling-symlink": (_dangling, "error: cannot read the site file: a dangling symbolic "
                         "link"),
    "symlink-loop": (_loop, "error: cannot read the site file: too many levels of symbolic "
                     "links"),
    "not-utf8": (_latin1, "error: not UTF-8 text"),
    "binary": (_binary, "error: not UTF-8 text"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_site_that_cannot_be_read_is_an_error_at_its_path(
        inventory: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    make, message = CASES[case]
    make(inventory / "sites" / "zz-broken.yaml")
    code, errors = _validate(capsys, inventory)
    assert code == 1
    where = (inventory / "sites" / "zz-broken.yaml").as_posix()
    assert len(errors) == 1 and errors[0].startswith(f"{where}:1:1: {message}"), errors


def test_a_sites_entry_that_is_a_file_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv = tmp_path / "inv"
    inv.mkdir()
    shutil.copy(EXAMPLE / "fabric.yaml", inv / "fabric.yaml")
    (inv / "sites").write_text("not a folder\n")
    code, errors = _validate(capsys, inv)
    assert code == 1
    assert errors == [f"{(inv / 'sites').as_posix()}:1:1: error: cannot list the sites "
                      "folder: Not a directory"]


def test_fabric_yaml_that_is_a_fifo_is_an_error_not_a_hang(
        inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (inventory / "fabric.yaml").unlink()
    os.mkfifo(inventory / "fabric.yaml")
    code, errors = _validate(capsys, inventory)
    assert code == 1
    assert errors[0].endswith("fabric.yaml:1:1: error: the fabric file must be a regular "
                              "file, not a FIFO")


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_an_inventory_that_is_a_device_or_fifo_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], special: str) -> None:
    path = Path(special) if special.startswith("/") else tmp_path / special
    if not path.exists():
        os.mkfifo(path)
    code, errors = _validate(capsys, path)
    assert code == 1
    assert len(errors) == 1 and "the inventory file must be a regular file, not a" in errors[0]


def test_an_oversize_inventory_file_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.yaml"
    big.write_text("fabric: " + "x" * 2000 + "\n")
    code, errors = _validate(capsys, big)
    assert code == 1
    assert errors == [f"{big.as_posix()}:1:1: error: the inventory file is too large "
                      "(2009 bytes, at most 1000)"]


def test_a_whole_file_that_is_not_a_mapping_is_described_not_quoted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text_file = tmp_path / "notes.yaml"
    text_file.write_text("Dear\tcolleague, " + "blah " * 20_000)
    code = main(["validate", str(text_file)])
    err = capsys.readouterr()
    out = err.out + err.err
    assert code == 1
    assert "Dear" not in out and "blah" not in out
    line = next(x for x in out.splitlines() if ": error: " in x)
    assert "expected a mapping, got a string of 100015 characters: an inventory file" in line
    assert len(line) < 250


def test_control_characters_are_a_finding_placed_at_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ctrl.yaml"
    path.write_bytes(b"fabric:\n  name: a\x1b[2Jb\n")
    code, errors = _validate(capsys, path)
    assert code == 1
    assert errors == [f"{path.as_posix()}:2:10: error: not YAML text: character '\\x1b' is "
                      "not allowed in YAML"]


def test_an_editors_lock_file_is_not_a_site(inventory: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (inventory / "sites" / ".#norfolk-hq.yaml").symlink_to("root@host.1234:1700000000")
    code, errors = _validate(capsys, inventory)
    assert (code, errors) == (0, [])
