"""The benchmarks run: each at a small size, through its documented command, exits 0
and prints its figures (a benchmark broken by a change is found here, not when someone
next measures). The targets themselves are the benchmarks' own business."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netorch import api

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize(("script", "args", "expect"), [
    ("bench_render.py", ["20"], "netorch render overhead"),
    ("bench_pki.py", ["--devices", "30"], "status"),
    ("bench_policy.py", ["--sites", "20", "--repeat", "1"], "policy / none"),
])
def test_a_benchmark_runs_at_a_small_size(script: str, args: list[str], expect: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert expect in done.stdout, done.stdout


@pytest.mark.parametrize("sites", [16, 30, 200])
def test_a_generated_policy_validates_without_findings(tmp_path: Path, sites: int) -> None:
    """`generate.py --policy 50`: no rule shadows another, every selector matches."""
    out = tmp_path / "inventory.yaml"
    done = subprocess.run([sys.executable, str(BENCH / "generate.py"), str(sites), "--form",
                           "file", "--out", str(out), "--policy", "50"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    api.allocate(api.load(out), create=True)
    validation = api.validate(out)
    assert [f.render() for f in validation.findings if not f.is_note] == []
    plan = api.plan(api.load(out))
    assert plan.policy is not None and len(plan.policy.rules) >= 50
