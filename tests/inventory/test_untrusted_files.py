"""Site files come from other agencies: a file is read only from inside the inventory, a
whole file is never quoted back, each site sits in the file named after it, and an entry
of `sites/` that only looks like a site file is an error, never a silently missing site."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from netorch.cli import main
from netorch.errors import UserError
from netorch.fsio import ReadRefused, read_regular
from netorch.inventory import load
from netorch.plan.lockfile import read_lock

EXAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "eastern-region"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SECRET = "Zm9vYmFyLXNlY3JldC10aGF0LWlzLWxvbmctZW5vdWdo-k7Qw"
OUTSIDE = "resolves, through a symbolic link, to a file outside the inventory folder"


@pytest.fixture
def inventory(example_copy: Path) -> Path:
    return example_copy


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, text


def _errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": error: " in line]


# --------------------------------------------------------------------------- links out


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_a_site_file_linked_to_the_secret_is_refused_unread(
        inventory: Path, secret: Path, capsys: pytest.CaptureFixture[str],
        relative: bool) -> None:
    link = inventory / "sites" / "zz.yaml"
    link.symlink_to(os.path.relpath(secret, link.parent) if relative else secret)
    code, text = _run(capsys, "render", str(inventory), "--secret-file", str(secret),
                      "--out", str(inventory.parent / "out"))
    assert code == 1
    assert SECRET[:8] not in text
    assert _errors(text) == [f"{link.as_posix()}:1:1: error: the site file {OUTSIDE}: "
                             "netorch reads nothing from outside it (copy the file in if it "
                             "belongs to the inventory)"]


def test_fabric_yaml_linked_outside_is_refused_unread(
        inventory: Path, secret: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (inventory / "fabric.yaml").unlink()
    (inventory / "fabric.yaml").symlink_to(secret)
    code, text = _run(capsys, "validate", str(inventory))
    assert code == 1
    assert SECRET[:8] not in text
    assert _errors(text)[0].startswith(f"{(inventory / 'fabric.yaml').as_posix()}:1:1: "
                                       f"error: the fabric file {OUTSIDE}")


def test_a_sites_folder_linked_outside_is_refused_file_by_file(
        inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    (inventory / "sites").rename(elsewhere)
    (inventory / "sites").symlink_to(elsewhere)
    code, text = _run(capsys, "validate", str(inventory))
    assert code == 1
    errors = _errors(text)
    assert len(errors) == len(list(elsewhere.glob("*.yaml"))) > 20
    assert all(OUTSIDE in e for e in errors)


def test_a_link_inside_the_inventory_is_still_allowed(
        inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared = inventory / "shared"
    shared.mkdir()
    (inventory / "sites" / "dc-north.yaml").rename(shared / "dc-north.yaml")
    (inventory / "sites" / "dc-north.yaml").symlink_to("../shared/dc-north.yaml")
    assert _run(capsys, "validate", str(inventory))[0] == 0
    assert "dc-north" in [s.name for s in load(inventory).sites]


def test_an_inventory_that_is_itself_a_link_reads_its_own_files(
        inventory: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(inventory)
    assert len(load(alias).sites) == len(load(inventory).sites)


def test_a_file_swapped_for_a_link_after_the_check_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What was opened is checked too, not only the name beforehand."""
    inside = tmp_path / "inv"
    inside.mkdir()
    (inside / "x.yaml").write_text("a: 1\n")
    monkeypatch.setattr("netorch.fsio._opened_path", lambda fd, path: "/etc/passwd")
    with pytest.raises(ReadRefused, match="outside the inventory folder"):
        read_regular(inside / "x.yaml", limit=100, what="site file", inside=inside.resolve())


# --------------------------------------------------------------------------- lock file


