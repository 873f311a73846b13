"""Formats: goldens, determinism, self-containment, no secrets, the CLI."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest

from netorch import api, cli
from netorch.keys import Secret
from netorch.report import FORMATS, Report, make_report, render
from tests.report.conftest import EXAMPLE, FIXED_TIME

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_FORMATS = ("md", "json", "dot", "mermaid")
SUFFIX = {"md": "md", "json": "json", "dot": "dot", "mermaid": "mmd"}


@pytest.mark.parametrize("fmt", GOLDEN_FORMATS)
def test_golden(example: Report, fmt: str) -> None:
    """On mismatch the output is written beside the golden as `.actual`, for review."""
    golden = GOLDEN / f"eastern-region.{SUFFIX[fmt]}"
    actual = render(example, fmt)
    if golden.read_text(encoding="utf-8") != actual:
        golden.with_name(golden.name + ".actual").write_text(actual, encoding="utf-8")
        diff = difflib.unified_diff(golden.read_text(encoding="utf-8").splitlines(),
                                    actual.splitlines(), str(golden), "actual", lineterm="")
        pytest.fail("\n".join(list(diff)[:80]))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_byte_identical_twice(at_root: Path, fmt: str) -> None:
    first = render(make_report(api.load(EXAMPLE), generated_at=FIXED_TIME), fmt)
    second = render(make_report(api.load(EXAMPLE), generated_at=FIXED_TIME), fmt)
    assert first.encode() == second.encode()


def test_html_is_self_contained(example: Report) -> None:
    html = render(example, "html")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.IGNORECASE)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html  # the browser refuses any load
    assert html.count('class="node site') == len(example.sites)
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


def test_no_key_in_any_format(at_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "correct-horse-battery-staple-0123456789"
    monkeypatch.setenv("NETORCH_SECRET", secret)
    inventory = api.load(EXAMPLE)
    plan = api.plan(inventory)
    refs = {t.id for t in plan.tunnels} | {t.key_ref for t in plan.tunnels if t.key_ref}
    keys = [Secret(secret.encode()).derive(plan.fabric.name, ref) for ref in sorted(refs)]
    assert len(keys) >= len(plan.tunnels)
    report = make_report(inventory, generated_at=FIXED_TIME)
    for fmt in FORMATS:
        text = render(report, fmt)
        assert secret not in text
        leaked = [k for k in keys if k in text or k[:16] in text]
        assert leaked == [], f"{fmt} holds derived keys"


def test_json_is_versioned_and_matches_the_model(example: Report) -> None:
    data = json.loads(render(example, "json"))
    assert (data["kind"], data["schema_version"]) == ("netorch-report", "1.3")
    assert Report.model_validate(data) == example


def test_source_date_epoch_fixes_the_time(at_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    report = make_report(api.load(EXAMPLE))
    assert report.provenance.generated_at == FIXED_TIME


def test_cli_writes_each_format(at_root: Path, tmp_path: Path) -> None:
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        code = cli.main(["report", EXAMPLE, "--format", fmt, "--out", str(out),
                         "--generated-at", FIXED_TIME])
        assert code == 0
        assert out.stat().st_size > 1000 or fmt == "mermaid"
    golden = (GOLDEN / "eastern-region.md").read_text(encoding="utf-8")
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == golden


def test_cli_usage_errors(at_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", EXAMPLE]) == 2  # --format is required
    assert cli.main(["report", EXAMPLE, "-f", "pdf"]) == 2
    assert cli.main(["report", "no/such/inventory", "-f", "md"]) == 2
    assert cli.main(["report", EXAMPLE, "-f", "md", "--generated-at", "soon"]) == 2
    assert "not a time" in capsys.readouterr().err


def test_cli_rejects_a_broken_state_file(at_root: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "verify.json"
    state.write_text("{not json")
    assert cli.main(["report", EXAMPLE, "-f", "json", "--state", str(state)]) == 1
    assert "not JSON" in capsys.readouterr().err
