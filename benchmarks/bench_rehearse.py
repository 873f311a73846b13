"""Rehearsal benchmark: `netorch rehearse` on the public real-world corpus.

    python benchmarks/bench_rehearse.py [--workers 16] [--repeat 1]

Builds the corpus fabric (tests/realworld: 28 running configs of three platforms, one
site each, the two first sites as hubs with 26 tunnels each), plans it, then runs
`netorch rehearse` as a fresh process: 28 simulators on 127.0.0.1, diff, deploy,
redeploy and a last diff over SSH. Prints wall time and how long the simulators take to
load each platform's largest config. Target on a 2-core machine: the whole corpus
rehearsed in at most 90 s; exit 1 if missed or the rehearsal is not clean.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netorch.sim.fleet import device_class  # noqa: E402
from tests.realworld import corpus  # noqa: E402

TARGET_SECONDS = 90.0


def _load_times() -> list[tuple[str, str, int, float]]:
    """(platform, config, lines, seconds to load it into its simulator), largest per platform."""
    largest: dict[str, corpus.Config] = {}
    for config in corpus.configs():
        best = largest.get(config.platform)
        if best is None or len(config.text) > len(best.text):
            largest[config.platform] = config
    out = []
    for platform, config in sorted(largest.items()):
        cls = device_class(platform)
        assert cls is not None
        started = time.perf_counter()
        cls("bench").load_text(config.text)
        out.append((platform, config.name, len(config.text.splitlines()),
                    time.perf_counter() - started))
    return out


def _rehearse(workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inventory = corpus.inventory(folder, resolved=True)
        netorch = [sys.executable, "-m", "netorch.cli"]
        subprocess.run([*netorch, "plan", str(inventory), "--allocate", "--out", "/dev/null"],
                       check=True, capture_output=True)
        running = corpus.running(folder)
        started = time.perf_counter()
        done = subprocess.run([*netorch, "rehearse", str(inventory), "--running", str(running),
                               "--workers", str(workers)], check=False, capture_output=True,
                              text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-3000:])
            raise SystemExit("the corpus rehearsal is not clean")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for platform, name, lines, seconds in _load_times():
        print(f"load  {platform:<18} {name:<28} {lines:>6} lines  {seconds:6.2f} s")
    best = min(_rehearse(args.workers) for _ in range(args.repeat))
    count = len(corpus.configs())
    verdict = "ok" if best <= TARGET_SECONDS else "MISSED"
    print(f"rehearse {count} devices, {args.workers} workers: {best:.1f} s "
          f"(target <= {TARGET_SECONDS:.0f} s) {verdict}")
    return 0 if best <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
