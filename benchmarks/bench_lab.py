"""Lab benchmark: `lab up` (build + deploy + converge), `lab test`, `lab down`, memory.

    python benchmarks/bench_lab.py                    # 3, 10 and 20 synthetic sites
    python benchmarks/bench_lab.py --sites 10 --example inventories/eastern-region

Needs root and the lab's tools (see docs/lab.md). Synthetic fabrics: two hubs, both
underlays at every site except every fourth, which is internet-only behind NAT.
"up" = namespaces and daemons (build) + render and deploy over SSH (deploy);
"converged" = from the end of deploy until every SA, BGP session and LAN route is up.
Memory = PSS of every lab daemon (charon, zebra, bgpd, bfdd, sshd) per site.
"""

from __future__ import annotations

import argparse
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
from netorch.lab import lab_down, lab_test, lab_up, labtest, pipeline, runtime  # noqa: E402


def synthetic(n: int) -> dict[str, Any]:
    sites = []
    for i in range(1, n + 1):
        hub = i <= 2
        links = []
        internet_only = not hub and i % 4 == 0
        if not internet_only:
            links.append({"underlay": "private", "interface": "eth1",
                          "address": f"172.16.{i}.2/30", "next_hop": f"172.16.{i}.1"})
        inet = {"underlay": "internet", "interface": "eth0",
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


def run_case(path: Path, label: str, failover: bool,
             template_dirs: tuple[Path, ...] = ()) -> dict[str, Any]:
    inventory = load(path)
    name = inventory.fabric.name
    began = time.monotonic()
    up = lab_up(path, template_dirs=template_dirs)
    up_s = time.monotonic() - began
    if not up.ok:
        lab_down(path)
        raise SystemExit(f"{label}: deploy failed: {up.deploy.counts()}")
    rt = runtime.attach(inventory, name)
    plan = pipeline.plan_for(rt, inventory)
    began = time.monotonic()
    ike, ike_summary, ike_gaps = labtest.check_ike(rt, plan)
    bgp, bgp_summary, bgp_gaps = labtest.check_bgp(rt, plan)
    converged_s = time.monotonic() - began
    pss = sum(pss_kib(p.pid) for p in rt.state.procs) / 1024
    began = time.monotonic()
    tested = lab_test(path, failover=failover)
    test_s = time.monotonic() - began
    began = time.monotonic()
    lab_down(path)
    down_s = time.monotonic() - began
    fail = next((c.summary for c in tested.checks if c.name == "failover"), "")
    problems = [f"converge ike: {ike_summary} {ike_gaps[:3]}"] if not ike else []
    problems += [f"converge bgp: {bgp_summary} {bgp_gaps[:3]}"] if not bgp else []
    problems += [f"{c.name}: {c.summary} {c.details[:3]}" for c in tested.checks if not c.ok]
    return {"case": label, "sites": len(inventory.sites), "devices": len(rt.spec.devices),
            "tunnels": len(plan.tunnels), "build": up.build_seconds,
            "deploy": up.deploy_seconds, "up": up_s, "converged": converged_s,
            "ok": ike and bgp and tested.ok, "test": test_s, "down": down_s,
            "mb_site": pss / len(inventory.sites), "failover": fail, "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="*", default=[3, 10, 20])
    parser.add_argument("--example", type=Path, action="append", default=[])
    parser.add_argument("--no-failover", action="store_true")
    parser.add_argument("--template-dir", type=Path, action="append", default=[],
                        help="user template folder searched first (e.g. to try a fix)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sites:
            path = Path(tmp) / f"bench-{n}.yaml"
            path.write_text(yaml.safe_dump(synthetic(n), sort_keys=False))
            api.allocate(load(path), create=True)  # `netorch plan --allocate`
            rows.append(run_case(path, f"synthetic {n}", not args.no_failover,
                                 tuple(args.template_dir)))
            print(rows[-1], flush=True)
    for example in args.example:
        rows.append(run_case(example, example.name, not args.no_failover,
                             tuple(args.template_dir)))
        print(rows[-1], flush=True)
    print("\n| case | sites | devices | tunnels | up (build + deploy) s | converged s "
          "| test s | down s | MB/site (PSS) | all checks |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['sites']} | {r['devices']} | {r['tunnels']} | "
              f"{r['up']:.1f} ({r['build']:.1f} + {r['deploy']:.1f}) | {r['converged']:.1f} | "
              f"{r['test']:.1f} | {r['down']:.1f} | {r['mb_site']:.1f} | "
              f"{'pass' if r['ok'] else 'FAIL'} |")
    for r in rows:
        if r["failover"]:
            print(f"{r['case']}: {r['failover']}")
        for problem in r["problems"]:
            print(f"{r['case']}: FAILED {problem}")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
