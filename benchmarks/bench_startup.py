"""Start-up: `netorch validate`, and `validate` then `render`, as a CI job runs them.

    python benchmarks/bench_startup.py                          # 20, 50, 150 sites, 5 runs
    python benchmarks/bench_startup.py --sites 20 --repeat 10
    python benchmarks/bench_startup.py --netlab /tmp/netlab-venv/bin/netlab

Every run is a fresh process (start-up is most of the time at this size). Per size: a
synthetic inventory (`generate.py`, directory form) with its lock file, one untimed
warm-up run, then the best and median of `--repeat` runs. `render` writes into a new
temporary folder each run, `--redact` (no secret needed). Python writes its bytecode
cache under the temporary folder (PYTHONPYCACHEPREFIX), as an installed package has
one: a checkout run with PYTHONDONTWRITEBYTECODE would time the compiler instead.

With netlab (`--netlab PATH`, else `netlab` on PATH), it also times `netlab create`
(file generation only: no lab is started) of a topology with the same node count:
FRR nodes with BGP, one link between each spoke router and each hub router, the
containerlab provider; and prints how many times longer it takes than netorch's
validate + render. Without netlab that column says so and nothing else changes.

Exit 1 if `validate` of 20 sites takes more than 0.35 s (best run; issue 15) or a
command fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

TARGET_SITES, TARGET_SECONDS = 20, 0.35
NETORCH = [sys.executable, "-m", "netorch.cli"]


def timed(argv: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Wall seconds of one process; a failure stops the benchmark with its output."""
    start = time.perf_counter()
    run = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {run.returncode}\n{run.stdout}{run.stderr}")
    return seconds


def runs(once: Callable[[int], float], repeat: int) -> tuple[float, float]:
    """(best, median) of `repeat` runs after one untimed warm-up run."""
    once(-1)
    seconds = [once(i) for i in range(repeat)]
    return min(seconds), statistics.median(seconds)


def validate_only(inventory: Path, env: dict[str, str]) -> Callable[[int], float]:
    """One `netorch validate`."""
    return lambda _i: timed([*NETORCH, "validate", str(inventory)], env)


def validate_render(inventory: Path, work: Path, env: dict[str, str]) -> Callable[[int], float]:
    """One `netorch validate` then `netorch render --redact` into a new folder."""
    def once(i: int) -> float:
        out = work / f"out-{i}"
        seconds = timed([*NETORCH, "validate", str(inventory)], env)
        seconds += timed([*NETORCH, "render", str(inventory), "--redact", "--out", str(out)],
                         env)
        shutil.rmtree(out)
        return seconds
    return once


def netlab_topology(sites: list[dict[str, Any]]) -> dict[str, Any]:
    """netlab's topology of the same routers: BGP, each spoke linked to each hub."""
    routers = [(s["name"], d["name"]) for s in sites for d in s["devices"]]
    node = {name: f"r{i + 1}" for i, (_, name) in enumerate(routers)}
    hubs = [node[d] for site, d in routers if site.startswith("hub-")]
    spokes = [node[d] for site, d in routers if not site.startswith("hub-")]
    return {
        "provider": "clab",
        "defaults": {"device": "frr", "const": {"MAX_NODE_ID": len(routers) + 10}},
        "addressing": {"mgmt": {"ipv4": "192.168.128.0/17"}},  # past 150 nodes
        "module": ["bgp"],
        "nodes": {node[d]: {"bgp": {"as": 65000 + i}} for i, (_, d) in enumerate(routers)},
        "links": [f"{s}-{h}" for s in spokes for h in hubs],
    }


def netlab_create(netlab: str, sites: list[dict[str, Any]], work: Path,
                  env: dict[str, str]) -> Callable[[int], float]:
    """One `netlab create` in a new folder."""
    text = yaml.safe_dump(netlab_topology(sites), sort_keys=False)

    def once(i: int) -> float:
        folder = work / f"netlab-{i}"
        folder.mkdir()
        (folder / "topology.yml").write_text(text)
        seconds = timed([netlab, "create"], env, cwd=folder)
        shutil.rmtree(folder)
        return seconds
    return once


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[20, 50, 150])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case")
    parser.add_argument("--netlab", default=shutil.which("netlab"),
                        help="netlab to compare with (default: netlab on PATH)")
    parser.add_argument("--netlab-repeat", type=int, default=3,
                        help="timed `netlab create` runs per size")
    args = parser.parse_args(argv)
    netlab = args.netlab if args.netlab and Path(args.netlab).exists() else None
    print(f"{'sites':>5} {'routers':>7} {'validate best/median':>21} "
          f"{'+ render best/median':>21} {'netlab create best/median':>26} {'ratio':>6}")
    failed = False
    with tempfile.TemporaryDirectory(prefix="netorch-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for n in args.sites:
            work = Path(tmp) / f"sites-{n}"
            inventory = generate.lock(generate.write(n, "dir", work / "inventory"))
            sites = generate.sites(n)
            validate = runs(validate_only(inventory, env), args.repeat)
            both = runs(validate_render(inventory, work, env), args.repeat)
            line = (f"{n:>5} {sum(len(s['devices']) for s in sites):>7} "
                    f"{validate[0]:>10.2f}/{validate[1]:<4.2f} s "
                    f"{both[0]:>10.2f}/{both[1]:<4.2f} s")
            if netlab:
                made = runs(netlab_create(netlab, sites, work, env), args.netlab_repeat)
                line += f" {made[0]:>15.2f}/{made[1]:<5.2f} s {made[0] / both[0]:>5.1f}x"
            else:
                line += f" {'(netlab not installed)':>26}"
            print(line, flush=True)
            if n == TARGET_SITES:
                failed = validate[0] > TARGET_SECONDS
                print(f"      validate, {n} sites: best {validate[0]:.2f} s, target <= "
                      f"{TARGET_SECONDS} s: {'MISSED' if failed else 'ok'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
