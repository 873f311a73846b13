"""Benchmark validate + plan: how time and memory grow with the fabric.

    python benchmarks/bench_plan.py            # the issue's cases and a growth table
    python benchmarks/bench_plan.py --quick    # small cases only

Each case runs in a fresh Python process (clean peak-RSS figure) on a synthetic
inventory from benchmarks/generate.py: load + check (validate) + plan, then the
plan serialised to JSON, as `netorch plan --format json` does.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from netorch import api

sys.path.insert(0, str(Path(__file__).parent))
import generate

CASES = [  # (label, sites, topology, target seconds)
    ("hub-and-spoke", 100, "hub-and-spoke", None),
    ("hub-and-spoke", 300, "hub-and-spoke", None),
    ("hub-and-spoke", 1000, "hub-and-spoke", 2.0),
    ("hub-and-spoke", 3000, "hub-and-spoke", None),
    ("hub-and-spoke", 10000, "hub-and-spoke", 20.0),
    ("full-mesh", 50, "full-mesh", None),
    ("full-mesh", 200, "full-mesh", 5.0),
]


def write_inventory(n: int, kind: str, out: Path) -> Path:
    fabric = generate.fabric()
    fabric["topology"] = {"kind": kind} if kind == "full-mesh" else fabric["topology"]
    fabric["pools"]["tunnels"] = "100.0.0.0/10" if kind == "full-mesh" else "100.64.0.0/13"
    data = {"fabric": fabric, "sites": generate.sites(n)}
    out.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=120))
    return out


def measure(path: str) -> dict[str, float]:
    """In this process: validate (load + check + plan) and the plan's JSON."""
    generate.lock(Path(path))
    start = time.perf_counter()
    inventory = api.load(path)
    findings = api.check(inventory)
    loaded = time.perf_counter()
    result = api.plan_result(inventory)
    planned = time.perf_counter()
    assert result.plan is not None and not [f for f in findings if f.is_error], findings[:3]
    text = result.plan.model_dump_json()
    done = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"validate_s": loaded - start, "plan_s": planned - loaded, "json_s": done - planned,
            "total_s": done - start, "tunnels": len(result.plan.tunnels),
            "json_mb": len(text) / 1e6, "peak_rss_mb": rss}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return 0
    cases = [c for c in CASES if not args.quick or c[1] <= 1000]
    print(f"{'topology':14} {'sites':>6} {'tunnels':>8} {'validate':>9} {'plan':>7} "
          f"{'json':>6} {'total':>7} {'target':>7} {'peak RSS':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, n, kind, target in cases:
            inv = write_inventory(n, kind, Path(tmp) / f"{kind}-{n}.yaml")
            out = subprocess.run([sys.executable, __file__, "--child", str(inv)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            goal = f"≤{target:g}s" if target else ""
            print(f"{label:14} {n:>6} {r['tunnels']:>8} {r['validate_s']:>8.2f}s "
                  f"{r['plan_s']:>6.2f}s {r['json_s']:>5.2f}s {r['total_s']:>6.2f}s "
                  f"{goal:>7} {r['peak_rss_mb']:>7.0f}MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
