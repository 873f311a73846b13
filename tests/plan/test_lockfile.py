"""The allocation lock file is the only source of addresses: every command but `plan`
refuses without it (or when it is out of date), only `plan` writes it, atomically, and
a truncated or damaged file is an error at its place, never a partial read."""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from netorch import api
from netorch.cli import main
from netorch.errors import UserError
from netorch.findings import InventoryError
from netorch.plan import make_plan
from netorch.plan.allocate import allocations_path
from netorch.plan.lockfile import LockText, missing_error, read_lock
from tests.plan.factory import inventory, site

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventories" / "eastern-region"
MESH = ROOT / "tests" / "fixtures" / "psk-mesh.yaml"
GONE = "norfolk-king-s-lynn"
EPOCH_2026_11_29 = "1795910400"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def unlocked(tmp_path: Path) -> Path:
    """The psk-mesh fixture without its lock file."""
    path = tmp_path / "mesh.yaml"
    shutil.copyfile(MESH, path)
    return path


@pytest.fixture
def example(example_copy: Path) -> Path:
    return example_copy


COMMANDS = {
    "plan": [],
    "render": ["--redact", "--out", "{tmp}/out"],
    "diff": [],
    "deploy": [],
    "verify": [],
    "report": ["--format", "md"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_without_the_lock_file_with_one_message(
        capsys: pytest.CaptureFixture[str], unlocked: Path, command: str) -> None:
    extra = [a.format(tmp=unlocked.parent) for a in COMMANDS[command]]
    code, out, err = run(capsys, command, str(unlocked), *extra)
    message = str(missing_error(allocations_path(unlocked), str(unlocked)))
    assert code == 1 and out == ""
    assert err == f"netorch: error: {message}\n"
    assert "--allocate" in message and "Traceback" not in err
    assert not (unlocked.parent / "out").exists()
    assert not allocations_path(unlocked).exists()


def test_the_api_refuses_without_the_lock_file(unlocked: Path) -> None:
    inv = api.load(unlocked)
    for call in (api.plan, api.plan_result, api.locked_allocations):
        with pytest.raises(UserError, match=r"no allocation file.*--allocate"):
            call(inv)
    with pytest.raises(UserError, match="built in Python has no allocation file"):
        api.plan(inventory([site(1), site(2)]))
    assert not allocations_path(unlocked).exists()


def test_the_lab_plans_with_the_production_lock_file(unlocked: Path) -> None:
    from netorch.lab import pipeline
    from netorch.lab.spec import build_spec

    inv = api.load(unlocked)
    rt = SimpleNamespace(spec=build_spec(inv, "unit"))
    with pytest.raises(UserError, match="no allocation file"):
        pipeline.plan_for(rt, inv)  # type: ignore[arg-type]
    api.allocate(inv, create=True)
    lab = pipeline.plan_for(rt, inv)  # type: ignore[arg-type]
    production = api.plan(inv)
    assert [(t.id, t.a.address) for t in lab.tunnels] == \
        [(t.id, t.a.address) for t in production.tunnels]


def test_lab_up_refuses_without_the_lock_file_before_building_anything(
        monkeypatch: pytest.MonkeyPatch, unlocked: Path) -> None:
    from netorch.lab import api as lab_api

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the lab started building")

    monkeypatch.setattr(lab_api.runtime, "start", never)
    with pytest.raises(UserError, match="no allocation file"):
        lab_api.lab_up(unlocked)


def test_validate_plans_in_memory_and_never_writes(unlocked: Path) -> None:
    """Without a lock file the plan is still checked, and the missing file is an error
    naming `netorch plan` (the one lock-file rule)."""
    result = api.validate(unlocked)
    assert [f.code for f in result.errors] == ["allocations-missing"]
    assert "netorch plan" in result.errors[0].message
    assert not allocations_path(unlocked).exists()


def test_validate_reports_a_damaged_lock_file_as_a_finding(example: Path) -> None:
    lock = example / "allocations.yaml"
    lock.write_text(lock.read_text().replace("100.64.0.2/31", "100.64.0.3/31"))
    result = api.validate(example)
    assert [f.code for f in result.errors] == ["allocations"]
    assert "not aligned" in result.errors[0].message


def test_plan_allocate_creates_the_lock_and_then_every_command_runs(
        capsys: pytest.CaptureFixture[str], unlocked: Path) -> None:
    code, _, err = run(capsys, "plan", str(unlocked), "--allocate")
    assert code == 0 and "wrote the allocation file" in err
    code, _, err = run(capsys, "render", str(unlocked), "--redact", "--out",
                       str(unlocked.parent / "out"))
    assert code == 0, err
    assert not list(unlocked.parent.glob(".*.tmp"))


def test_commands_refuse_an_out_of_date_lock_file(capsys: pytest.CaptureFixture[str],
                                                  example: Path) -> None:
    (example / "sites" / f"{GONE}.yaml").unlink()
    for command, extra in (("render", ["--redact", "--out", str(example.parent / "o")]),
                           ("report", ["--format", "md"]), ("plan", ["--frozen"])):
        code, _, err = run(capsys, command, str(example), *extra)
        assert code == 1 and "allocations are out of date" in err, (command, err)
    with pytest.raises(UserError, match="out of date"):
        api.plan(api.load(example))


def test_plan_retires_released_addresses_dated_by_source_date_epoch(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        example: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_11_29)
    before = read_lock(example / "allocations.yaml", "eastern-region")
    (example / "sites" / f"{GONE}.yaml").unlink()
    code, _, err = run(capsys, "plan", str(example))
    assert code == 0, err
    text = (example / "allocations.yaml").read_text()
    assert "retired:\n  loopbacks:\n    nfk-king-s-lynn-r1: {address: " \
           f"{before.loopbacks['nfk-king-s-lynn-r1']}, released: 2026-11-29}}" in text
    assert text.endswith("end: {loopbacks: 29, tunnels: 180, retired: 9}\n")
    code, _, err = run(capsys, "plan", str(example), "--frozen")
    assert code == 0, err
    assert (example / "allocations.yaml").read_text() == text  # byte-identical replan


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        example: Path) -> None:
    lock = example / "allocations.yaml"
    old = lock.read_text()
    (example / "sites" / f"{GONE}.yaml").unlink()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("netorch.fsio.os.fsync", full)
    code, out, err = run(capsys, "plan", str(example))
    assert code == 1 and out == "" and "Traceback" not in err
    assert "allocations.yaml: cannot write: no space left" in err
    assert lock.read_text() == old
    assert sorted(p.name for p in example.iterdir()) == ["allocations.yaml", "fabric.yaml",
                                                         "pki", "sites"]


def test_an_unwritable_inventory_folder_is_a_clean_error(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        unlocked: Path) -> None:
    real_open = os.open

    def read_only(path: str | Path, flags: int, *args: int, **kwargs: int) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr("netorch.fsio.os.open", read_only)
    code, out, err = run(capsys, "plan", str(unlocked), "--allocate")
    assert code == 1 and out == "" and "Traceback" not in err
    assert "mesh.allocations.yaml: cannot write: Read-only file system" in err
    assert sorted(p.name for p in unlocked.parent.iterdir()) == ["mesh.yaml"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_inventory_folder_is_a_clean_error(
        capsys: pytest.CaptureFixture[str], unlocked: Path) -> None:
    unlocked.parent.chmod(0o555)
    try:
        code, _, err = run(capsys, "plan", str(unlocked), "--allocate")
    finally:
        unlocked.parent.chmod(0o755)
    assert code == 1 and "cannot write: Permission denied" in err and "Traceback" not in err


# --- damaged and truncated files ---------------------------------------------------------

DAY0 = date(2026, 11, 29)


def small_lock() -> str:
    """A version 2 lock file with held and retired entries of both kinds."""
    sites = [site(1), site(2, devices=2), site(3)]
    first = make_plan(inventory(sites, tunnels="100.64.0.0/24", loopbacks="100.65.0.0/26"))
    second = make_plan(inventory(sites[:2], tunnels="100.64.0.0/24",
                                 loopbacks="100.65.0.0/26"), first.allocations, today=DAY0)
    return LockText("test", second.allocations).render()


SMALL = small_lock()


def read(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "allocations.yaml"
    if isinstance(text, str):
        path.write_text(text)
    else:
        path.write_bytes(text)
    with pytest.raises(InventoryError) as info:
        read_lock(path, "test")
    return [f.render().replace(path.as_posix(), "FILE") for f in info.value.findings]


def test_the_small_lock_file_reads_back_to_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "allocations.yaml"
    path.write_text(SMALL)
    assert "retired:\n  loopbacks:\n    s3-r1: {address: 100.65.0.4/32, released: 2026-11-29}" \
        in SMALL
    assert LockText("test", read_lock(path, "test")).render() == SMALL


def test_every_truncation_is_an_error(tmp_path: Path) -> None:
    """Cut after any byte (mid-entry, mid-line or at a line end): never a partial read."""
    data = SMALL.encode()
    for end in range(len(data)):
        assert read(tmp_path, data[:end]), f"accepted a file cut after {end} bytes"


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


DAMAGE: dict[str, tuple[Callable[[str], str], str]] = {
    "unknown-key": (lambda t: t.replace("tunnels:\n", "extra: 1\ntunnels:\n", 1),
                    r"unknown key 'extra'"),
    "other-fabric": (lambda t: t.replace("fabric: test", "fabric: other"),
                     r"belongs to fabric 'other', not 'test'"),
    "bad-device-name": (lambda t: t.replace("  s1-r1: ", "  S1_R1: "),
                        r"'S1_R1' is not a device name"),
    "boolean-key": (lambda t: t.replace("  s1-r1: ", "  yes: "), r"'True' is not a device"),
    "bad-tunnel-id": (lambda t: t.replace("s1-r1--s2-r1--private", "s1-r1-s2-r1"),
                      r"'s1-r1-s2-r1' is not a tunnel id"),
    "not-an-address": (lambda t: t.replace("100.64.0.0/31", "hello"),
                       r"'hello' is not an address"),
    "no-length": (lambda t: t.replace("100.64.0.0/31", "100.64.0.0"),
                  r"100.64.0.0 must be a /31"),
    "tunnel-as-30": (lambda t: t.replace("100.64.0.0/31", "100.64.0.0/30"), r"must be a /31"),
    "loopback-as-31": (lambda t: t.replace("100.65.0.1/32", "100.65.0.2/31"),
                       r"must be a /32"),
    "misaligned": (lambda t: t.replace("100.64.0.0/31", "100.64.0.1/31"), r"not aligned"),
    "outside-pool": (lambda t: t.replace("100.64.0.0/31", "10.0.0.0/31"),
                     r"outside the pool 100.64.0.0/24"),
    "pool-network": (lambda t: t.replace("100.65.0.1/32", "100.65.0.0/32"),
                     r"network address, never allocated"),
    "held-twice": (lambda t: t.replace("100.64.0.2/31", "100.64.0.0/31"), r"held twice"),
    "retired-held": (lambda t: t.replace("{address: 100.65.0.4/32", "{address: 100.65.0.1/32"),
                     r"held twice"),
    "both-held-and-retired": (lambda t: t.replace("    s3-r1: {", "    s1-r1: {"),
                              r"'s1-r1' is both held and retired"),
    "retired-no-date": (lambda t: t.replace(", released: 2026-11-29}", "}", 1),
                        r"a retired entry is \{address"),
    "retired-bad-date": (lambda t: t.replace("released: 2026-11-29", "released: soon", 1),
                         r"'soon' is not a date"),
    "end-counts": (lambda t: t.replace("retired: 3}", "retired: 4}"), r"the end marker says"),
    "end-not-last": (lambda t: t.replace("retired:\n", "end: {}\nretired:\n").rsplit(
        "end: {loopbacks", 1)[0], r"'end' must be the last"),
    "version": (lambda t: t.replace("version: 2", "version: 3"), r"version 3"),
    "pools-missing-loopbacks": (lambda t: t.replace(", loopbacks: 100.65.0.0/26}", "}"),
                                r"'pools' must be"),
    "no-tunnels-section": (lambda t: re.sub(r"tunnels:\n(  .*\n)+", "", t, count=1),
                           r"'tunnels' is missing"),
    "legacy-without-tunnels": (lambda t: re.sub(r"tunnels:\n(  .*\n)+", "", t.replace(
        "version: 2\n", "")).split("retired:")[0], r"'tunnels' is missing"),
    "duplicate-key": (lambda t: t.replace("  s1-r1: 100.65.0.1/32\n",
                                          "  s1-r1: 100.65.0.1/32\n  s1-r1: 100.65.0.1/32\n"),
                      r"duplicate key 's1-r1'"),
    "tab": (lambda t: t.replace("  s1-r1", "\ts1-r1"), r"tabs"),
    "a-list": (lambda t: "- 1\n- 2\n", r"not an allocation file"),
    "empty": (lambda t: "", r"empty"),
    "comments-only": (lambda t: "# nothing\n", r"empty"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_a_damaged_lock_file_is_an_error_at_its_place(tmp_path: Path, case: str) -> None:
    damage, expected = DAMAGE[case]
    text = damage(SMALL)
    assert text != SMALL
    errors = read(tmp_path, text)
    assert any(re.search(expected, e) for e in errors), errors
    assert all(re.match(r"FILE:\d+:\d+: error: ", e) for e in errors), errors


def test_errors_point_at_the_damaged_line(tmp_path: Path) -> None:
    text = SMALL.replace("100.64.0.2/31", "100.64.0.3/31")
    [message] = read(tmp_path, text)
    assert message.startswith(f"FILE:{line_of(text, '100.64.0.3/31')}:")


def test_a_non_utf8_or_special_lock_file_is_a_clean_error(tmp_path: Path) -> None:
    assert any("UTF-8" in e for e in read(tmp_path, b"fabric: \xff\xfe\n"))
    folder = tmp_path / "dir"
    (folder / "allocations.yaml").mkdir(parents=True)
    with pytest.raises(UserError, match="must be a regular file"):
        read_lock(folder / "allocations.yaml", "test")


def test_the_cli_shows_a_damaged_lock_file_as_file_line_col(
        capsys: pytest.CaptureFixture[str], example: Path) -> None:
    lock = example / "allocations.yaml"
    text = lock.read_text()
    lock.write_text(text[:text.index("dcn-r1--dcs-fw1--internet") + 10])
    for command in ("plan", "render", "report"):
        extra = ["--format", "md"] if command == "report" else []
        code, out, err = run(capsys, command, str(example), *extra)
        assert code == 1 and out == "" and "Traceback" not in err
        assert re.search(r"allocations\.yaml:\d+:\d+: error: ", err), err


@pytest.mark.parametrize("name", ["yes", "null", "on", "123", "0x1f", "2026-11-29"])
def test_names_yaml_would_read_as_something_else_round_trip(tmp_path: Path, name: str
                                                            ) -> None:
    from netorch.plan.allocate import Allocations, Retired

    allocations = Allocations({name: "100.65.0.1/32"}, {f"{name}--b--private": "100.64.0.0/31"},
                              {"b": Retired("100.65.0.2/32", DAY0)}, {},
                              ("100.64.0.0/24", "100.65.0.0/26"))
    path = tmp_path / "allocations.yaml"
    path.write_text(LockText("test", allocations).render())
    assert read_lock(path, "test") == allocations
