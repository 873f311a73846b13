"""`netorch validate` and `netorch schema` as a user and a CI job run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netorch.cli import app, main

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "errors"
WARNINGS_ONLY = CORPUS / "psk-with-ncsc-profile" / "psk-with-ncsc-profile.yaml"
FORMATS = ["text", "json", "junit", "sarif"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_inventory_exits_0(capsys: pytest.CaptureFixture[str],
                                 example_inventory: Path) -> None:
    code, out, _ = _run(capsys, "validate", str(example_inventory))
    assert (code, out) == (0, f"{example_inventory.as_posix()}: valid, no findings\n")


def test_errors_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "validate", str(CORPUS / "several-errors"))
    assert code == 1
    assert out.splitlines()[-1].endswith("several-errors: 7 errors, 1 warning, 1 note")


def test_warnings_exit_0_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "validate", str(WARNINGS_ONLY))[0] == 0
    assert _run(capsys, "validate", "--strict", str(WARNINGS_ONLY))[0] == 1


@pytest.mark.parametrize("args", [["validate", "/no/such/inventory"],
                                  ["validate"],
                                  ["validate", "--bogus", "x"],
                                  ["validate", "--format", "xml", "x"]])
def test_wrong_usage_exits_2_with_a_message(capsys: pytest.CaptureFixture[str],
                                            args: list[str]) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 2
    assert err.strip()
    assert "Traceback" not in out + err


def test_missing_path_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = _run(capsys, "validate", "/no/such/inventory")
    assert "/no/such/inventory" in err


def test_directory_without_fabric_yaml_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    code, _, err = _run(capsys, "validate", str(tmp_path))
    assert code == 2
    assert "fabric.yaml" in err


def _corpus_inputs() -> list[Path]:
    out = []
    for case in sorted(d for d in CORPUS.iterdir() if d.is_dir()):
        single = case / f"{case.name}.yaml"
        out.append(single if single.is_file() else case)
    return [p for p in out if p.is_file() or (p / "fabric.yaml").is_file()]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_traceback_for_any_corpus_input(fmt: str) -> None:
    """Through the typer app itself (CliRunner): an uncaught exception would surface here."""
    inputs = _corpus_inputs()
    assert len(inputs) >= 35
    runner = CliRunner()
    for path in inputs:
        result = runner.invoke(app, ["validate", "--format", fmt, str(path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), path
        assert result.exit_code in (0, 1), path
        assert result.stdout and "Traceback" not in result.output, path


def test_out_writes_the_file_and_only_when_changed(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    target = tmp_path / "report" / "findings.json"
    assert _run(capsys, "validate", "-f", "json", "--out", str(target),
                str(CORPUS / "several-errors"))[:2] == (1, "")
    doc = json.loads(target.read_text())
    assert doc["summary"] == {"errors": 7, "warnings": 1, "notes": 1}
    before = target.stat().st_mtime_ns
    _run(capsys, "validate", "-f", "json", "--out", str(target), str(CORPUS / "several-errors"))
    assert target.stat().st_mtime_ns == before


def test_cli_runner_sees_the_same(example_inventory: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(example_inventory)])
    assert result.exit_code == 0
    assert "valid, no findings" in result.output


@pytest.mark.parametrize("part", ["inventory", "fabric", "site"])
def test_committed_schemas_match_the_model(capsys: pytest.CaptureFixture[str],
                                           part: str) -> None:
    code, out, _ = _run(capsys, "schema", "--part", part)
    assert code == 0
    committed = (REPO / "schemas" / f"{part}.schema.json").read_text(encoding="utf-8")
    assert out == committed, f"regenerate: netorch schema --part {part} > schemas/..."