def _psk_dir(tmp_path: Path) -> Path:
    """The psk-mesh fixture in directory form (allocations beside it)."""
    data = yaml.safe_load((FIXTURES / "psk-mesh.yaml").read_text())
    inv = tmp_path / "psk"
    (inv / "sites").mkdir(parents=True)
    (inv / "fabric.yaml").write_text(yaml.safe_dump({"fabric": data["fabric"]}))
    for site in data["sites"]:
        (inv / "sites" / f"{site['name']}.yaml").write_text(yaml.safe_dump(site))
    shutil.copy(FIXTURES / "psk-mesh.allocations.yaml", inv / "allocations.yaml")
    return inv


@pytest.mark.parametrize("command", [["render", "--redact", "--out", "OUT"],
                                     ["report", "--format", "md"], ["plan"]])
def test_a_lock_file_linked_outside_is_refused_unread(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    inv = _psk_dir(tmp_path)
    foreign = tmp_path / "foreign.yaml"
    foreign.write_text(f"version: 2\nfabric: {SECRET}\n")
    (inv / "allocations.yaml").unlink()
    (inv / "allocations.yaml").symlink_to(foreign)
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    code, text = _run(capsys, argv[0], str(inv), *argv[1:])
    assert code == 1
    assert SECRET[:8] not in text
    assert f"{(inv / 'allocations.yaml').as_posix()}: the allocation file {OUTSIDE}" in text


def test_a_lock_file_linked_inside_its_folder_is_read(tmp_path: Path) -> None:
    inv = _psk_dir(tmp_path)
    (inv / "locks").mkdir()
    (inv / "allocations.yaml").rename(inv / "locks" / "allocations.yaml")
    (inv / "allocations.yaml").symlink_to("locks/allocations.yaml")
    assert read_lock(inv / "allocations.yaml", "psk-mesh").tunnels


def test_read_lock_refuses_a_link_out_of_its_folder(tmp_path: Path) -> None:
    inv = _psk_dir(tmp_path)
    (inv / "allocations.yaml").rename(tmp_path / "moved.yaml")
    (inv / "allocations.yaml").symlink_to(tmp_path / "moved.yaml")
    with pytest.raises(UserError, match="outside the inventory folder"):
        read_lock(inv / "allocations.yaml", "psk-mesh")


# --------------------------------------------------------------------------- not a mapping


@pytest.mark.parametrize(("content", "said"), [
    (SECRET + "\n", f"a string of {len(SECRET)} characters"),
    ("- a\n- b\n- c\n", "a list of 3 items"),
    ("[x]\n", "a list of 1 item"),
    ("123456789012345678\n", "a number"),
    ("true\n", "a boolean"),
    ("2024-05-01\n", "a single value"),
])
def test_a_whole_file_that_is_not_a_mapping_is_described_never_quoted(
        inventory: Path, capsys: pytest.CaptureFixture[str], content: str, said: str) -> None:
    (inventory / "sites" / "zz.yaml").write_text(content)
    code, text = _run(capsys, "validate", str(inventory))
    assert code == 1
    assert _errors(text) == [f"{(inventory / 'sites' / 'zz.yaml').as_posix()}:1:1: error: "
                             f"expected a mapping, got {said}: a site file holds one site"]
    assert content.strip()[:6] not in text.replace(said, "")


def test_shape_names_no_content() -> None:
    from netorch.inventory.errors import shape  # new in this change

    assert shape("x" * 1000) == "a string of 1000 characters"
    assert shape([]) == "a list of 0 items"
    assert shape(3.5) == "a number"


# --------------------------------------------------------------------------- site file names


def test_a_site_in_a_file_not_named_after_it_is_an_error_at_its_name(
        inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The hub squat: a file of another agency claiming a hub's name (the hub's own file
    not there yet) would get every spoke's tunnel."""
    (inventory / "sites" / "dc-north.yaml").rename(inventory / "sites" / "herts-new.yaml")
    code, text = _run(capsys, "validate", str(inventory))
    assert code == 1
    assert _errors(text) == [
        f"{(inventory / 'sites' / 'herts-new.yaml').as_posix()}:2:7: error: site 'dc-north' "
        "is in file herts-new.yaml: a site file is named after its site; rename the file to "
        "dc-north.yaml"]


def test_a_site_file_may_end_in_yml(inventory: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    (inventory / "sites" / "dc-north.yaml").rename(inventory / "sites" / "dc-north.yml")
    assert _run(capsys, "validate", str(inventory))[0] == 0


def test_a_single_file_inventory_has_no_site_files_to_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    single = tmp_path / "anything.yaml"
    shutil.copy(FIXTURES / "psk-mesh.yaml", single)
    shutil.copy(FIXTURES / "psk-mesh.allocations.yaml", tmp_path / "anything.allocations.yaml")
    assert _run(capsys, "validate", str(single))[0] == 0


def test_a_hub_with_no_site_is_an_error(inventory: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (inventory / "sites" / "dc-south.yaml").unlink()
    code, text = _run(capsys, "validate", str(inventory))
    assert code == 1
    assert any("hub 'dc-south' is not a site" in e and "fabric.yaml" in e
               for e in _errors(text))


def test_every_committed_site_file_is_named_after_its_site() -> None:
    root = Path(__file__).resolve().parents[2]
    for inventory in sorted((root / "inventories").iterdir()):
        for i, site in enumerate(load(inventory).sites):
            assert f"{site.name}.yaml" in {p.name for p in (inventory / "sites").iterdir()}, \
                (inventory, i)


# --------------------------------------------------------------------------- lookalikes

LOOKALIKES = {
    "upper-case": ("beds-hq.YAML", "beds-hq.yaml"),
    "mixed-case-yml": ("beds-hq.Yml", "beds-hq.yml"),
    "trailing-space": ("beds-luton.yaml ", "beds-luton.yaml"),
    "trailing-dot": ("x.yml.", "x.yml"),
    "trailing-dots-and-tab": ("x.yaml..\t", "x.yaml"),
    "zero-width-tail": ("x.yaml\u200b", "x.yaml"),
    "fullwidth": ("x\uff0e\uff59\uff41\uff4d\uff4c", "x.yaml"),
}


@pytest.mark.parametrize("case", sorted(LOOKALIKES))
def test_a_name_that_only_looks_like_a_site_file_is_an_error_at_it(
        inventory: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    name, meant = LOOKALIKES[case]
    (inventory / "sites" / name).write_text("whatever: 1\n")
    code, text = _run(capsys, "validate", str(inventory))
    assert code == 1
    [line] = _errors(text)
    assert line.startswith(f"{(inventory / 'sites').as_posix()}/")
    assert line.endswith(":1:1: error: not read as a site file: its name must end in exactly "
                         "'.yaml' or '.yml' (lower case, nothing after it); rename it to "
                         f"'{meant}'")


@pytest.mark.parametrize("name", [".#beds-hq.yaml", ".beds-hq.yaml.swp", ".beds-hq.YAML",
                                  "beds-hq.yaml~", "beds-hq.yaml.bak", "README.md", "notes"])
def test_hidden_backup_and_other_files_are_skipped(
        inventory: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    (inventory / "sites" / name).write_text("not: [a site\n")
    assert _run(capsys, "validate", str(inventory))[0] == 0


@pytest.mark.parametrize("content", [SECRET + "\n", f'{{"tunnels": "{SECRET}"}}',
                                     f'["{SECRET}"]', f'{{"a": 1}} {SECRET}'])
def test_a_state_file_that_is_not_verify_output_is_not_echoed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    """`--state` names any file: a wrong one (the secret, foreign JSON) is an error that
    says where and what is wrong, never what it holds."""
    inv = _psk_dir(tmp_path)
    state = tmp_path / "state.json"
    state.write_text(content)
    code, text = _run(capsys, "report", str(inv), "--format", "md", "--state", str(state))
    assert code == 1
    assert text.startswith(f"netorch: error: {state.as_posix()}")
    assert SECRET[:8] not in text
