"""Benchmark: what a segmentation policy costs validate + plan + render.

    python benchmarks/bench_policy.py                        # 1,000 and 10,000 sites, 50 rules
    python benchmarks/bench_policy.py --sites 1000 --rules 50 --repeat 5

Per size, two inventories from benchmarks/generate.py: the flat fabric, and the same
fabric with an N-rule policy (`generate.py --policy N`). Each run is a fresh process
that does what `netorch validate` then `netorch render` do, through the API:
`api.validate` (load, checks, the plan and its hub-path check, the lock file), then
`api.plan_result` and `api.render` of every device (redacted, in memory). The best run
(wall time of the three stages) is shown, with the process's CPU time (start-up
included) and peak RSS. A run that fails (say out of memory: `--max-memory`) shows the
stages it finished and why it stopped. Target (issue 17): at 1,000 sites, the policy run
takes at most 1.5x the flat one; exit 1 if missed. 10,000 sites: reported only.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

RATIO_TARGET = 1.5
TARGET_SITES = 1000
STAGES = ("validate", "plan", "render")
WIDTH = {"validate": 8, "plan": 6, "render": 7}


def measure(path: Path) -> dict[str, Any]:
    """In this process: each stage's wall time (until one fails), what the plan holds,
    and the process's CPU time and peak RSS."""
    from netorch import api  # noqa: PLC0415 - lazy: the parent process never plans

    report: dict[str, Any] = {"seconds": {}, "rules": 0, "entries": 0, "mb": 0.0,
                              "warnings": 0}

    def timed(stage: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            report["seconds"][stage] = time.perf_counter() - began

    try:
        validation = timed("validate", api.validate, path)
        assert validation.ok(), [f.render() for f in validation.errors]
        assert validation.inventory is not None
        report["warnings"] = len(validation.warnings)
        plan = timed("plan", api.plan_result, validation.inventory).plan
        assert plan is not None
        report["rules"] = len(plan.policy.rules) if plan.policy else 0
        report["entries"] = sum(len(s.entries) for s in plan.prefix_sets)
        del validation
        files = timed("render", api.render, plan, redact=True)
        report["mb"] = sum(len(t) for f in files.values() for t in f.values()) / 1e6
    except (MemoryError, AssertionError) as exc:
        stage = list(report["seconds"])[-1]
        report["failed"] = f"{stage}: {type(exc).__name__}"
        report["seconds"].pop(stage)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report.update(total=sum(report["seconds"].values()), cpu=usage.ru_utime + usage.ru_stime,
                  peak_mb=usage.ru_maxrss / 1024)
    return report


def best_of(path: Path, repeat: int, max_memory: float) -> dict[str, Any]:
    """The fastest of `repeat` fresh processes (a failed run ends the series)."""
    runs: list[dict[str, Any]] = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--child", str(path),
                               "--max-memory", str(max_memory)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"bench_policy: the run on {path} failed:\n{done.stderr}")
        runs.append(json.loads(done.stdout))
        if "failed" in runs[-1]:
            return runs[-1]
    return min(runs, key=lambda r: float(r["total"]))


def inventories(n: int, rules: int, tmp: Path) -> dict[str, Path]:
    """The flat and the policy inventory of `n` sites, each with its lock file."""
    made = {"none": generate.write(n, "file", tmp / f"{n}-flat.yaml"),
            f"{rules} rules": generate.write(n, "file", tmp / f"{n}-policy.yaml", rules)}
    for path in made.values():
        generate.lock(path)
    return made


HEAD = (f"{'sites':>6} {'policy':>9} {'rules':>6} {'entries':>8} {'validate':>8} {'plan':>6} "
        f"{'render':>7} {'total':>7} {'cpu':>7} {'out MB':>7} {'peak MB':>8} {'warnings':>8}")


def row(n: int, label: str, r: dict[str, Any]) -> str:
    s = r["seconds"]
    stages = " ".join(f"{s[k]:>{WIDTH[k]}.2f}" if k in s else f"{'-':>{WIDTH[k]}}"
                      for k in STAGES)
    failed = f"  failed in {r['failed']}" if "failed" in r else ""
    return (f"{n:>6} {label:>9} {r['rules']:>6} {r['entries']:>8} {stages} {r['total']:>7.2f}"
            f" {r['cpu']:>7.2f} {r['mb']:>7.1f} {r['peak_mb']:>8.0f} {r['warnings']:>8}{failed}")


def verdict(n: int, flat: dict[str, Any], policy: dict[str, Any]) -> tuple[str, bool]:
    judged = n == TARGET_SITES
    if "failed" in flat or "failed" in policy:
        return f"{n:>6} policy / none: no ratio, a run did not finish", not judged
    ratio, cpu = policy["total"] / flat["total"], policy["cpu"] / flat["cpu"]
    ok = not judged or ratio <= RATIO_TARGET
    goal = f" (target <= {RATIO_TARGET}x) {'OK' if ok else 'MISSED'}" if judged else ""
    return f"{n:>6} policy / none: {ratio:.2f}x wall, {cpu:.2f}x cpu{goal}", ok


def child(path: Path, max_memory: float) -> int:
    limit = int(max_memory * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    print(json.dumps(measure(path)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rules", type=int, default=50, help="policy rules (default 50)")
    parser.add_argument("--repeat", type=int, help="runs per case, the best is shown "
                        "(default 3, 1 above 1,000 sites)")
    parser.add_argument("--max-memory", type=float, default=12.0, metavar="GB",
                        help="address-space limit of each run (default 12)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.max_memory)
    print(HEAD, flush=True)
    verdicts, failed = [], False
    with tempfile.TemporaryDirectory(prefix="netorch-bench-policy-") as tmp:
        for n in args.sites:
            repeat = args.repeat or (3 if n <= TARGET_SITES else 1)
            best = {}
            for label, path in inventories(n, args.rules, Path(tmp)).items():
                best[label] = best_of(path, repeat, args.max_memory)
                print(row(n, label, best[label]), flush=True)
            line, ok = verdict(n, *best.values())
            verdicts.append(line)
            failed |= not ok
    print("\n".join(verdicts))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
