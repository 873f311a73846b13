"""The error corpus: each bad inventory and the exact `netorch validate` output it gives.

A case is a folder `tests/errors/<case>/` holding either an inventory in directory form
(`fabric.yaml` + `sites/`) or one file `<case>.yaml`, plus `<case>.log`: the text output
of `netorch validate`, run with tests/errors as the working directory. On a mismatch the
test writes `<case>.actual` beside the log for review; `NETORCH_UPDATE_GOLDEN=1` rewrites
the logs instead (read every changed log before committing it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netorch.cli import main

CORPUS = Path(__file__).parent
UPDATE = os.environ.get("NETORCH_UPDATE_GOLDEN") == "1"


def _cases() -> list[str]:
    return sorted(d.name for d in CORPUS.iterdir()
                  if (d / "fabric.yaml").is_file() or (d / f"{d.name}.yaml").is_file())


def _target(case: str) -> str:
    single = Path(case) / f"{case}.yaml"
    return single.as_posix() if (CORPUS / single).is_file() else case


def _validate(case: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["validate", _target(case), "--format", "text", *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, captured.out


def test_corpus_is_large_enough() -> None:
    assert len(_cases()) >= 35


@pytest.mark.parametrize("case", _cases())
def test_error_case(case: str, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    code, out = _validate(case, capsys)
    log, actual = CORPUS / case / f"{case}.log", CORPUS / case / f"{case}.actual"
    if UPDATE:
        log.write_text(out, encoding="utf-8")
    expected = log.read_text(encoding="utf-8") if log.exists() else ""
    if out != expected:
        actual.write_text(out, encoding="utf-8")
        pytest.fail(f"output differs from {log.name}; see {actual.relative_to(CORPUS)}\n{out}")
    actual.unlink(missing_ok=True)
    has_errors = ": error: " in out
    assert out.strip(), "validate printed nothing"
    assert code == (1 if has_errors else 0)
    if not has_errors:
        strict_code, strict_out = _validate(case, capsys, "--strict")
        assert (strict_code, strict_out) == (1, out)
