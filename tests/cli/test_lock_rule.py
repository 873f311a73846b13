"""One lock-file rule: only `netorch plan` writes the allocation file. Every other
command reads it and, when it is missing or out of date, refuses with a message naming
`netorch plan` — and leaves the inventory folder exactly as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netorch.cli import main
from netorch.errors import UserError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inventories" / "eastern-region"
LOCK = "allocations.yaml"
REMOVED_SITE = "beds-dunstable.yaml"  # removing a site leaves the lock file out of date


def _commands(inv: Path, tmp: Path) -> dict[str, list[str]]:
    running = tmp / "running"
    running.mkdir(exist_ok=True)
    return {
        "validate": ["validate", str(inv)],
        "render": ["render", str(inv), "--out", str(tmp / "out")],
        "report": ["report", str(inv), "--format", "md"],
        "diff": ["diff", str(inv)],
        "deploy": ["deploy", str(inv), "--commit"],
        "verify": ["verify", str(inv)],
        "rehearse": ["rehearse", str(inv), "--running", str(running)],
        "lab": ["lab", "up", str(inv), "--workdir", str(tmp / "lab")],
    }


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def missing(tmp_path: Path) -> Path:
    inv = tmp_path / "inv"
    shutil.copytree(EXAMPLE, inv)
    (inv / LOCK).unlink()
    return inv


@pytest.fixture
def stale(tmp_path: Path) -> Path:
    inv = tmp_path / "inv"
    shutil.copytree(EXAMPLE, inv)
    (inv / "sites" / REMOVED_SITE).unlink()
    return inv


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETORCH_USERNAME", "nobody")
    monkeypatch.setenv("NETORCH_PASSWORD", "never-used-the-command-refuses-first")
    monkeypatch.setenv("NETORCH_AUDIT_LOG", "/dev/null")


def _refuses(argv: list[str], inv: Path, capsys: pytest.CaptureFixture[str]) -> str:
    before = _snapshot(inv)
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 1, (argv, captured.out, captured.err)
    assert "Traceback" not in captured.out + captured.err
    assert _snapshot(inv) == before, f"{argv[0]} changed the inventory folder"
    return captured.out + captured.err


@pytest.mark.parametrize("command", ["validate", "render", "report", "diff", "deploy",
                                     "verify", "rehearse", "lab"])
def test_without_the_lock_file_every_command_refuses_and_names_plan(
        command: str, missing: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    said = _refuses(_commands(missing, tmp_path)[command], missing, capsys)
    assert f"`netorch plan {missing} --allocate`" in said
    assert not (missing / LOCK).exists()


@pytest.mark.parametrize("command", ["validate", "render", "report", "diff", "deploy",
                                     "verify", "rehearse", "lab"])
def test_with_an_out_of_date_lock_file_every_command_refuses_and_names_plan(
        command: str, stale: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    said = _refuses(_commands(stale, tmp_path)[command], stale, capsys)
    assert "allocations are out of date" in said
    assert f"`netorch plan {stale}`" in said


def test_only_plan_writes_it_and_says_so(missing: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(missing)]) == 1  # a new fabric's file is asked for
    assert "--allocate" in capsys.readouterr().err and not (missing / LOCK).exists()
    assert main(["plan", str(missing), "--allocate", "--out", "/dev/null"]) == 0
    assert f"wrote the allocation file {missing}/{LOCK}" in capsys.readouterr().err
    assert main(["plan", str(missing), "--frozen", "--out", "/dev/null"]) == 0
    assert capsys.readouterr().err == ""
    (missing / "sites" / REMOVED_SITE).unlink()
    before = (missing / LOCK).read_bytes()
    assert main(["plan", str(missing), "--frozen", "--out", "/dev/null"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert (missing / LOCK).read_bytes() == before
    assert main(["plan", str(missing), "--out", "/dev/null"]) == 0
    assert f"updated the allocation file {missing}/{LOCK}" in capsys.readouterr().err
    assert main(["validate", str(missing)]) == 0


def test_the_python_api_never_writes_it_either(missing: Path) -> None:
    """Everything but `api.allocate` reads; `api.validate` plans in memory."""
    from netorch import api

    result = api.validate(missing)
    assert [f.code for f in result.errors] == ["allocations-missing"]
    with pytest.raises(UserError, match="netorch plan"):
        api.plan(api.load(missing))
    assert not (missing / LOCK).exists()
