"""Time `netorch pki issue` and `netorch pki status` on a 10,000-device fabric.

    python benchmarks/bench_pki.py                      # 10,000 devices, dir form
    python benchmarks/bench_pki.py --devices 1000 --form file --repeat 3

The synthetic inventory comes from benchmarks/generate.py (certificate fabric,
ncsc-prime: ECDSA P-256/SHA-256), in a temporary directory, with every device on a
platform whose key netorch derives (FortiOS, strongSwan), so `pki issue` certifies all
of them; IOS-XE and Junos keys are made on the device and signed one CSR at a time
(`pki sign`). Each command runs as a fresh process (start-up included), with a
throwaway CA passphrase and master secret: `pki init` (untimed), `pki issue` (every
certificate new), `pki issue` again (nothing due), `pki status`. Targets on a 2-core
machine: issue <= 20 s, status <= 3 s. Exit 1 if a target is missed or a command fails.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

TARGETS = {"issue": 20.0, "status": 3.0}
DERIVED_PLATFORMS = ("fortinet_fortios", "linux_strongswan")
THROWAWAY = {"NETORCH_CA_PASSPHRASE": "bench-pki throwaway passphrase",
             "NETORCH_SECRET": "bench-pki-throwaway-master-secret-91c2"}


def sites_for(devices: int) -> int:
    """How many generated sites hold `devices` devices (an HA pair at every tenth site
    and at both hubs): the smallest n with n + ceil(n / 10) + 1 >= devices."""
    n = max(2, math.floor((devices - 1) * 10 / 11))
    while n + math.ceil(n / 10) + 1 < devices:
        n += 1
    return n


def netorch(*args: str) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one `netorch ARGS` child process."""
    env = {**os.environ, **THROWAWAY}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "netorch.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode and proc.stderr is not None:
        sys.stderr.write(proc.stderr.read().decode(errors="replace"))
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def inventory(devices: int, form: str, tmp: Path) -> Path:
    generate.PLATFORMS = DERIVED_PLATFORMS  # every key derived: issue certifies them all
    out = tmp / ("inventory.yaml" if form == "file" else "inventory")
    return generate.lock(generate.write(sites_for(devices), form, out))


def report(devices: int, name: str, runs: list[tuple[float, float, int]]) -> bool:
    """Print the best of `runs` against the target; whether it passed."""
    seconds, peak, code = min(runs)
    limit = TARGETS.get(name)
    ok = code == 0 and (limit is None or seconds <= limit)
    goal = f"<= {limit:.0f} s" if limit else "-"
    verdict = "ok" if ok else ("FAILED" if code else "MISSED")
    print(f"{devices:>7} {name:<14} {seconds:>8.2f} {peak:>8.0f}  {goal} {verdict}", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--form", choices=("dir", "file"), default="dir")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of issue (again) and status; best is shown")
    args = parser.parse_args(argv)
    print(f"{'devices':>7} {'command':<14} {'seconds':>8} {'peak MB':>8}  target")
    with tempfile.TemporaryDirectory(prefix="netorch-bench-") as tmp:
        target = str(inventory(args.devices, args.form, Path(tmp)))
        key = ("--ca-key", str(Path(tmp) / "keys" / "ca.key"))
        if netorch("pki", "init", target, *key)[2] != 0:
            return 1
        ok = report(args.devices, "issue", [netorch("pki", "issue", target, *key)])
        again = [netorch("pki", "issue", target, *key) for _ in range(args.repeat)]
        ok &= report(args.devices, "issue (again)", again)
        status = [netorch("pki", "status", target) for _ in range(args.repeat)]
        ok &= report(args.devices, "status", status)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
