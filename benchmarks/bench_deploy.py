"""Deploy benchmark: netorch versus a bare Nornir + Netmiko script on simulated devices.

    python benchmarks/bench_deploy.py [--devices 200] [--workers 50]

Each phase gets a fresh fleet of simulated devices (a separate process, so it does not
share the GIL with the deploy side), all on 127.0.0.1:

1. bare script: Nornir + nornir_netmiko pushing each rendered config as is
   (`netmiko_send_config`, plus `netmiko_commit` on Junos) - no diff, no rollback point;
2. netorch diff (dry run), 3. netorch deploy --commit, 4. netorch no-change redeploy
   (must push nothing: every device must come back `unchanged`).

Prints the figures and the ratios the issue asks for (deploy <= 1.3x bare;
no-change redeploy <= diff).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nornir.core.task import Result, Task  # noqa: E402
from nornir_netmiko.tasks import netmiko_commit, netmiko_send_config  # noqa: E402

from netorch.deploy import (  # noqa: E402
    Credentials,
    DeployOptions,
    DeviceTarget,
    Outcome,
    deploy_fabric,
    diff_fabric,
)
from netorch.transport.nornir_inventory import build_nornir  # noqa: E402

FIXTURES = ROOT / "tests" / "deploy" / "fixtures"
FILES = {"cisco_iosxe": FIXTURES / "r1", "juniper_junos": FIXTURES / "j1",
         "fortinet_fortios": FIXTURES / "f1"}
CREDS = Credentials("netorch", "lab-pass")


@contextmanager
def fleet(count: int) -> Iterator[list[DeviceTarget]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ports.json"
        proc = subprocess.Popen([sys.executable, "-m", "netorch.sim", str(count), str(out)],
                                cwd=ROOT, stdin=subprocess.PIPE)
        try:
            for _ in range(600):
                if out.exists() and out.stat().st_size:
                    break
                time.sleep(0.1)
            ports = json.loads(out.read_text())
            yield [DeviceTarget(name, platform, "127.0.0.1", port, name,
                                {p.name: p.read_text() for p in FILES[platform].iterdir()})
                   for name, (platform, port) in sorted(ports.items())]
        finally:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _bare_task(task: Task, targets: dict[str, DeviceTarget]) -> Result:
    target = targets[task.host.name]
    text = next(iter(target.files.values()))
    lines = [ln for ln in text.splitlines() if ln.strip() and ln.strip() != "!"]
    if target.platform == "juniper_junos":
        task.run(task=netmiko_send_config, config_commands=lines, exit_config_mode=False)
        task.run(task=netmiko_commit)
    else:
        task.run(task=netmiko_send_config, config_commands=lines)
    task.host.close_connection("netmiko")
    return Result(host=task.host)


def bare(targets: list[DeviceTarget], workers: int) -> tuple[float, int]:
    nr = build_nornir(targets, CREDS, workers=workers)
    started = time.perf_counter()
    results = nr.run(task=_bare_task, targets={t.name: t for t in targets})
    return time.perf_counter() - started, len(results.failed_hosts)


def timed(label: str, func: object) -> tuple[str, float, dict[str, int]]:
    started = time.perf_counter()
    result = func()  # type: ignore[operator]
    return label, time.perf_counter() - started, result.counts()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--workers", type=int, default=50)
    args = parser.parse_args()
    rows: list[tuple[str, float, dict[str, int]]] = []
    with fleet(args.devices) as targets:
        seconds, failed = bare(targets, args.workers)
        rows.append(("bare Nornir+Netmiko push", seconds, {"failed": failed}))
    with fleet(args.devices) as targets, tempfile.TemporaryDirectory() as tmp:
        # the audit log is appended only to a regular file: a throwaway one here
        opts = DeployOptions(commit=True, workers=args.workers,
                             audit_log=Path(tmp) / "audit.jsonl")
        rows.append(timed("netorch diff (dry run)",
                          lambda: diff_fabric(targets, CREDS, workers=args.workers)))
        rows.append(timed("netorch deploy --commit", lambda: deploy_fabric(targets, CREDS, opts)))
        rows.append(timed("netorch no-change redeploy",
                          lambda: deploy_fabric(targets, CREDS, opts)))
    assert rows[3][2] == {Outcome.UNCHANGED.value: args.devices}, rows[3][2]
    print(f"\n{args.devices} simulated devices, {args.workers} workers, 127.0.0.1\n")
    for label, secs, counts in rows:
        print(f"  {label:<30} {secs:7.2f} s   {counts}")
    base, diff, deploy, redeploy = (r[1] for r in rows)
    print(f"\n  deploy --commit / bare script   {deploy / base:5.2f}x  (target <= 1.30x)")
    print(f"  no-change redeploy / diff       {redeploy / diff:5.2f}x  (target <= 1.00x)")


if __name__ == "__main__":
    main()
