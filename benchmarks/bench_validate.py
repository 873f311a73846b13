"""Time `netorch validate` on synthetic inventories: wall time and peak RSS per run.

    python benchmarks/bench_validate.py                 # 1,000 and 10,000 sites, dir + file
    python benchmarks/bench_validate.py --sites 1000 --repeat 3

Each run is a fresh `netorch validate` process (what a user or CI job pays, start-up
included); peak RSS comes from the child's rusage. Targets on a 2-core machine:
1,000 sites <= 1.5 s, 10,000 sites <= 15 s, memory <= 500 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write

TARGETS = {1000: 1.5, 10000: 15.0}
MEMORY_MB = 500


def run_once(target: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one `netorch validate` child process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "netorch.cli", "validate", str(target)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, status, usage = _wait(proc)
    seconds = time.perf_counter() - start
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def allocate(target: Path) -> None:
    """`netorch plan --allocate` (untimed): `validate` reads the allocation file that
    only `plan` writes, and refuses an inventory without one."""
    subprocess.run([sys.executable, "-m", "netorch.cli", "plan", str(target), "--allocate",
                    "--format", "json"], stdout=subprocess.DEVNULL, check=True)


def _wait(proc: subprocess.Popen[bytes]) -> tuple[int, int, int, resource.struct_rusage]:
    pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return pid, 0, status, usage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=sorted(TARGETS))
    parser.add_argument("--form", choices=("dir", "file"), nargs="+", default=["dir", "file"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; best is shown")
    args = parser.parse_args(argv)
    print(f"{'sites':>6} {'form':>4} {'seconds':>8} {'peak MB':>8}  target")
    failed = False
    with tempfile.TemporaryDirectory(prefix="netorch-bench-") as tmp:
        for n in args.sites:
            for form in args.form:
                out = Path(tmp) / (f"{n}-{form}.yaml" if form == "file" else f"{n}-{form}")
                target = write(n, form, out)
                allocate(target)
                runs = [run_once(target) for _ in range(args.repeat)]
                seconds, peak, code = min(runs)
                limit = TARGETS.get(n)
                ok = code == 0 and peak <= MEMORY_MB and (limit is None or seconds <= limit)
                failed |= not ok
                goal = f"<= {limit} s, <= {MEMORY_MB} MB" if limit else f"<= {MEMORY_MB} MB"
                status = "ok" if ok else ("INVALID" if code else "MISSED")
                print(f"{n:>6} {form:>4} {seconds:>8.2f} {peak:>8.0f}  {goal} {status}",
                      flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
