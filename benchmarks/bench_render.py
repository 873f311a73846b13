"""Benchmark: validate + plan + render of a synthetic fabric, and netorch's render overhead
over a raw Jinja2 script rendering the same templates from the same plan.

    python benchmarks/bench_render.py              # 1,000 and 10,000 sites
    python benchmarks/bench_render.py 1000 --raw   # one size, with the raw baseline

Targets (issue 5): 1,000 sites <= 3 s; 10,000 sites <= 30 s and <= 1 GB; render
overhead <= 1.5x raw Jinja2. Each size runs in its own process (clean peak RSS).
Only platforms that have templates are rendered; the report says which.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

from netorch import __version__, api
from netorch.errors import UserError
from netorch.plan.model import FabricPlan
from netorch.platforms import registry
from netorch.render import Renderer, RenderOptions
from netorch.render.engine import FILTERS, builtin_templates

TARGETS = {1000: 3.0, 10000: 30.0}
MEMORY_LIMIT_MB = 1024


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    began = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - began


def rendered_devices(plan: FabricPlan) -> set[str]:
    renderer = Renderer()
    have = {p for p in {d.platform for d in plan.devices} if _has_templates(renderer, p)}
    return {d.name for d in plan.devices if d.platform in have}


def _has_templates(renderer: Renderer, platform: str) -> bool:
    try:
        return bool(renderer.files(platform))
    except UserError:  # a platform without templates is simply skipped
        return False


def raw_jinja(plan: FabricPlan, devices: set[str]) -> dict[str, dict[str, str]]:
    """The baseline: plain Jinja2 environments and hand-built variables, no netorch render."""
    envs: dict[str, jinja2.Environment] = {}
    views: dict[str, list[SimpleNamespace]] = {}
    for t in plan.tunnels:
        for local, remote in ((t.a, t.b), (t.b, t.a)):
            if local.device in devices:
                views.setdefault(local.device, []).append(SimpleNamespace(
                    tunnel=t, local=local, remote=remote, id=t.id, index=t.index,
                    psk="<redacted>" if t.auth == "psk" else None))
    sites = {s.name: s for s in plan.sites}
    sets = {s.name: s for s in plan.prefix_sets}
    out: dict[str, dict[str, str]] = {}
    for d in plan.devices:
        if d.name not in devices:
            continue
        env = envs.get(d.platform) or envs.setdefault(d.platform, _raw_env(d.platform))
        mine = views.get(d.name, [])
        used = ({d.advertises} | {v.local.accepts for v in mine}
                | {v.local.advertises for v in mine}
                | {p.match for v in mine for p in v.local.preferences})
        variables = {"fabric": plan.fabric, "site": sites[d.site], "device": d, "tunnels": mine,
                     "prefix_sets": [sets[n] for n in sorted(used)],
                     "options": {"dataplane": "kernel"}, "pki": None, "policy": None}
        files = {}
        for name in sorted(n for n in env.list_templates(extensions=["j2"])
                           if "/" not in n and not n.startswith("_")):
            text = env.get_template(name).render(variables)
            if text.strip():
                files[name[:-3]] = text
        out[d.name] = files
    return out


def _raw_env(platform: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(builtin_templates() / platform)),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    env.filters.update(FILTERS)
    env.globals["netorch_version"] = __version__
    env.globals["owned"] = SimpleNamespace(**registry()[platform].owned)
    return env


def one(sites: int, raw: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = generate.lock(generate.write(sites, "file", Path(tmp) / "inventory.yaml"))
        gc.collect()  # the set-up's garbage (its own plan) is not the timed pipeline's
        began = time.perf_counter()
        inventory, t_load = _timed(api.load, path)
        findings, t_check = _timed(api.check, inventory)
        result, t_plan = _timed(api.plan_result, inventory)
    plan = result.plan
    assert plan is not None and not any(f.is_error for f in findings), "invalid inventory"
    devices = rendered_devices(plan)
    files, t_render = _timed(api.render, plan, redact=True, options=RenderOptions(),
                             devices=devices)
    total = time.perf_counter() - began
    report: dict[str, Any] = {
        "sites": sites, "devices": len(plan.devices), "tunnels": len(plan.tunnels),
        "rendered_devices": len(files),
        "platforms": sorted({d.platform for d in plan.devices if d.name in devices}),
        "files": sum(len(f) for f in files.values()),
        "seconds": {"load": t_load, "check": t_check, "plan": t_plan, "render": t_render,
                    "total": total},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if raw:
        baseline, t_raw = _timed(raw_jinja, plan, devices)
        assert baseline == files, "the raw baseline must render exactly the same files"
        report["seconds"]["raw_jinja2"] = t_raw
        report["overhead_ratio"] = t_render / t_raw
    return report


def _show(r: dict[str, Any]) -> str:
    s = r["seconds"]
    target = TARGETS.get(r["sites"])
    verdict = "" if target is None else (" OK" if s["total"] <= target else " SLOW") + (
        f" (target {target:.0f} s)")
    lines = [f"{r['sites']} sites, {r['devices']} devices, {r['tunnels']} tunnels; rendered "
             f"{r['rendered_devices']} devices ({', '.join(r['platforms'])}), {r['files']} files",
             f"  load {s['load']:.2f} s, check {s['check']:.2f} s, plan {s['plan']:.2f} s, "
             f"render {s['render']:.2f} s; total {s['total']:.2f} s{verdict}",
             f"  peak RSS {r['peak_rss_mb']:.0f} MB"
             + (" OK" if r["peak_rss_mb"] <= MEMORY_LIMIT_MB else " OVER 1 GB")]
    if "overhead_ratio" in r:
        lines.append(f"  raw Jinja2 {s['raw_jinja2']:.2f} s; netorch render overhead "
                     f"{r['overhead_ratio']:.2f}x (target <= 1.5x)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--raw", action="store_true", help="also time the raw Jinja2 baseline")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.sizes[0], args.raw)))
        return 0
    for n in args.sizes:
        cmd = [sys.executable, __file__, str(n), "--one", *(["--raw"] if args.raw or n <= 1000
                                                         else [])]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        print(_show(json.loads(done.stdout)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
