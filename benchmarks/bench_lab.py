"""Lab benchmark: `lab up`, convergence after deploy and after `lab up`, `lab test`, `lab down`.

    python benchmarks/bench_lab.py              # 10, 20, 40 sites and eastern-region, 3 runs each
    python benchmarks/bench_lab.py --sites 10 --repeat 1 --no-example --no-failover

Needs root and the lab's tools (see docs/lab.md). Synthetic fabrics: two hubs, both
underlays at every site except every fourth, which is internet-only behind NAT.
Per run: "up" = `lab up` (namespaces and daemons = build, then render and the tiered
deploy over SSH, hubs checked before spokes, then the lab's settle step);
"converged after deploy" = from the end of the deploy until every tunnel end is
ESTABLISHED, every BGP session Established and every other site's LAN routed (read
with `netorch verify` over SSH, as `lab test` does); "converged after up" = the same
from the end of `lab up`. Memory = PSS of every lab daemon per site. The last table
holds the issue's targets: median and worst of the runs, and how many failed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netorch import api  # noqa: E402
from netorch.inventory import load  # noqa: E402
from netorch.lab import (  # noqa: E402
    lab_down,
    lab_test,
    lab_up,
    labtest,
    labverify,
    pipeline,
    runtime,
)
from netorch.lab.errors import LabError  # noqa: E402
from netorch.lab.labtest import CheckResult  # noqa: E402


def synthetic(n: int) -> dict[str, Any]:
    sites = []
    for i in range(1, n + 1):
        hub = i <= 2
        links = []
        internet_only = not hub and i % 4 == 0
        if not internet_only:
            links.append({"underlay": "private", "interface": "GigabitEthernet0/0/1",
                          "address": f"172.16.{i}.2/30", "next_hop": f"172.16.{i}.1"})
        inet = {"underlay": "internet", "interface": "GigabitEthernet0/0/0",
                "address": f"100.80.{i}.2/30", "next_hop": f"100.80.{i}.1"}
        if internet_only:
            inet.update(address=f"192.168.{i}.10/24", next_hop=f"192.168.{i}.1",
                        public=f"203.0.113.{i}")
        links.append(inet)
        sites.append({"name": f"dc-{i}" if hub else f"site-{i}", "id": i,
                      "organisation": f"Org {i}", "zone": "dc" if hub else "police",
                      "region": "east", "lan": [f"10.{i}.0.0/16"],
                      "devices": [{"name": f"r{i}", "platform": "cisco_iosxe",
                                   "mgmt": f"192.0.2.{i}", "links": links}]})
    return {"fabric": {
        "name": f"bench-{n}", "topology": {"kind": "hub-and-spoke", "hubs": ["dc-1", "dc-2"]},
        "underlays": {"private": {"preference": 10}, "internet": {"preference": 20}},
        "pools": {"tunnels": "100.64.0.0/20", "loopbacks": "100.65.0.0/24"},
        "routing": {"protocol": "bgp", "asn_base": 4200000000},
        "crypto": {"profile": "ncsc-prime", "auth": "psk"}}, "sites": sites}


def pss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:"))


WAIT = 120.0


def converge(rt: runtime.Runtime, plan: Any) -> tuple[float, list[str]]:
    """Seconds until one `netorch verify` read finds every tunnel end ESTABLISHED and
    every BGP session Established, and the kernels route every other site's LAN (one
    read per poll, so the figure is at most one read late); the problems left, if any."""
    began = time.monotonic()

    def problems(report: Any) -> list[str]:
        return (labverify.tunnel_problems(report) + labverify.bgp_problems(report)
                or labtest.route_problems(rt, plan))

    _, gaps = labverify.poll(rt, plan, problems, WAIT)
    return time.monotonic() - began, gaps


def run_case(path: Path, label: str, failover: bool,
             template_dirs: tuple[Path, ...] = (), test: bool = True) -> dict[str, Any]:
    inventory = load(path)
    name = inventory.fabric.name
    began = time.monotonic()
    up = lab_up(path, template_dirs=template_dirs)
    up_s = time.monotonic() - began
    if not up.ok:
        lab_down(path)
        return {"case": label, "ok": False, "up": up_s, "problems": [
            f"deploy failed: {up.deploy.counts()} {up.deploy.aborted or ''}"]}
    rt = runtime.attach(inventory, name)
    plan = pipeline.plan_for(rt, inventory)
    settle_s = pipeline.settle_seconds(rt)
    converged_s, gaps = converge(rt, plan)
    pss = sum(pss_kib(p.pid) for p in rt.state.procs) / 1024
    device_s = sorted(d.seconds for d in up.deploy.devices)
    print(f"{label}: up {up_s:.1f} s (deploy per device: median {statistics.median(device_s):.1f} "
          f"s, worst {device_s[-1]:.1f} s), converged {converged_s:.1f} s after up", flush=True)
    began = time.monotonic()
    try:
        checks = lab_test(path, failover=failover).checks if test else []
    except LabError as exc:  # e.g. a probe timed out on an overloaded machine
        checks = [CheckResult("lab test", False, str(exc))]
    test_s = time.monotonic() - began
    began = time.monotonic()
    lab_down(path)
    down_s = time.monotonic() - began
    fail = next((c.summary for c in checks if c.name == "failover"), "")
    problems = [f"not converged in {WAIT:g} s: {len(gaps)} problems {gaps[:3]}"] if gaps else []
    problems += [f"{c.name}: {c.summary} {c.details[:3]}" for c in checks if not c.ok]
    return {"case": label, "sites": len(inventory.sites), "devices": len(rt.spec.devices),
            "tunnels": len(plan.tunnels), "build": up.build_seconds,
            "deploy": up.deploy_seconds - settle_s, "settle": settle_s, "up": up_s,
            "converged": converged_s, "after_deploy": settle_s + converged_s,
            "ok": not gaps and all(c.ok for c in checks), "test": test_s, "down": down_s,
            "mb_site": pss / len(inventory.sites), "failover": fail, "problems": problems}


TARGETS = (("eastern-region", "after_deploy", "eastern-region lab, converged after deploy"),
           ("synthetic 40", "up", "40-site `lab up`"),
           ("synthetic 40", "converged", "40-site lab, converged after `lab up`"))
LIMIT = 15.0


def _runs(rows: list[dict[str, Any]], case: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["case"] == case]


def print_runs(rows: list[dict[str, Any]]) -> None:
    print("\n| case | run | sites | devices | tunnels | up s (build + deploy + settle) "
          "| converged after deploy s | converged after up s | test s | down s "
          "| MB/site (PSS) | all checks |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "converged" not in r:
            print(f"| {r['case']} | {r['run']} | | | | {r['up']:.1f} | | | | | | FAIL |")
            continue
        print(f"| {r['case']} | {r['run']} | {r['sites']} | {r['devices']} | {r['tunnels']} | "
              f"{r['up']:.1f} ({r['build']:.1f} + {r['deploy']:.1f} + {r['settle']:.1f}) | "
              f"{r['after_deploy']:.1f} | {r['converged']:.1f} | {r['test']:.1f} | "
              f"{r['down']:.1f} | {r['mb_site']:.1f} | {'pass' if r['ok'] else 'FAIL'} |")


def print_targets(rows: list[dict[str, Any]]) -> None:
    print("\n| case | target | runs | median s | worst s | failed runs | met |")
    print("|---|---|---|---|---|---|---|")
    for case, key, label in TARGETS:
        runs = _runs(rows, case)
        if not runs:
            continue
        failed = sum(not r["ok"] for r in runs)
        values = sorted(r[key] for r in runs if r["ok"])
        if not values:
            print(f"| {label} | <= {LIMIT:g} s | {len(runs)} | - | - | {failed} | no |")
            continue
        met = failed == 0 and values[-1] <= LIMIT
        print(f"| {label} | <= {LIMIT:g} s | {len(runs)} | {statistics.median(values):.1f} | "
              f"{values[-1]:.1f} | {failed} | {'yes' if met else 'no'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="*", default=[10, 20, 40])
    parser.add_argument("--example", type=Path, action="append", default=[],
                        help="an inventory folder to run too (default: inventories/eastern-region)")
    parser.add_argument("--no-example", action="store_true", help="synthetic fabrics only")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case")
    parser.add_argument("--no-failover", action="store_true")
    parser.add_argument("--no-test", action="store_true",
                        help="skip `lab test` (quicker: up and convergence figures only)")
    parser.add_argument("--template-dir", type=Path, action="append", default=[],
                        help="user template folder searched first (e.g. to try a fix)")
    args = parser.parse_args()
    examples = [] if args.no_example else (args.example or [ROOT / "inventories/eastern-region"])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for n in args.sites:
            path = Path(tmp) / f"bench-{n}.yaml"
            path.write_text(yaml.safe_dump(synthetic(n), sort_keys=False))
            api.allocate(load(path), create=True)  # `netorch plan --allocate`
            cases.append((path, f"synthetic {n}"))
        cases += [(e, e.name) for e in examples]
        for path, label in cases:
            for run in range(1, args.repeat + 1):
                row = run_case(path, label, not args.no_failover, tuple(args.template_dir),
                               not args.no_test)
                rows.append({**row, "run": run})
                print(rows[-1], flush=True)
    print_runs(rows)
    print_targets(rows)
    for r in rows:
        if r.get("failover"):
            print(f"{r['case']} run {r['run']}: {r['failover']}")
        for problem in r["problems"]:
            print(f"{r['case']} run {r['run']}: FAILED {problem}")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
