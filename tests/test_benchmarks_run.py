"""The benchmarks run: each at a small size, through its documented command, exits 0
and prints its figures (a benchmark broken by a change is found here, not when someone
next measures). The targets themselves are the benchmarks' own business."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize(("script", "args", "expect"), [
    ("bench_render.py", ["20"], "netorch render overhead"),
    ("bench_pki.py", ["--devices", "30"], "status"),
])
def test_a_benchmark_runs_at_a_small_size(script: str, args: list[str], expect: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert expect in done.stdout, done.stdout
